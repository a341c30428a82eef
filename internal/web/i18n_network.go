package web

// The messages of the network pages (app_network.html, admin_network.html) and the
// upline on a reseller's page.
// Here only the messages several packages use; each page package has its own in its i18n.go.
func init() {
	addEnglish(map[string]string{
		"Jaringan": "Network",
		"Downline": "Downlines",
		"downline": "downlines",
		"Komisi":   "Commission",
		"Markup":   "Markup",
	})
}
