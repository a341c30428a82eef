package app

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

// The network (internal/network): a reseller's downlines, who buy at its price plus its
// markup for them, the difference going to its profit balance when their orders
// succeed. The reseller creates them, moves balance to and from them, sets their markup
// and suspends them; the operator sees the whole tree and sets its limits.

type networkData struct {
	Reseller  *loket.Reseller
	Downlines []loket.Downline
	Limits    loket.NetworkLimits
	Markups   []downlineMarkup   // the markups per category and product, of every downline
	Key       string             // fixed when the page is shown, so a double submit moves once
	New       *loket.Reseller    // the downline just created,
	Creds     *loket.Credentials // and its keys, shown once
}

func (h *Handler) networkData(r *http.Request, s *web.Session) (*networkData, error) {
	ctx := r.Context()
	d := &networkData{Key: "WEB" + strings.ToUpper(auth.RandomCode(12))}
	ra, err := h.svc.Resellers.AuthByID(ctx, s.SubjectID)
	if err != nil {
		return nil, err
	}
	if d.Reseller, err = h.svc.Resellers.Reseller(ctx, s.SubjectID, ""); err != nil {
		return nil, err
	}
	if d.Downlines, err = h.svc.Network.Downlines(ctx, ra); err != nil {
		return nil, err
	}
	if d.Limits, err = h.svc.Network.Limits(ctx); err != nil {
		return nil, err
	}
	for _, dl := range d.Downlines {
		ms, err := h.svc.Network.Markups(ctx, ra, dl.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Scope != loket.ScopeAll { // the table shows that one
				d.Markups = append(d.Markups, downlineMarkup{ID: dl.ID, Username: dl.Username, DownlineMarkupView: m})
			}
		}
	}
	return d, nil
}

// downlineMarkup is a markup per category or product, with its downline.
type downlineMarkup struct {
	ID       int64
	Username string
	loket.DownlineMarkupView
}

// networkPage: the reseller's downlines, creating one, moving balance, markups, status.
func (h *Handler) networkPage(w http.ResponseWriter, r *http.Request, s *web.Session) {
	d, err := h.networkData(r, s)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "app_network", h.NewPage(w, r, s, "Jaringan", "network", d))
}

// formMarkup reads a markup's percent ("percent") and rupiah ("flat"), each empty as zero.
func formMarkup(r *http.Request) (int64, loket.Money, bool) {
	bp, okp := web.FormBP(r, "percent")
	flat, okf := loket.Money(0), true
	if strings.TrimSpace(r.PostFormValue("flat")) != "" {
		flat, okf = web.FormMoney(r, "flat")
	}
	return bp, flat, okp && okf && flat >= 0
}

// networkAuth is the signed-in reseller as the network service takes it; on an error
// it has gone back to the page with it.
func (h *Handler) networkAuth(w http.ResponseWriter, r *http.Request, s *web.Session) *loket.ResellerAuth {
	ra, err := h.svc.Resellers.AuthByID(r.Context(), s.SubjectID)
	if err != nil {
		h.Back(w, r, "/app/network", "err", h.ErrText(r, err))
		return nil
	}
	return ra
}

// downlineForm is the signed-in reseller and the downline a form names; on an error it
// has gone back to the page with it.
func (h *Handler) downlineForm(w http.ResponseWriter, r *http.Request, s *web.Session) (*loket.ResellerAuth, int64, bool) {
	ra := h.networkAuth(w, r, s)
	if ra == nil {
		return nil, 0, false
	}
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p := &web.Page{Lang: web.Lang(r)}
		h.Back(w, r, "/app/network", "err", p.T("Pilih downline."))
		return nil, 0, false
	}
	return ra, id, true
}

func (h *Handler) networkCreate(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	ra := h.networkAuth(w, r, s)
	if ra == nil {
		return
	}
	bp, flat, ok := formMarkup(r)
	opening, okOpen := loket.Money(0), true
	if strings.TrimSpace(r.PostFormValue("opening")) != "" {
		opening, okOpen = web.FormMoney(r, "opening")
	}
	if !ok || !okOpen || opening < 0 {
		h.Back(w, r, "/app/network", "err", p.T("Periksa markup dan saldo awal."))
		return
	}
	password := r.PostFormValue("password")
	if len(password) < 6 {
		h.Back(w, r, "/app/network", "err", p.T("Password minimal 6 karakter."))
		return
	}
	h.log.Info("dashboard create downline", "reseller", s.Username, "username", r.PostFormValue("username"), "opening", opening)
	res, creds, err := h.svc.Network.CreateDownline(r.Context(), ra, loket.NewDownline{Username: r.PostFormValue("username"),
		Name: strings.TrimSpace(r.PostFormValue("name")), Password: password, MarkupBP: bp, MarkupFlat: flat, Opening: opening})
	if err != nil && res == nil {
		msg := h.ErrText(r, err)
		if loket.ErrorCode(err) == loket.ELIMIT { // the depth: ELIMIT's sentence speaks of open things
			msg = p.T("Batas kedalaman jaringan dari operator sudah tercapai: akun ini tidak bisa membuat downline.")
		}
		h.Back(w, r, "/app/network", "err", msg)
		return
	}
	d, derr := h.networkData(r, s)
	if derr != nil {
		h.Fail(w, r, s, derr)
		return
	}
	d.New, d.Creds = res, &creds
	pg := h.NewPage(w, r, s, "Jaringan", "network", d)
	pg.Flash = pg.T("Downline dibuat. Simpan kunci ini sekarang: tidak akan ditampilkan lagi.")
	if err != nil { // made, but its opening balance did not move
		pg.Error = pg.T("Saldo awal belum dipindahkan:") + " " + h.ErrText(r, err)
	}
	h.Render(w, http.StatusOK, "app_network", pg)
}

// networkMove moves balance down to a downline or takes it back. The page's key,
// with the downline and the direction, makes a double submit move once.
func (h *Handler) networkMove(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	ra, id, ok := h.downlineForm(w, r, s)
	if !ok {
		return
	}
	amount, ok := web.FormMoney(r, "amount")
	if !ok || amount <= 0 {
		h.Back(w, r, "/app/network", "err", p.T("Jumlah harus angka lebih dari nol."))
		return
	}
	up := r.PostFormValue("direction") == "up"
	key := r.PostFormValue("key")
	if key == "" || len(key) > 40 {
		key = "WEB" + strings.ToUpper(auth.RandomCode(12))
	}
	key = fmt.Sprintf("%s:%d:%t", key, id, up)
	h.log.Info("dashboard network move", "reseller", s.Username, "downline", id, "amount", amount, "up", up)
	if err := h.svc.Network.Move(r.Context(), ra, id, amount, up, key, strings.TrimSpace(r.PostFormValue("note"))); err != nil {
		h.Back(w, r, "/app/network", "err", h.ErrText(r, err))
		return
	}
	msg := p.Tf("%s dipindahkan ke downline.", web.Rupiah(amount))
	if up {
		msg = p.Tf("%s ditarik kembali dari downline.", web.Rupiah(amount))
	}
	h.Back(w, r, "/app/network", "ok", msg)
}

func (h *Handler) networkMarkup(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	ra, id, ok := h.downlineForm(w, r, s)
	if !ok {
		return
	}
	bp, flat, ok := formMarkup(r)
	if !ok {
		h.Back(w, r, "/app/network", "err", p.T("Periksa cakupan, persen dan rupiah."))
		return
	}
	scope, code := web.MarkupScope(r)
	if err := h.svc.Network.SetMarkup(r.Context(), ra, id, scope, strings.TrimSpace(code), bp, flat); err != nil {
		h.Back(w, r, "/app/network", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/app/network", "ok", p.T("Markup disimpan."))
}

// networkMarkupDelete deletes a markup per category or product, so the wider one
// applies again.
func (h *Handler) networkMarkupDelete(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	ra, id, ok := h.downlineForm(w, r, s)
	if !ok {
		return
	}
	if err := h.svc.Network.DeleteMarkup(r.Context(), ra, id, r.PostFormValue("scope"), r.PostFormValue("code")); err != nil {
		h.Back(w, r, "/app/network", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/app/network", "ok", p.T("Markup dihapus."))
}

func (h *Handler) networkStatus(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	ra, id, ok := h.downlineForm(w, r, s)
	if !ok {
		return
	}
	status := r.PostFormValue("status")
	if err := h.svc.Network.SetStatus(r.Context(), ra, id, status); err != nil {
		h.Back(w, r, "/app/network", "err", h.ErrText(r, err))
		return
	}
	msg := p.T("Downline diaktifkan kembali.")
	if status == loket.ResellerSuspended {
		msg = p.T("Downline ditangguhkan.")
	}
	h.Back(w, r, "/app/network", "ok", msg)
}
