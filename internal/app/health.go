package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/supplier"
)

// Circuit breaker settings: after breakerTrips answers in a row that are no answer at
// all (timeouts, 5xx, garbage; definite failures do not count: the upstream works),
// a supplier is skipped for breakerCooldown; then one order may try it again.
const (
	breakerTrips    = 5
	breakerCooldown = 30 * time.Second
)

// health is what this node knows of each supplier's state. It is per node: every node
// learns for itself, which is enough to stop sending to a dead upstream.
type health struct {
	mu        sync.Mutex
	suppliers map[int64]*supplierHealth
}

type supplierHealth struct {
	unknownRun   int       // consecutive no-answers
	openUntil    time.Time // skipped until then (zero: closed)
	balance      loket.Money
	balanceKnown bool
	balanceAt    time.Time
	balanceErr   string
}

func (h *health) get(id int64) *supplierHealth {
	if h.suppliers == nil {
		h.suppliers = map[int64]*supplierHealth{}
	}
	s := h.suppliers[id]
	if s == nil {
		s = &supplierHealth{}
		h.suppliers[id] = s
	}
	return s
}

// observe records what a call to a supplier came to.
func (a *App) observe(supplierID int64, o supplier.Outcome) {
	a.health.mu.Lock()
	defer a.health.mu.Unlock()
	s := a.health.get(supplierID)
	if o == supplier.Unknown {
		s.unknownRun++
		if s.unknownRun >= breakerTrips {
			if s.openUntil.IsZero() {
				a.Log.Warn("supplier skipped: no usable answers", "supplier", supplierID, "in_a_row", s.unknownRun, "for", breakerCooldown)
			}
			s.openUntil = time.Now().Add(breakerCooldown)
		}
		return
	}
	s.unknownRun, s.openUntil = 0, time.Time{}
}

// usable reports whether a new attempt may go to a route's supplier now, and if not,
// why. After the cooldown one order at a time may try a skipped supplier: granting it
// pushes the reopening a cooldown further, and any real answer closes the breaker.
func (a *App) usable(r *loket.Route) (bool, string) { return a.checkUsable(r, true) }

func (a *App) checkUsable(r *loket.Route, grantProbe bool) (bool, string) {
	if !r.Active {
		return false, "route inactive"
	}
	if !r.Enabled {
		return false, "supplier disabled"
	}
	if !r.Available {
		return false, "not sold by the supplier now (price list)"
	}
	a.health.mu.Lock()
	defer a.health.mu.Unlock()
	s := a.health.get(r.SupplierID)
	if s.balanceKnown && s.balance < r.Cost {
		return false, fmt.Sprintf("supplier balance %d below cost %d", s.balance, r.Cost)
	}
	if !s.openUntil.IsZero() {
		if time.Now().Before(s.openUntil) {
			return false, fmt.Sprintf("no usable answer %d times in a row; tried again after %s", s.unknownRun, s.openUntil.UTC().Format(time.RFC3339))
		}
		if grantProbe {
			s.openUntil = time.Now().Add(breakerCooldown) // this order tries it; others wait
		}
	}
	return true, ""
}

// SupplierState is what the operator sees of a supplier.
type SupplierState struct {
	loket.Supplier
	Usable       bool         `json:"usable"`
	Why          string       `json:"why,omitempty"`
	Balance      *loket.Money `json:"balance,omitempty"`
	BalanceAt    *time.Time   `json:"balance_checked_at,omitempty"`
	BalanceError string       `json:"balance_error,omitempty"`
	LowBalance   bool         `json:"low_balance"`
	NoAnswerRun  int          `json:"no_answer_in_a_row"`
	Routes       int          `json:"routes"`
	Threshold    loket.Money  `json:"low_balance_threshold"`
}

// Suppliers reports every supplier's state as this node sees it.
func (a *App) Suppliers() []SupplierState {
	view := a.catalog.Load()
	routes := map[int64]int{}
	for _, rs := range view.routes {
		for _, r := range rs {
			routes[r.SupplierID]++
		}
	}
	var out []SupplierState
	for _, s := range view.raw.Suppliers {
		st := SupplierState{Supplier: s, Routes: routes[s.ID], Threshold: a.cfg.LowBalance}
		// Usable at all: enabled, answering, and with balance for at least a rupiah.
		r := loket.Route{SupplierID: s.ID, Active: true, Enabled: s.Enabled, Available: true, Cost: 1}
		a.health.mu.Lock()
		h := a.health.get(s.ID)
		st.NoAnswerRun = h.unknownRun
		if h.balanceKnown {
			b, at := h.balance, h.balanceAt
			st.Balance, st.BalanceAt = &b, &at
			st.LowBalance = b < a.cfg.LowBalance
		}
		st.BalanceError = h.balanceErr
		a.health.mu.Unlock()
		st.Usable, st.Why = a.checkUsable(&r, false)
		out = append(out, st)
	}
	return out
}

// CheckBalances asks every enabled supplier for its balance, records it, and warns
// about the low ones.
func (a *App) CheckBalances(ctx context.Context) {
	for _, s := range a.catalog.Load().raw.Suppliers {
		if !s.Enabled {
			continue
		}
		sup, err := a.supplierFor(s.ID)
		if err != nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, a.cfg.SupplierTimeout)
		b, err := sup.Balance(cctx)
		cancel()
		a.health.mu.Lock()
		h := a.health.get(s.ID)
		if err != nil {
			h.balanceErr = err.Error()
		} else {
			h.balance, h.balanceKnown, h.balanceAt, h.balanceErr = b, true, time.Now().UTC(), ""
		}
		a.health.mu.Unlock()
		if err == nil && b < a.cfg.LowBalance {
			a.Log.Warn("supplier balance low", "supplier", s.Name, "balance", b, "threshold", a.cfg.LowBalance)
		}
	}
}

func (a *App) balanceLoop() {
	defer a.wg.Done()
	t := time.NewTicker(a.cfg.BalanceEvery)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		a.CheckBalances(ctx)
		cancel()
		select {
		case <-a.stop:
			return
		case <-t.C:
		}
	}
}

func (a *App) healthMetrics(r *metrics.Registry) {
	r.GaugeFunc("loket_supplier_balance_rupiah", "Last known balance at each supplier.", []string{"supplier"}, func() []metrics.Sample {
		var out []metrics.Sample
		for _, s := range a.Suppliers() {
			if s.Balance != nil {
				out = append(out, metrics.Sample{LabelValues: []string{s.Name}, Value: float64(*s.Balance)})
			}
		}
		return out
	})
	r.GaugeFunc("loket_supplier_low_balance", "1 when a supplier's balance is below LOKET_SUPPLIER_LOW_BALANCE.", []string{"supplier"}, func() []metrics.Sample {
		var out []metrics.Sample
		for _, s := range a.Suppliers() {
			v := 0.0
			if s.LowBalance {
				v = 1
			}
			out = append(out, metrics.Sample{LabelValues: []string{s.Name}, Value: v})
		}
		return out
	})
	r.GaugeFunc("loket_supplier_usable", "1 when new orders may go to a supplier (enabled, answering, funded).", []string{"supplier"}, func() []metrics.Sample {
		var out []metrics.Sample
		for _, s := range a.Suppliers() {
			v := 0.0
			if s.Usable {
				v = 1
			}
			out = append(out, metrics.Sample{LabelValues: []string{s.Name}, Value: v})
		}
		return out
	})
}
