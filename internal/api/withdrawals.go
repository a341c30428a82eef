package api

import (
	"net/http"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// WithdrawalRequest is the body of POST /v1/withdrawals.
type WithdrawalRequest struct {
	Key         string      `json:"key" doc:"your id for this request: the same key again returns the same withdrawal"`
	Amount      loket.Money `json:"amount" doc:"rupiah out of your profit balance (at least 10,000)"`
	Method      string      `json:"method" doc:"the bank or e-wallet to pay to: BCA, BRI, DANA, OVO..."`
	AccountNo   string      `json:"account_no" doc:"the account or phone number"`
	AccountName string      `json:"account_name" doc:"the account holder's name"`
}

// Withdrawal is the native shape of a profit withdrawal.
type Withdrawal struct {
	ID          int64       `json:"id"`
	Key         string      `json:"key"`
	Amount      loket.Money `json:"amount"`
	Method      string      `json:"method"`
	AccountNo   string      `json:"account_no"`
	AccountName string      `json:"account_name"`
	Status      string      `json:"status" enum:"pending,approved,rejected" doc:"approved: the operator sent the money; rejected: the amount is back in your profit balance"`
	Note        string      `json:"note,omitempty" doc:"the operator's transfer reference, or why it was rejected"`
	CreatedAt   time.Time   `json:"created_at"`
	DecidedAt   *time.Time  `json:"decided_at,omitempty"`
}

// WithdrawalList is GET /v1/withdrawals.
type WithdrawalList struct {
	Withdrawals []Withdrawal `json:"withdrawals"`
}

// ProfitMoveRequest is the body of POST /v1/profit/move.
type ProfitMoveRequest struct {
	Key    string      `json:"key" doc:"your id for this move: the same key again moves nothing"`
	Amount loket.Money `json:"amount" doc:"rupiah to move from your profit balance into your balance"`
}

// ProfitMove is the answer of POST /v1/profit/move.
type ProfitMove struct {
	Moved         bool        `json:"moved" doc:"false when this key had moved it before"`
	Balance       loket.Money `json:"balance"`
	ProfitBalance loket.Money `json:"profit_balance"`
}

func withdrawalView(w *loket.Withdrawal) Withdrawal {
	return Withdrawal{ID: w.ID, Key: w.Key, Amount: w.Amount, Method: w.Method, AccountNo: w.AccountNo, AccountName: w.AccountName,
		Status: w.Status, Note: w.Note, CreatedAt: w.CreatedAt, DecidedAt: w.DecidedAt}
}

func (s *Server) registerWithdrawals() {
	s.add(Route{Pattern: "POST /v1/withdrawals", Summary: "Ask to be paid part of your profit balance (the operator transfers it)", Auth: true,
		Request: WithdrawalRequest{}, Response: Withdrawal{}, Status: http.StatusCreated,
		Errors: []string{loket.EINVALID, loket.EINSUFFICIENT, loket.ECONFLICT}}, s.authed(s.createWithdrawal))
	s.add(Route{Pattern: "GET /v1/withdrawals", Summary: "Your profit withdrawals, newest first", Auth: true, Response: WithdrawalList{}},
		s.authed(s.listWithdrawals))
	s.add(Route{Pattern: "POST /v1/profit/move", Summary: "Move part of your profit balance into your balance", Auth: true,
		Request: ProfitMoveRequest{}, Response: ProfitMove{}, Errors: []string{loket.EINVALID, loket.EINSUFFICIENT, loket.ECONFLICT}},
		s.authed(s.moveProfit))
}

func (s *Server) createWithdrawal(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	var req WithdrawalRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		WriteError(w, err)
		return
	}
	wd, created, err := s.svc.Dropship.RequestWithdrawal(r.Context(), ra, loket.WithdrawalInput{Key: req.Key, Amount: req.Amount, Method: req.Method,
		AccountNo: req.AccountNo, AccountName: req.AccountName})
	if err != nil {
		WriteError(w, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, withdrawalView(wd))
}

func (s *Server) listWithdrawals(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	ws, err := s.svc.Dropship.Withdrawals(r.Context(), loket.WithdrawalFilter{ResellerID: ra.ID})
	if err != nil {
		WriteError(w, err)
		return
	}
	out := WithdrawalList{Withdrawals: make([]Withdrawal, 0, len(ws))}
	for i := range ws {
		out.Withdrawals = append(out.Withdrawals, withdrawalView(&ws[i]))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) moveProfit(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	var req ProfitMoveRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		WriteError(w, err)
		return
	}
	moved, err := s.svc.Dropship.MoveProfit(r.Context(), ra, req.Amount, req.Key)
	if err != nil {
		WriteError(w, err)
		return
	}
	re, err := s.svc.Resellers.Reseller(r.Context(), ra.ID, "")
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ProfitMove{Moved: moved, Balance: re.Balance, ProfitBalance: re.ProfitBalance})
}
