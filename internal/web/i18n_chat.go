package web

// The messages of the chat pages (app_chat.html, admin_chat.html).
// Here only the messages several packages use; each page package has its own in its i18n.go.
func init() {
	addEnglish(map[string]string{
		"Alamat":                    "Address",
		"Belum ada chat terhubung.": "No chat linked yet.",
		"Chat dilepas dari akun.":   "Chat unlinked from the account.",
		"Chat terhubung":            "Linked chats",
		"Chat tidak ditemukan.":     "No such chat.",
		"Chat":                      "Chat",
		"Lepas chat ini dari akun?": "Unlink this chat from the account?",
		"Lepas":                     "Unlink",
		"Saluran":                   "Channel",
		"Terhubung":                 "Linked",
		"terkunci":                  "locked",
	})
}
