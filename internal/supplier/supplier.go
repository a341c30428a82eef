// Package supplier defines what Loket needs from an upstream seller of digital
// products, and a registry of implementations by kind. Each kind lives in its own
// package (sim, socx, ...) and registers itself; cmd/loket imports the ones it ships.
package supplier

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Outcome is what a supplier said about an order.
type Outcome string

const (
	// Success: delivered; SN is the proof.
	Success Outcome = "success"
	// Failed: definitely not delivered and never will be; safe to refund or re-route.
	Failed Outcome = "failed"
	// Pending: accepted, result later.
	Pending Outcome = "pending"
	// Unknown: no usable answer (timeout, 5xx, garbage). Never treated as a failure.
	Unknown Outcome = "unknown"
)

// Request is one order attempt as sent upstream.
type Request struct {
	Ref      string            // Loket's id for this attempt; stable across retries
	Code     string            // the supplier's product code
	Target   string            // destination number or game account
	Fields   map[string]string // further form fields (server, zone...)
	PlacedAt time.Time         // when this attempt was first sent
	// TrxID is the supplier's own id for this attempt, once it gave one (for Status of
	// upstreams that have no client reference).
	TrxID string
	// Resend says this Order may be the second send of the attempt: it was recorded
	// before a crash and may have gone out. (RefLess suppliers never get one.)
	Resend bool
}

// Result is a supplier's answer.
type Result struct {
	Outcome Outcome
	SN      string
	TrxID   string      // the supplier's own transaction id
	Message string      // for the operator; never shown to resellers as is
	Price   loket.Money // what the supplier says it charged, 0 if not said
	// RetryAfter hints when a pending order is worth asking about again.
	RetryAfter time.Duration
}

// Price is one entry of a supplier's price list.
type Price struct {
	Code   string
	Name   string
	Price  loket.Money
	Active bool
}

// Supplier is an upstream Loket buys from. Implementations must be safe for
// concurrent use. An error from Order or Status means Unknown, never Failed.
type Supplier interface {
	Order(ctx context.Context, r Request) (Result, error)
	Status(ctx context.Context, r Request) (Result, error)
	Balance(ctx context.Context) (loket.Money, error)
	Prices(ctx context.Context) ([]Price, error)
}

// RefLess is implemented by suppliers whose upstream takes no client reference, so
// sending an attempt again may buy twice. Loket then never re-sends an attempt whose
// first send may have gone through (after a crash); it asks with Status instead, and an
// attempt it cannot settle waits for the operator.
type RefLess interface {
	RefLess() bool
}

// Config is what an operator registered with `loket supplier add`.
type Config struct {
	Name     string
	Kind     string
	BaseURL  string
	APIKey   string
	Secret   string
	MemberID string
	// CallbackURL is where this supplier's callbacks reach Loket:
	// {LOKET_PUBLIC_URL}/callbacks/{name}. Adapters that must announce it upstream
	// (per request or in a setting) use it.
	CallbackURL string
	// HTTP is the client to call the upstream with; nil means a default with timeouts.
	HTTP *http.Client
}

// Callback is one order result an upstream pushed to Loket.
type Callback struct {
	Ref    string // Loket's ref for the attempt (Request.Ref), when the upstream echoes it
	TrxID  string // the upstream's own transaction id, when that is all it sends
	Result Result
	// Prices, when set, is price news instead of an order result: new prices (or
	// availability) of some of the upstream's codes, applied as a price list's
	// entries would be (for those codes only).
	Prices []Price
}

// CallbackReceiver is implemented by suppliers that push results to Loket. Loket
// serves {LOKET_PUBLIC_URL}/callbacks/{name}, reads the body (bounded) and hands it
// here; the adapter checks it is genuine (signature, source address) and parses it.
// Loket settles each result as it would a status check's answer: a callback for an
// order already final, or repeated, or out of order, changes nothing.
type CallbackReceiver interface {
	// ReceiveCallback returns the results the request carries and the exact answer the
	// upstream expects (status code and body). A request that is not genuine returns
	// an error and the answer to send (e.g. 401 with the upstream's error shape).
	ReceiveCallback(r *http.Request, body []byte) (results []Callback, status int, answer []byte, err error)
}

// Factory makes a Supplier from its configuration.
type Factory func(Config) (Supplier, error)

var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a kind available. It panics on a second registration of a kind.
func Register(kind string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[kind]; dup {
		panic("supplier: kind registered twice: " + kind)
	}
	factories[kind] = f
}

// New makes a Supplier of cfg.Kind.
func New(cfg Config) (Supplier, error) {
	mu.RLock()
	f, ok := factories[cfg.Kind]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown supplier kind %q (known: %v)", cfg.Kind, Kinds())
	}
	return f(cfg)
}

// Kinds lists the registered kinds.
func Kinds() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for k := range factories {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
