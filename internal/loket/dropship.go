package loket

import "time"

// Payment statuses of a dropship order (seed 004's payment_status).
const (
	PaymentPending    = "pending"
	PaymentSettlement = "settlement"
	PaymentExpired    = "expired"
)

// Refund statuses of a failed dropship order.
const (
	RefundOwed     = "owed"
	RefundRefunded = "refunded"
)

// Dropship is the dropship side of an order.
type Dropship struct {
	OrderID       int64      `json:"order_id"`
	DepositID     int64      `json:"deposit_id"`
	SellingPrice  Money      `json:"selling_price"`
	CustomerName  string     `json:"customer_name"`
	CustomerPhone string     `json:"customer_phone"`
	Token         string     `json:"-"`
	PaymentStatus string     `json:"payment_status"`
	PaidTotal     Money      `json:"paid_total"`
	Profit        Money      `json:"profit"`
	RefundStatus  string     `json:"refund_status,omitempty"`
	RefundNote    string     `json:"refund_note,omitempty"`
	ExpiresAt     time.Time  `json:"expires_at"`
	PaidAt        *time.Time `json:"paid_at,omitempty"`
	RefundedAt    *time.Time `json:"refunded_at,omitempty"`

	// The payment to make: total (selling price plus unique code) and QRIS.
	Total    Money  `json:"total"`
	QRString string `json:"qr_string,omitempty"`
	Brand    string `json:"brand,omitempty"`
}

// Withdrawal statuses.
const (
	WithdrawalPending  = "pending"
	WithdrawalApproved = "approved"
	WithdrawalRejected = "rejected"
)

// Withdrawal is a reseller's request to be paid part of its profit balance.
type Withdrawal struct {
	ID          int64      `json:"id"`
	ResellerID  int64      `json:"reseller_id"`
	Username    string     `json:"username,omitempty"`
	Key         string     `json:"key"`
	Amount      Money      `json:"amount"`
	Method      string     `json:"method"`
	AccountNo   string     `json:"account_no"`
	AccountName string     `json:"account_name"`
	Status      string     `json:"status"`
	Note        string     `json:"note,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
}

// WithdrawalFilter selects withdrawals.
type WithdrawalFilter struct {
	ResellerID int64
	Status     string
	Limit      int
}

// DropshipRequest is the dropship side of an order (seed 004's Mode B).
type DropshipRequest struct {
	SellingPrice  Money // what the reseller's customer pays (at least the reseller's price)
	CustomerName  string
	CustomerPhone string
}

// WithdrawalInput is what a reseller asks to be paid.
type WithdrawalInput struct {
	Key         string // the reseller's idempotency key
	Amount      Money  // rupiah out of the profit balance
	Method      string // the bank or e-wallet: BCA, BRI, DANA, OVO...
	AccountNo   string
	AccountName string
}

// MinWithdrawal is the smallest profit withdrawal: below it the operator's transfer
// fee is not worth paying. Moving profit into the balance has no minimum.
const MinWithdrawal Money = 10_000
