package loket

import "time"

// Deposit states.
const (
	DepositPending = "pending"
	DepositSuccess = "success"
	DepositCancel  = "cancel"
	DepositExpired = "expired"
)

// Deposit is a reseller's request to add balance, paid by a total with a unique code.
type Deposit struct {
	ID         int64  `json:"id"`
	ResellerID int64  `json:"-"`
	Method     string `json:"method"`
	Amount     Money  `json:"amount"`
	UniqueCode Money  `json:"unique_code"`
	Total      Money  `json:"total"`
	// PayAmount is what the payer sends in the method's unit: the total in rupiah
	// (qris, bank), micro-USDT (usdt). Payments are matched on it.
	PayAmount int64      `json:"pay_amount"`
	PayTo     string     `json:"pay_to,omitempty"` // the TRC-20 address (usdt)
	Status    string     `json:"status"`
	Surface   string     `json:"surface"`
	QRString  string     `json:"qr_string,omitempty"`
	PaymentID *int64     `json:"payment_id,omitempty"`
	Brand     string     `json:"brand"`
	BuyerRef  string     `json:"buyer_ref"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	SettledAt *time.Time `json:"settled_at,omitempty"`
}

// Payment is money a source saw arrive.
type Payment struct {
	ID         int64     `json:"id"`
	Source     string    `json:"source"`
	Ref        string    `json:"ref"`
	Method     string    `json:"method"`
	Amount     Money     `json:"amount"` // in the method's unit: rupiah, micro-USDT for usdt
	Brand      string    `json:"brand"`
	Buyer      string    `json:"buyer"`
	PaidAt     time.Time `json:"paid_at"`
	ReceivedAt time.Time `json:"received_at"`
	DepositID  *int64    `json:"deposit_id,omitempty"`
	State      string    `json:"state"`
	Note       string    `json:"note,omitempty"`
}

// PaymentOutcome says what recording a payment did.
type PaymentOutcome struct {
	Duplicate bool     // seen before (same source and ref): nothing done
	Deposit   *Deposit // the deposit it paid, credited now; nil when unmatched
	PaymentID int64
}

// PayMicroUSDT is what the payer of a USDT deposit sends.
func (d *Deposit) PayMicroUSDT() MicroUSDT { return MicroUSDT(d.PayAmount) }

// Fee is what the payer paid beyond the credited amount.
func (d *Deposit) Fee() Money { return d.Total - d.Amount }
