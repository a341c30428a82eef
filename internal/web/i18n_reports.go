package web

// The messages of the reports page (admin_reports.go) and the overview's additions.
// Here only the messages several packages use; each page package has its own in its i18n.go.
func init() {
	addEnglish(map[string]string{
		"Laporan": "Reports",
	})
}
