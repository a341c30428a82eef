package admin

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

type adminResellersData struct {
	Resellers []*loket.Reseller
	Levels    []loket.Level
	Q         string
	Total     int
}

func (h *Handler) adminResellers(w http.ResponseWriter, r *http.Request, s *web.Session) {
	var d adminResellersData
	var err error
	all, err := h.svc.Resellers.Resellers(r.Context())
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	// Filtered here: the list is one row per reseller, read at once.
	d.Q, d.Total = strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q"))), len(all)
	for _, res := range all {
		if d.Q == "" || strings.Contains(res.Username, d.Q) || strings.Contains(strings.ToLower(res.Name), d.Q) ||
			strings.Contains(strings.ToLower(res.Email), d.Q) {
			d.Resellers = append(d.Resellers, res)
		}
	}
	if d.Levels, err = h.svc.Catalog.Levels(r.Context()); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "admin_resellers", h.NewPage(w, r, s, "Reseller", "resellers", d))
}

type keysData struct {
	Reseller *loket.Reseller
	Creds    loket.Credentials
	New      bool
}

// adminCreateReseller makes a reseller with a password to sign in with, and shows
// the API and secret keys once. The opening balance is a separate credit, with its note.
func (h *Handler) adminCreateReseller(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx := r.Context()
	p := &web.Page{Lang: web.Lang(r)}
	password := r.PostFormValue("password")
	if len(password) < 6 {
		h.Back(w, r, "/admin/resellers", "err", p.T("Password minimal 6 karakter."))
		return
	}
	res, creds, err := h.svc.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: r.PostFormValue("username"),
		Name: strings.TrimSpace(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email")), Level: r.PostFormValue("level")})
	if err != nil {
		h.Back(w, r, "/admin/resellers", "err", h.ErrText(r, err))
		return
	}
	if err := h.svc.Resellers.SetPassword(ctx, res.ID, password); err != nil {
		h.Back(w, r, fmt.Sprintf("/admin/resellers/%d", res.ID), "err", h.ErrText(r, err))
		return
	}
	pg := h.NewPage(w, r, s, "Reseller", "resellers", keysData{Reseller: res, Creds: creds, New: true})
	pg.Flash = pg.T("Reseller dibuat. Simpan kunci ini sekarang: tidak akan ditampilkan lagi.")
	h.Render(w, http.StatusOK, "admin_keys", pg)
}

type adminResellerData struct {
	Reseller  *loket.Reseller
	Levels    []loket.Level
	Orders    []*loket.OrderRow
	Ledger    []loket.LedgerLine
	Chats     []loket.ChatAccount
	CreditKey string          // makes a double-submitted credit move money once
	Upline    *loket.Reseller // nil for the operator's own reseller
	Downlines int             // its direct downlines
}

func (h *Handler) adminReseller(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	d := adminResellerData{CreditKey: "web:" + auth.NewKey("")}
	var err error
	if d.Reseller, err = h.svc.Resellers.Reseller(ctx, id, ""); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Levels, err = h.svc.Catalog.Levels(ctx); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Orders, err = h.svc.Reports.SearchOrders(ctx, loket.OrderSearch{ResellerID: id, Limit: 10}); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	ra, err := h.svc.Resellers.AuthByID(ctx, id)
	if err == nil {
		d.Ledger, err = h.svc.Resellers.Ledger(ctx, ra, 0, 10)
	}
	if err == nil {
		d.Chats, err = h.svc.Chat.Accounts(ctx, id)
	}
	if err == nil && ra.UplineID != 0 {
		d.Upline, err = h.svc.Resellers.Reseller(ctx, ra.UplineID, "")
	}
	if err == nil {
		var downs []loket.Downline
		downs, err = h.svc.Network.Downlines(ctx, ra)
		d.Downlines = len(downs)
	}
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "admin_reseller", h.NewPage(w, r, s, "Reseller", "resellers", d))
}

func resellerURL(id int64) string { return "/admin/resellers/" + strconv.FormatInt(id, 10) }

// adminUpdateReseller changes level, status, contact, webhook URL and IP allowlist.
func (h *Handler) adminUpdateReseller(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	str := func(k string) *string { v := strings.TrimSpace(r.PostFormValue(k)); return &v }
	ips := web.SplitIPs(r.PostFormValue("ip_allow"))
	u := loket.ResellerUpdate{Name: str("name"), Email: str("email"), Level: str("level"), Status: str("status"),
		WebhookURL: str("webhook_url"), IPAllow: &ips}
	if err := h.svc.Resellers.UpdateReseller(r.Context(), id, u); err != nil {
		h.Back(w, r, resellerURL(id), "err", h.ErrText(r, err))
		return
	}
	if *u.Status == loket.ResellerSuspended {
		h.svc.Sessions.DeleteWebSessionsOf(context.WithoutCancel(r.Context()), loket.SessionReseller, id)
	}
	p := &web.Page{Lang: web.Lang(r)}
	h.Back(w, r, resellerURL(id), "ok", p.T("Tersimpan."))
}

// adminCredit moves money into (or, debit, out of) a reseller's balance through the
// ledger (ResellerService.Credit, against the adjustments account). A note is required; the form's
// key makes a repeated submission move nothing.
func (h *Handler) adminCredit(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	amount, ok := web.FormMoney(r, "amount")
	if !ok || amount <= 0 {
		h.Back(w, r, resellerURL(id), "err", p.T("Jumlah harus angka lebih dari nol."))
		return
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if note == "" {
		h.Back(w, r, resellerURL(id), "err", p.T("Catatan wajib diisi."))
		return
	}
	if r.PostFormValue("direction") == "debit" {
		amount = -amount
	}
	key := r.PostFormValue("key")
	if !strings.HasPrefix(key, "web:") || len(key) > 80 {
		key = "web:" + auth.NewKey("")
	}
	h.log.Info("dashboard credit", "admin", s.Username, "reseller", id, "amount", amount, "key", key)
	bal, err := h.svc.Resellers.Credit(r.Context(), id, amount, note, key)
	if err != nil {
		h.Back(w, r, resellerURL(id), "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, resellerURL(id), "ok", p.Tf("Saldo sekarang %s.", web.Rupiah(bal)))
}

func (h *Handler) adminResetKeys(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	res, err := h.svc.Resellers.Reseller(r.Context(), id, "")
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	creds, err := h.svc.Resellers.RegenerateKeys(r.Context(), id)
	if err != nil {
		h.Back(w, r, resellerURL(id), "err", h.ErrText(r, err))
		return
	}
	pg := h.NewPage(w, r, s, "Reseller", "resellers", keysData{Reseller: res, Creds: creds})
	pg.Flash = pg.T("Kunci baru dibuat; kunci lama tidak berlaku lagi. Simpan sekarang: tidak akan ditampilkan lagi.")
	h.Render(w, http.StatusOK, "admin_keys", pg)
}

func (h *Handler) adminResellerPassword(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if err := h.svc.Resellers.SetPassword(r.Context(), id, r.PostFormValue("password")); err != nil {
		h.Back(w, r, resellerURL(id), "err", h.ErrText(r, err))
		return
	}
	h.svc.Sessions.DeleteWebSessionsOf(r.Context(), loket.SessionReseller, id)
	p := &web.Page{Lang: web.Lang(r)}
	h.Back(w, r, resellerURL(id), "ok", p.T("Password diganti."))
}

// adminSaveLevel creates or changes a price level (markup over the base price).
func (h *Handler) adminSaveLevel(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	name := strings.ToLower(strings.TrimSpace(r.PostFormValue("name")))
	pct, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("percent")), ",", "."), 64)
	flat, ok := web.FormMoney(r, "flat")
	if name == "" || len(name) > 32 || err != nil || pct < 0 || pct > 1000 || !ok || flat < 0 {
		h.Back(w, r, "/admin/resellers", "err", p.T("Isi nama level, persen dan rupiah (nol atau lebih)."))
		return
	}
	if err := h.svc.Catalog.SetLevel(r.Context(), loket.Level{Name: name, MarkupBP: int64(pct*100 + 0.5), MarkupFlat: flat}); err != nil {
		h.Back(w, r, "/admin/resellers", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/resellers", "ok", p.T("Tersimpan."))
}
