package chat

import "github.com/loket/loket/internal/loket"

// The engine's fixed answers.
const (
	textRetry    = "Maaf, sedang ada gangguan. Coba lagi sebentar lagi."
	textUnlinked = "Chat ini belum terhubung ke akun. Buka dashboard, menu Chat: atur PIN, buat kode, lalu kirim ke sini: LINK.KODE"
)

func textHelp() string { return HelpText() }

// refusalText is a refusal of the domain said in Indonesian (loket.ErrorSentence);
// anything that is not a refusal is a general "try again".
func refusalText(err error) string {
	if s := loket.ErrorSentence(err); s != "" {
		return s
	}
	return textRetry
}
