package supplier

import (
	"context"
	"errors"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Virtual numbers (seed 000): an upstream rents Loket a phone number for one service
// (WhatsApp, Telegram...), the number receives one or more SMS with an OTP code, and
// the activation is then finished (done) or cancelled. A supplier that sells them
// implements VNSupplier besides Supplier.

// VNRequest asks for a number.
type VNRequest struct {
	Ref         string // Loket's id for the activation, stable across retries
	ServiceCode int64  // seed 000's service_code (14 WhatsApp)
	ServiceName string
	NumberID    int64  // seed 000's number_id: the country (340437 Indonesia)
	Country     string // the country's name, for upstreams that take names
	ProviderID  string // the upstream's provider / server
	OperatorID  string // "any" or an operator id
	MaxPrice    loket.Money
	// SentAt is when the rent was sent (recorded just before), the same in RentNumber
	// and in FindNumber: an upstream's "nothing under this Ref" is only proof once a
	// request sent then can no longer arrive.
	SentAt time.Time
}

// VNNumber is a number an upstream assigned.
type VNNumber struct {
	ID    string      // the upstream's id for the activation (its trxId)
	Phone string      // the number, as the upstream writes it
	Price loket.Money // what the upstream charged, 0 if not said
	// CancelAfter is the earliest time the upstream accepts a cancel (zero: any time).
	CancelAfter time.Time
	// ExpiresAt is when the upstream gives the number up if no SMS came (zero: unknown).
	ExpiresAt time.Time
}

// VNState is what an activation looks like upstream.
type VNState string

const (
	VNWaiting  VNState = "waiting"  // no SMS yet, or waiting for another after a resend
	VNReceived VNState = "received" // at least one SMS arrived; the activation is open
	VNDone     VNState = "done"     // finished; the upstream charged it
	VNCanceled VNState = "canceled" // cancelled or expired upstream without charge
)

// SMS is one message a number received.
type SMS struct {
	Code string // the OTP code, when the upstream extracts it
	Text string // the full text, when the upstream gives it
	At   time.Time
}

// VNStatus is an upstream's answer about an activation. SMS holds every message the
// upstream reports (some report only the latest: Loket keeps what it has seen).
type VNStatus struct {
	State VNState
	SMS   []SMS
}

// VNAction is what Loket asks of an open activation.
type VNAction string

const (
	VNCancel VNAction = "cancel"
	VNFinish VNAction = "done"
	VNResend VNAction = "resend"
)

// VNCatalog is an upstream's virtual-number catalog: services, countries with their
// price lists (Price is the upstream's cost), and operators per country and provider.
type VNCatalog struct {
	Services  []loket.VNService
	Countries []loket.VNCountry // each with Prices for every service
	Operators []VNOperators
}

// VNOperators are the operators of one country and provider.
type VNOperators struct {
	NumberID   int64
	ProviderID string
	Operators  []loket.VNOperator
}

// VNSupplier is an upstream of virtual numbers. Errors follow Supplier's rule: an error
// means the answer is unknown, unless it is a *Refusal, which is definite (nothing was
// rented, nothing changed).
type VNSupplier interface {
	RentNumber(ctx context.Context, r VNRequest) (VNNumber, error)
	NumberStatus(ctx context.Context, id string) (VNStatus, error)
	SetNumberStatus(ctx context.Context, id string, a VNAction) error
	VNCatalog(ctx context.Context) (VNCatalog, error)
}

// VNFinder is a VNSupplier that can look up a rent whose answer was lost (a timeout,
// a 5xx, an unreadable answer), by the Ref it was sent with. FindNumber returns the
// number rented under r.Ref; a *Refusal when the upstream says for certain that none
// was (nothing to pay, nothing to give back); ErrNoLookup when the upstream offers no
// way to look it up; any other error when it cannot tell yet (ask again later).
type VNFinder interface {
	FindNumber(ctx context.Context, r VNRequest) (VNNumber, error)
}

// ErrNoLookup says an upstream gives no way to find a rent whose answer was lost: only
// the operator, with the upstream's own records, can decide it.
var ErrNoLookup = errors.New("the upstream offers no way to look a rent up")

// Refusal is a definite "no" from an upstream: out of stock, out of balance, a
// cancel refused because it is too early. Nothing happened upstream.
type Refusal struct {
	Message string
	// RetryAfter, for a refused cancel, says when it will be accepted.
	RetryAfter time.Duration
}

func (r *Refusal) Error() string { return "refused: " + r.Message }

// IsRefusal reports whether err is a definite refusal.
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}
