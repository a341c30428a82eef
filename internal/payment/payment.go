// Package payment is the registry of payment sources, as package supplier is of
// suppliers: each package under payment/ that reads where money arrives (an e-wallet
// merchant's mutation list, a chain) registers a Factory by name, and loket serve
// builds every registered source from the operator's settings and polls it
// (deposits.Service.AddSource). A source reports payments; matching them to deposits
// is the deposits service's.
package payment

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Settings is where a source keeps its configuration (the operator's account, a login
// token): the installation's settings table.
type Settings interface {
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}

// Sealer encrypts a source's secrets under the installation's master key.
type Sealer interface {
	Seal(plain string) string
	Open(sealed string) (string, error)
}

// Env is what a source is built from.
type Env struct {
	Settings Settings
	Sealer   Sealer
	Log      *slog.Logger
	Tron     Tron
}

// Tron is where the USDT watcher reads the chain: a TronGrid-compatible API
// (LOKET_TRON_API_URL, LOKET_TRON_API_KEY, LOKET_TRON_POLL).
type Tron struct {
	URL   string // base URL, without the /v1; empty: no watcher
	Key   string // API key, if any
	Every time.Duration
	HTTP  *http.Client // nil: the watcher's own
}

// Factory builds a registered source, and says how often to poll it. A source that is
// not set up yet is still returned: it reports nothing until it is, so that setting it
// up needs no restart. A source that the node's settings switch off is nil.
type Factory func(ctx context.Context, env Env) (src loket.PaymentSource, every time.Duration, err error)

var (
	mu        sync.Mutex
	factories = map[string]Factory{}
)

// Register makes a source known by name; its package calls it from init.
func Register(name string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[name]; dup {
		panic("payment: source " + name + " registered twice")
	}
	factories[name] = f
}

// Names lists the registered sources.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	var out []string
	for n := range factories {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Polled is a built source with its poll interval.
type Polled struct {
	Source loket.PaymentSource
	Every  time.Duration
}

// Build builds every registered source not switched off.
func Build(ctx context.Context, env Env) ([]Polled, error) {
	var out []Polled
	for _, n := range Names() {
		mu.Lock()
		f := factories[n]
		mu.Unlock()
		src, every, err := f(ctx, env)
		if err != nil {
			return nil, fmt.Errorf("payment source %s: %w", n, err)
		}
		if src != nil {
			out = append(out, Polled{src, every})
		}
	}
	return out, nil
}
