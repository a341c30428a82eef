package admin

import (
	"net/http"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

type adminDepositsData struct {
	Open      []loket.OpenDeposit // resellers' top-ups
	Dropship  []loket.OpenDeposit // dropship orders' customer payments
	Unmatched []*loket.Payment
	Recent    []*loket.Payment
}

// adminDeposits: open deposits (a bank ticket is confirmed here when the transfer is
// seen), dropship orders' customer payments apart (each linked to its order; confirmed
// by hand when the operator sees a payment the source did not report), payments that matched no deposit (credited to a reseller by hand), and the
// latest payments.
func (h *Handler) adminDeposits(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx := r.Context()
	var d adminDepositsData
	var err error
	open, err := h.svc.Deposits.OpenDeposits(ctx, 200)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	for _, o := range open {
		if o.DropshipOrder != 0 {
			d.Dropship = append(d.Dropship, o)
		} else {
			d.Open = append(d.Open, o)
		}
	}
	if d.Unmatched, err = h.svc.Deposits.Payments(ctx, "unmatched", 200); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Recent, err = h.svc.Deposits.Payments(ctx, "", 30); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "admin_deposits", h.NewPage(w, r, s, "Deposit", "deposits", d))
}

func (h *Handler) adminConfirmDeposit(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if note == "" {
		h.Back(w, r, "/admin/deposits", "err", p.T("Catatan wajib diisi."))
		return
	}
	h.log.Info("dashboard confirm deposit", "admin", s.Username, "deposit", id)
	if _, err := h.svc.Deposits.ConfirmDeposit(r.Context(), id, note, strings.TrimSpace(r.PostFormValue("tx"))); err != nil {
		h.Back(w, r, "/admin/deposits", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/deposits", "ok", p.T("Deposit dikonfirmasi dan saldo ditambahkan."))
}

func (h *Handler) adminCreditPayment(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if note == "" {
		h.Back(w, r, "/admin/deposits", "err", p.T("Catatan wajib diisi."))
		return
	}
	res, err := h.svc.Resellers.Reseller(r.Context(), 0, strings.ToLower(strings.TrimSpace(r.PostFormValue("username"))))
	if err != nil {
		h.Back(w, r, "/admin/deposits", "err", p.T("Reseller tidak ditemukan."))
		return
	}
	h.log.Info("dashboard credit payment", "admin", s.Username, "payment", id, "reseller", res.ID)
	if err := h.svc.Deposits.CreditPayment(r.Context(), id, res.ID, note); err != nil {
		h.Back(w, r, "/admin/deposits", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/deposits", "ok", p.T("Pembayaran dikreditkan ke reseller."))
}
