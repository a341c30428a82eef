package web

// The messages of the profit, withdrawal and dropship refund pages (profit.go).
// Here only the messages several packages use; each page package has its own in its i18n.go.
func init() {
	addEnglish(map[string]string{
		"Customer":                              "Customer",
		"Dana customer yang harus dikembalikan": "Customer payments to pay back",
		"Dibayar":                               "Paid",
		"Profit":                                "Profit",
	})
}
