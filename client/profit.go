package client

import (
	"context"
	"net/http"
	"time"
)

// Dropship is the dropship side of an order: the customer's payment and the margin.
type Dropship struct {
	SellingPrice  int64  `json:"selling_price"`
	ResellerCost  int64  `json:"reseller_cost"`
	Profit        int64  `json:"reseller_profit"`
	CustomerName  string `json:"customer_name,omitempty"`
	CustomerPhone string `json:"customer_phone,omitempty"`
	PaymentStatus string `json:"payment_status"` // pending, settlement or expired
	RefundStatus  string `json:"refund_status,omitempty"`
	Payment       struct {
		Amount     int64     `json:"amount"` // pay exactly this
		UniqueCode int64     `json:"unique_code"`
		QRString   string    `json:"qr_string"`
		QRURL      string    `json:"qr_url"`
		ExpiredAt  time.Time `json:"expired_at"`
		StatusURL  string    `json:"status_url"`
		InvoiceURL string    `json:"invoice_url"`
	} `json:"payment"`
}

// WithdrawalRequest asks to be paid part of the profit balance.
type WithdrawalRequest struct {
	Key         string `json:"key"` // the same key again returns the same withdrawal
	Amount      int64  `json:"amount"`
	Method      string `json:"method"` // BCA, DANA...
	AccountNo   string `json:"account_no"`
	AccountName string `json:"account_name"`
}

// WithdrawalList is the answer of GET /v1/withdrawals.
type WithdrawalList struct {
	Withdrawals []Withdrawal `json:"withdrawals"`
}

// ProfitMoveRequest is the body of POST /v1/profit/move.
type ProfitMoveRequest struct {
	Key    string `json:"key"` // the same key again moves nothing
	Amount int64  `json:"amount"`
}

// ProfitMove is the answer of POST /v1/profit/move: whether this call moved the
// amount, and the balances after.
type ProfitMove struct {
	Moved         bool  `json:"moved"`
	Balance       int64 `json:"balance"`
	ProfitBalance int64 `json:"profit_balance"`
}

// Withdrawal is a profit withdrawal and the operator's decision.
type Withdrawal struct {
	ID          int64      `json:"id"`
	Key         string     `json:"key"`
	Amount      int64      `json:"amount"`
	Method      string     `json:"method"`
	AccountNo   string     `json:"account_no"`
	AccountName string     `json:"account_name"`
	Status      string     `json:"status"` // pending, approved or rejected
	Note        string     `json:"note,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
}

// RequestWithdrawal asks the operator to pay part of the profit balance.
func (c *Client) RequestWithdrawal(ctx context.Context, req WithdrawalRequest) (w *Withdrawal, created bool, err error) {
	var out Withdrawal
	status, err := c.do(ctx, http.MethodPost, "/v1/withdrawals", nil, req, &out)
	if err != nil {
		return nil, false, err
	}
	return &out, status == http.StatusCreated, nil
}

// Withdrawals lists the profit withdrawals, newest first.
func (c *Client) Withdrawals(ctx context.Context) ([]Withdrawal, error) {
	var out WithdrawalList
	if _, err := c.do(ctx, http.MethodGet, "/v1/withdrawals", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Withdrawals, nil
}

// MoveProfit moves part of the profit balance into the balance, once per key. It
// returns whether this call moved it, and the balances after.
func (c *Client) MoveProfit(ctx context.Context, key string, amount int64) (moved bool, balance, profit int64, err error) {
	var out ProfitMove
	if _, err := c.do(ctx, http.MethodPost, "/v1/profit/move", nil, ProfitMoveRequest{Key: key, Amount: amount}, &out); err != nil {
		return false, 0, 0, err
	}
	return out.Moved, out.Balance, out.ProfitBalance, nil
}
