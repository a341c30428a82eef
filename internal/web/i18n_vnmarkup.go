package web

// The words of the markup form's scope of virtual numbers (admin_catalog.html): the
// code of a rule of numbers is a service's code, or none for every service.
func init() {
	addEnglish(map[string]string{
		"nomor virtual (kode: layanan)": "virtual numbers (code: service)",
	})
}
