package loket

import (
	"context"
	"strings"
	"time"
)

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

// Deposit limits: the smallest deposit per method (QRIS 2,000 as seed 000 says; bank
// 10,000, seed 001's minimum for transfers), the largest (a dropship payment's too),
// and how long a deposit waits for its payment.
var DepositMin = map[string]Money{MethodQRIS: 2_000, MethodBank: 10_000, MethodUSDT: 10_000}

const (
	MaxDeposit    Money = 100_000_000
	DepositExpiry       = 30 * time.Minute
)

// OpenDeposit is a deposit waiting for its payment, as the operator lists them: with
// its reseller's username and, for a dropship order's customer payment (not a top-up
// of the reseller's balance), the order and the customer's name.
type OpenDeposit struct {
	*Deposit
	Username      string
	DropshipOrder int64 // 0 for a reseller's deposit
	Customer      string
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

// Deposit methods.
const (
	MethodQRIS = "qris"
	MethodBank = "bank"
	MethodUSDT = "usdt"
)

// BankAccount is one of the operator's accounts bank-transfer deposits are paid into.
type BankAccount struct {
	Bank        string `json:"bank_name"`
	AccountNo   string `json:"account_no"`
	Beneficiary string `json:"beneficiary_name"`
}

// BankKey is how a bank is named for matching: lower case, single spaces, without a
// leading "bank", so "bca", "BCA" and "Bank BCA" are the same bank.
func BankKey(s string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	return strings.TrimPrefix(s, "bank ")
}

// FindBank returns the first of banks that name names (BankKey), or nil, and the
// BankKey of every bank, to tell a payer the choices.
func FindBank(banks []BankAccount, name string) (*BankAccount, []string) {
	var found *BankAccount
	keys := make([]string, 0, len(banks))
	for i, b := range banks {
		if found == nil && BankKey(b.Bank) == BankKey(name) {
			found = &banks[i]
		}
		keys = append(keys, BankKey(b.Bank))
	}
	return found, keys
}

// USDTConfig is how USDT TRC-20 deposits are paid.
type USDTConfig struct {
	Address string `json:"address"`
	Rate    int64  `json:"rate" doc:"rupiah per USDT"`
}

// PaymentSource reports payments that arrived. Incoming is given the cursor it
// returned last time ("" at first, and after a restart the last one kept) and returns
// the payments after it, in any order, with the cursor to pass next time. The cursor is
// the source's own (a time, a block number, a page): it saves re-reading all history,
// while each payment is still recorded once by (source name, ref), so returning one
// again is harmless. A source that cannot page returns everything and "".
//
// An on-chain watcher (USDT TRC-20: the transfers to the operator's address, each with
// its transaction hash as Ref, Method MethodUSDT and Amount the raw value in
// micro-USDT, which is what a USDT deposit's PayAmount is) is a PaymentSource like
// OrderKuota's mutation list, named usdt.SourceName; see docs/deposits.md.
type PaymentSource interface {
	Name() string
	Incoming(ctx context.Context, cursor string) (payments []Payment, next string, err error)
}
