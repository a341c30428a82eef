package web

import (
	"net/http"

	"github.com/loket/loket/internal/loket"
)

// errText is what a page says of an error: for a domain refusal, its sentence in the
// page's language (loket.ErrorSentence in Indonesian; the domain's message, with its
// detail, in English); a cut-off names the hour it ends, in WIB; anything else is a general
// sentence, its details only in the log.
func (h *Handler) errText(r *http.Request, err error) string {
	p := &page{Lang: lang(r)}
	code := loket.ErrorCode(err)
	if code == "" || code == loket.EINTERNAL {
		h.log.Error("dashboard", "err", err)
		return p.T("Terjadi kesalahan. Coba lagi nanti.")
	}
	if f, ok := textRefusals[loket.ErrorReason(err)]; ok {
		return p.Tf(f, loket.ErrorField(err), loket.ErrorMax(err))
	}
	if at := loket.ErrorRetryAt(err); loket.ErrorReason(err) == loket.ReasonCutOff && !at.IsZero() {
		return p.Tf("Produk ini sedang tutup (cut-off) sampai %s WIB.", at.In(wib).Format("15:04"))
	}
	if p.Lang == "en" {
		return loket.ErrorMessage(err)
	}
	return loket.ErrorSentence(err)
}
