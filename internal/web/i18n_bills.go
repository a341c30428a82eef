package web

// The messages of the bills, PLN meter and receipt pages (app_bills.go, app_pln.go,
// app_receipt.go) and of a bill on the operator's order page.
// Here only the messages several packages use; each page package has its own in its i18n.go.
func init() {
	addEnglish(map[string]string{
		"Tagihan":                             "Bill",
		"ID pelanggan":                        "Customer number",
		"Tarif/Daya":                          "Tariff/Power",
		"Periode":                             "Period",
		"Stand meter":                         "Meter reading",
		"Denda":                               "Penalty",
		"Admin":                               "Admin fee",
		"Total tagihan":                       "Bill total",
		"Berlaku sampai":                      "Valid until",
		"No. meter":                           "Meter number",
		"Struk":                               "Receipt",
		"Terjadi kesalahan. Coba lagi nanti.": "Something went wrong. Try again later.",
		"Jumlah peserta":                      "Members",

		// billRefusals (app_bills.go).

		// meterRefusals (app_pln.go).
	})
}
