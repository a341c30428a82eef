package web

import (
	"net/http"
	"strings"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
)

// The profit balance: dropship margins (docs/dropship.md) that a reseller withdraws to a
// bank or e-wallet account ("Tarik Profit", decided by the operator) or moves into its
// balance; and the operator's side: withdrawals to decide and dropship refunds owed.

type adminWithdrawalsData struct {
	Pending []loket.Withdrawal
	Recent  []loket.Withdrawal
	Refunds []loket.Dropship
}

// adminWithdrawals: pending withdrawals to approve (after sending the money) or reject,
// the latest decided ones, and the dropship payments owed back to customers.
func (h *Handler) adminWithdrawals(w http.ResponseWriter, r *http.Request, s *sess) {
	ctx := r.Context()
	var d adminWithdrawalsData
	var err error
	if d.Pending, err = h.svc.Dropship.Withdrawals(ctx, loket.WithdrawalFilter{Status: loket.WithdrawalPending, Limit: 200}); err != nil {
		h.fail(w, r, s, err)
		return
	}
	if d.Recent, err = h.svc.Dropship.Withdrawals(ctx, loket.WithdrawalFilter{Limit: 30}); err != nil {
		h.fail(w, r, s, err)
		return
	}
	if d.Refunds, err = h.svc.Dropship.RefundsOwed(ctx, 0, 200); err != nil {
		h.fail(w, r, s, err)
		return
	}
	h.render(w, http.StatusOK, "admin_withdrawals", h.newPage(w, r, s, "Penarikan", "withdrawals", d))
}

func (h *Handler) adminDecideWithdrawal(w http.ResponseWriter, r *http.Request, s *sess) {
	id, ok := pathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &page{Lang: lang(r)}
	approve := r.PostFormValue("decision") == "approve"
	h.log.Info("dashboard decide withdrawal", "admin", s.Username, "withdrawal", id, "approve", approve)
	if _, err := h.svc.Dropship.DecideWithdrawal(r.Context(), id, approve, r.PostFormValue("note")); err != nil {
		h.back(w, r, "/admin/withdrawals", "err", h.errText(r, err))
		return
	}
	msg := p.T("Penarikan ditolak; profit dikembalikan ke reseller.")
	if approve {
		msg = p.T("Penarikan disetujui.")
	}
	h.back(w, r, "/admin/withdrawals", "ok", msg)
}

func (h *Handler) adminRefundDropship(w http.ResponseWriter, r *http.Request, s *sess) {
	id, ok := pathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &page{Lang: lang(r)}
	h.log.Info("dashboard dropship refund", "admin", s.Username, "order", id)
	if _, err := h.svc.Dropship.RefundDropship(r.Context(), id, r.PostFormValue("note")); err != nil {
		h.back(w, r, "/admin/withdrawals", "err", h.errText(r, err))
		return
	}
	h.back(w, r, "/admin/withdrawals", "ok", p.T("Pengembalian dana dicatat."))
}

type profitData struct {
	Reseller    *loket.Reseller
	Withdrawals []loket.Withdrawal
	Refunds     []loket.Dropship
	Key         string // fixed when the page is shown, so a double submit is one request
	Min         loket.Money
}

// profitPage: the reseller's profit balance, the withdrawal form ("Tarik Profit"), its
// withdrawals, moving profit into the balance, and its customers' refunds owed.
func (h *Handler) profitPage(w http.ResponseWriter, r *http.Request, s *sess) {
	ctx := r.Context()
	d := profitData{Key: "WEB" + strings.ToUpper(auth.RandomCode(12)), Min: loket.MinWithdrawal}
	var err error
	if d.Reseller, err = h.svc.Resellers.Reseller(ctx, s.SubjectID, ""); err != nil {
		h.fail(w, r, s, err)
		return
	}
	if d.Withdrawals, err = h.svc.Dropship.Withdrawals(ctx, loket.WithdrawalFilter{ResellerID: s.SubjectID, Limit: 50}); err != nil {
		h.fail(w, r, s, err)
		return
	}
	if d.Refunds, err = h.svc.Dropship.RefundsOwed(ctx, s.SubjectID, 50); err != nil {
		h.fail(w, r, s, err)
		return
	}
	h.render(w, http.StatusOK, "app_profit", h.newPage(w, r, s, "Profit", "profit", d))
}

func (h *Handler) profitWithdraw(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	ra, err := h.svc.Resellers.AuthByID(r.Context(), s.SubjectID)
	if err != nil {
		h.back(w, r, "/app/profit", "err", h.errText(r, err))
		return
	}
	amount, ok := formMoney(r, "amount")
	if !ok {
		h.back(w, r, "/app/profit", "err", p.T("Jumlah tidak valid."))
		return
	}
	if _, _, err := h.svc.Dropship.RequestWithdrawal(r.Context(), ra, loket.WithdrawalInput{Key: r.PostFormValue("key"), Amount: amount,
		Method: r.PostFormValue("method"), AccountNo: r.PostFormValue("account_no"), AccountName: r.PostFormValue("account_name")}); err != nil {
		h.back(w, r, "/app/profit", "err", h.errText(r, err))
		return
	}
	h.back(w, r, "/app/profit", "ok", p.T("Permintaan penarikan dikirim; operator akan mentransfer."))
}

func (h *Handler) profitMove(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	ra, err := h.svc.Resellers.AuthByID(r.Context(), s.SubjectID)
	if err != nil {
		h.back(w, r, "/app/profit", "err", h.errText(r, err))
		return
	}
	amount, ok := formMoney(r, "amount")
	if !ok {
		h.back(w, r, "/app/profit", "err", p.T("Jumlah tidak valid."))
		return
	}
	if _, err := h.svc.Dropship.MoveProfit(r.Context(), ra, amount, r.PostFormValue("key")); err != nil {
		h.back(w, r, "/app/profit", "err", h.errText(r, err))
		return
	}
	h.back(w, r, "/app/profit", "ok", p.T("Profit dipindahkan ke saldo."))
}
