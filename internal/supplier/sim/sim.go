// Package sim is the simulator supplier of CONTRACT.md: the last digit of the target
// decides the outcome. It keeps no state: what a status check answers follows from
// the target and from when the attempt was placed, so it behaves the same across
// restarts, as a remote supplier that kept its books would.
//
// Postpaid bills (Inquire, PayBill, BillStatus) and PLN meter checks (CheckMeter)
// follow the last digit of the customer number (docs/simulator-bills.md):
//
//	digit  inquiry                         payment (PayBill, then BillStatus)
//	1      one month (530000000001)        success at once, SN a 32-hex reference
//	2      three months, late ones fined   success at once
//	3      no_bill                         -
//	4      paid (already)                  -
//	5      one month                       no answer until ctx is done; status: success
//	6      one month                       pending, success after settleAfter(ref)
//	7      wrong_customer                  -  (CheckMeter: ENOTFOUND)
//	8      over_limit                      -
//	9      one month                       failed
//	0      one month, amount by Ref        success at once
//
// A month's amount is 50,000-450,000 in hundreds, from the product code and the
// customer number; admin 2,500 a month for PLN codes (1,500 for others); Price =
// Amount + Admin - 1,000 a month. A prepaid order of a code containing "pln"
// succeeds with a token SN "1234-5678-9012-3456-7890/NAME/R1/1300/13.8".
package sim

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// DefaultDelay is LOKET_SIM_DELAY's default.
const DefaultDelay = 2 * time.Second

// Sim simulates a remote supplier.
type Sim struct {
	// Delay bounds how long pending orders take (LOKET_SIM_DELAY).
	Delay time.Duration
}

var delay atomic.Int64

func init() {
	delay.Store(int64(DefaultDelay))
	supplier.Register("sim", func(supplier.Config) (supplier.Supplier, error) {
		return New(time.Duration(delay.Load())), nil
	})
}

// SetDelay sets the delay of simulators made from now on (LOKET_SIM_DELAY).
func SetDelay(d time.Duration) { delay.Store(int64(d)) }

// New returns a simulator whose pending orders settle within delay.
func New(delay time.Duration) *Sim { return &Sim{Delay: delay} }

func lastDigit(target string) byte {
	for i := len(target) - 1; i >= 0; i-- {
		if c := target[i]; c >= '0' && c <= '9' {
			return c
		}
	}
	return '1'
}

func hash(ref string) uint64 {
	sum := sha256.Sum256([]byte(ref))
	return binary.BigEndian.Uint64(sum[:8])
}

// settleAfter is when a pending order of ref settles: within Delay, at least a quarter of it.
func (s *Sim) settleAfter(ref string) time.Duration {
	if s.Delay <= 0 {
		return 0
	}
	q := s.Delay / 4
	return q + time.Duration(hash(ref)%uint64(s.Delay-q+1))
}

func sn(ref string) string { return fmt.Sprintf("SIM%016d", hash(ref)%1e16) }

func trx(ref string) string { return fmt.Sprintf("S%d", hash(ref)%1e9) }

// success is a delivered order's result. A PLN token's SN is in the shape customers
// know (token/name/tariff/power/kWh); every other product's is sn(ref).
func success(r supplier.Request) supplier.Result {
	res := supplier.Result{Outcome: supplier.Success, SN: sn(r.Ref), TrxID: trx(r.Ref), Message: "success"}
	if isPLN(r.Code) {
		res.SN = plnTokenSN(r)
	}
	return res
}

// Order places an order.
func (s *Sim) Order(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	switch lastDigit(r.Target) {
	case '0':
		return success(r), nil
	case '2':
		return supplier.Result{Outcome: supplier.Failed, TrxID: trx(r.Ref), Message: "rejected by simulator"}, nil
	case '5':
		// No answer: hold the line until the caller gives up, as a stuck upstream does.
		<-ctx.Done()
		return supplier.Result{}, fmt.Errorf("sim: no answer: %w", ctx.Err())
	default:
		return supplier.Result{Outcome: supplier.Pending, TrxID: trx(r.Ref), Message: "pending", RetryAfter: s.settleAfter(r.Ref)}, nil
	}
}

// Status reports an order placed before.
func (s *Sim) Status(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	d := lastDigit(r.Target)
	switch d {
	case '0', '5':
		return success(r), nil
	case '2':
		return supplier.Result{Outcome: supplier.Failed, TrxID: trx(r.Ref), Message: "rejected by simulator"}, nil
	}
	due := r.PlacedAt.Add(s.settleAfter(r.Ref))
	if wait := time.Until(due); wait > 0 {
		return supplier.Result{Outcome: supplier.Pending, TrxID: trx(r.Ref), Message: "pending", RetryAfter: wait}, nil
	}
	if d == '4' {
		return supplier.Result{Outcome: supplier.Failed, TrxID: trx(r.Ref), Message: "failed by simulator"}, nil
	}
	return success(r), nil
}

// Balance of a simulator is bottomless.
func (s *Sim) Balance(context.Context) (loket.Money, error) { return 1_000_000_000, nil }

// Prices of the simulator are whatever the routes say; it lists none.
func (s *Sim) Prices(context.Context) ([]supplier.Price, error) { return nil, nil }
