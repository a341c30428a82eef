package admin

import (
	"net/http"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

// adminPrices is the price history: every change set of base prices (a markup rule, a
// catalog import, a route, a supplier's price sync, an undo), newest first, each with
// a button that undoes it, after a preview (as `loket price history` and `price undo`).
func (h *Handler) adminPrices(w http.ResponseWriter, r *http.Request, s *web.Session) {
	sets, err := h.svc.Catalog.PriceHistory(r.Context(), 100)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "admin_prices", h.NewPage(w, r, s, "Riwayat harga", "catalog", sets))
}

// adminPriceUndo previews the undo of a change set (before and after per product) and,
// posted again with confirm=1, applies it as a new change set. A set whose products
// moved again since is refused, naming them; force=1 undoes it anyway.
func (h *Handler) adminPriceUndo(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	apply, force := r.PostFormValue("confirm") == "1", r.PostFormValue("force") == "1"
	set, err := h.svc.Catalog.UndoPrices(r.Context(), id, force, apply)
	switch {
	case err != nil:
		h.Back(w, r, "/admin/prices", "err", h.ErrText(r, err))
	case apply:
		h.log.Info("dashboard price undo", "admin", s.Username, "set", id, "new_set", set.ID, "products", set.Products)
		h.Back(w, r, "/admin/prices", "ok", p.Tf("Perubahan #%d dibatalkan; %d harga kembali (perubahan #%d).", id, set.Products, set.ID))
	default:
		d := struct {
			Change *loket.MarkupChange
			Undo   int64 // the set whose undo this previews
			Delete bool
			Fields map[string]string
		}{&loket.MarkupChange{PriceChangeSet: *set, Covered: set.Products}, id, false, map[string]string{"force": r.PostFormValue("force")}}
		h.Render(w, http.StatusOK, "admin_markup_preview", h.NewPage(w, r, s, "Pratinjau perubahan harga", "catalog", &d))
	}
}

// causeText is a change set's cause as people read it: its Indonesian words (English by
// the switch) for the kinds of change Loket records, the rest as it was written.
func causeText(p *web.Page, cause string) string {
	for _, c := range []struct{ prefix, words string }{
		{"undo of ", "Pembatalan"},
		{"markup set ", "Aturan markup"},
		{"markup delete ", "Aturan markup dihapus"},
		{"catalog import ", "Impor katalog"},
		{"route add ", "Rute baru"},
		{"price sync of ", "Sinkron harga dari"},
	} {
		if rest, ok := strings.CutPrefix(cause, c.prefix); ok {
			if c.prefix == "undo of " { // "undo of #3 (markup set all: …)"
				if i := strings.Index(rest, " ("); i > 0 && strings.HasSuffix(rest, ")") {
					rest = rest[:i] + " (" + causeText(p, rest[i+2:len(rest)-1]) + ")"
				}
			}
			return p.T(c.words) + " " + rest
		}
	}
	return cause
}
