package app

import (
	"net/http"
	"strings"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

// The profit balance: dropship margins (docs/dropship.md) that a reseller withdraws to a
// bank or e-wallet account ("Tarik Profit", decided by the operator) or moves into its
// balance; and the operator's side: withdrawals to decide and dropship refunds owed.

type profitData struct {
	Reseller    *loket.Reseller
	Withdrawals []loket.Withdrawal
	Refunds     []loket.Dropship
	Key         string // fixed when the page is shown, so a double submit is one request
	Min         loket.Money
}

// profitPage: the reseller's profit balance, the withdrawal form ("Tarik Profit"), its
// withdrawals, moving profit into the balance, and its customers' refunds owed.
func (h *Handler) profitPage(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx := r.Context()
	d := profitData{Key: "WEB" + strings.ToUpper(auth.RandomCode(12)), Min: loket.MinWithdrawal}
	var err error
	if d.Reseller, err = h.svc.Resellers.Reseller(ctx, s.SubjectID, ""); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Withdrawals, err = h.svc.Dropship.Withdrawals(ctx, loket.WithdrawalFilter{ResellerID: s.SubjectID, Limit: 50}); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Refunds, err = h.svc.Dropship.RefundsOwed(ctx, s.SubjectID, 50); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "app_profit", h.NewPage(w, r, s, "Profit", "profit", d))
}

func (h *Handler) profitWithdraw(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	ra, err := h.svc.Resellers.AuthByID(r.Context(), s.SubjectID)
	if err != nil {
		h.Back(w, r, "/app/profit", "err", h.ErrText(r, err))
		return
	}
	amount, ok := web.FormMoney(r, "amount")
	if !ok {
		h.Back(w, r, "/app/profit", "err", p.T("Jumlah tidak valid."))
		return
	}
	if _, _, err := h.svc.Dropship.RequestWithdrawal(r.Context(), ra, loket.WithdrawalInput{Key: r.PostFormValue("key"), Amount: amount,
		Method: r.PostFormValue("method"), AccountNo: r.PostFormValue("account_no"), AccountName: r.PostFormValue("account_name")}); err != nil {
		h.Back(w, r, "/app/profit", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/app/profit", "ok", p.T("Permintaan penarikan dikirim; operator akan mentransfer."))
}

func (h *Handler) profitMove(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	ra, err := h.svc.Resellers.AuthByID(r.Context(), s.SubjectID)
	if err != nil {
		h.Back(w, r, "/app/profit", "err", h.ErrText(r, err))
		return
	}
	amount, ok := web.FormMoney(r, "amount")
	if !ok {
		h.Back(w, r, "/app/profit", "err", p.T("Jumlah tidak valid."))
		return
	}
	if _, err := h.svc.Dropship.MoveProfit(r.Context(), ra, amount, r.PostFormValue("key")); err != nil {
		h.Back(w, r, "/app/profit", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/app/profit", "ok", p.T("Profit dipindahkan ke saldo."))
}
