package admin

import (
	"net/http"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

// The operator's side of the profit balance (docs/dropship.md): withdrawals to decide
// and dropship refunds owed.

type adminWithdrawalsData struct {
	Pending []loket.Withdrawal
	Recent  []loket.Withdrawal
	Refunds []loket.Dropship
}

// adminWithdrawals: pending withdrawals to approve (after sending the money) or reject,
// the latest decided ones, and the dropship payments owed back to customers.
func (h *Handler) adminWithdrawals(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx := r.Context()
	var d adminWithdrawalsData
	var err error
	if d.Pending, err = h.svc.Dropship.Withdrawals(ctx, loket.WithdrawalFilter{Status: loket.WithdrawalPending, Limit: 200}); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Recent, err = h.svc.Dropship.Withdrawals(ctx, loket.WithdrawalFilter{Limit: 30}); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Refunds, err = h.svc.Dropship.RefundsOwed(ctx, 0, 200); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "admin_withdrawals", h.NewPage(w, r, s, "Penarikan", "withdrawals", d))
}

func (h *Handler) adminDecideWithdrawal(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	approve := r.PostFormValue("decision") == "approve"
	h.log.Info("dashboard decide withdrawal", "admin", s.Username, "withdrawal", id, "approve", approve)
	if _, err := h.svc.Dropship.DecideWithdrawal(r.Context(), id, approve, r.PostFormValue("note")); err != nil {
		h.Back(w, r, "/admin/withdrawals", "err", h.ErrText(r, err))
		return
	}
	msg := p.T("Penarikan ditolak; profit dikembalikan ke reseller.")
	if approve {
		msg = p.T("Penarikan disetujui.")
	}
	h.Back(w, r, "/admin/withdrawals", "ok", msg)
}

func (h *Handler) adminRefundDropship(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	h.log.Info("dashboard dropship refund", "admin", s.Username, "order", id)
	if _, err := h.svc.Dropship.RefundDropship(r.Context(), id, r.PostFormValue("note")); err != nil {
		h.Back(w, r, "/admin/withdrawals", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/withdrawals", "ok", p.T("Pengembalian dana dicatat."))
}
