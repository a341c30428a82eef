package orders

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
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
	lowAlerted   bool // the operator was told the balance is low (once, until it is not)
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
func (s *Service) observe(supplierID int64, o supplier.Outcome) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	h := s.health.get(supplierID)
	if o == supplier.Unknown {
		h.unknownRun++
		if h.unknownRun >= breakerTrips {
			if h.openUntil.IsZero() {
				s.log.Warn("supplier skipped: no usable answers", "supplier", supplierID, "in_a_row", h.unknownRun, "for", breakerCooldown)
				s.raise(loket.AlertSupplier, fmt.Sprintf("Supplier #%d tidak memberi jawaban %d kali berturut-turut: dilewati dulu.", supplierID, h.unknownRun))
			}
			h.openUntil = time.Now().Add(breakerCooldown)
		}
		return
	}
	h.unknownRun, h.openUntil = 0, time.Time{}
}

// usable reports whether a new attempt may go to a route's supplier now, and if not,
// why. After the cooldown one order at a time may try a skipped supplier: granting it
// pushes the reopening a cooldown further, and any real answer closes the breaker.
func (s *Service) usable(r *loket.Route) (bool, string) { return s.checkUsable(r, true) }

func (s *Service) checkUsable(r *loket.Route, grantProbe bool) (bool, string) {
	if !r.Active {
		return false, "route inactive"
	}
	if !r.Enabled {
		return false, "supplier disabled"
	}
	if !r.Available {
		return false, "not sold by the supplier now (price list)"
	}
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	h := s.health.get(r.SupplierID)
	if h.balanceKnown && h.balance < r.Cost {
		return false, fmt.Sprintf("supplier balance %d below cost %d", h.balance, r.Cost)
	}
	if !h.openUntil.IsZero() {
		if time.Now().Before(h.openUntil) {
			return false, fmt.Sprintf("no usable answer %d times in a row; tried again after %s", h.unknownRun, h.openUntil.UTC().Format(time.RFC3339))
		}
		if grantProbe {
			h.openUntil = time.Now().Add(breakerCooldown) // this order tries it; others wait
		}
	}
	return true, ""
}

// Suppliers reports every supplier's state as this node sees it.
func (s *Service) Suppliers() []loket.SupplierState {
	routes := map[int64]int{}
	for _, rs := range s.catalog.AllRoutes() {
		for _, r := range rs {
			routes[r.SupplierID]++
		}
	}
	var out []loket.SupplierState
	for _, sc := range s.catalog.SupplierList() {
		st := loket.SupplierState{Supplier: sc, Routes: routes[sc.ID], Threshold: s.lowBalance()}
		// Usable at all: enabled, answering, and with balance for at least a rupiah.
		r := loket.Route{SupplierID: sc.ID, Active: true, Enabled: sc.Enabled, Available: true, Cost: 1}
		s.health.mu.Lock()
		h := s.health.get(sc.ID)
		st.NoAnswerRun = h.unknownRun
		if h.balanceKnown {
			b, at := h.balance, h.balanceAt
			st.Balance, st.BalanceAt = &b, &at
			st.LowBalance = b < s.lowBalance()
		}
		st.BalanceError = h.balanceErr
		s.health.mu.Unlock()
		st.Usable, st.Why = s.checkUsable(&r, false)
		out = append(out, st)
	}
	return out
}

// CheckBalances asks every enabled supplier for its balance, records it, and warns
// about the low ones.
func (s *Service) CheckBalances(ctx context.Context) {
	s.readLowBalance(ctx)
	low := s.lowBalance()
	for _, sc := range s.catalog.SupplierList() {
		if !sc.Enabled {
			continue
		}
		sup, err := s.catalog.Supplier(sc.ID)
		if err != nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, s.cfg.SupplierTimeout)
		b, err := sup.Balance(cctx)
		cancel()
		s.health.mu.Lock()
		h := s.health.get(sc.ID)
		tell := false
		if err != nil {
			h.balanceErr = err.Error()
		} else {
			h.balance, h.balanceKnown, h.balanceAt, h.balanceErr = b, true, time.Now().UTC(), ""
			tell = b < low && !h.lowAlerted
			h.lowAlerted = b < low
		}
		s.health.mu.Unlock()
		if err == nil && b < low {
			s.log.Warn("supplier balance low", "supplier", sc.Name, "balance", b, "threshold", low)
		}
		if tell {
			s.raise(loket.AlertLowBalance, fmt.Sprintf("Saldo supplier %s rendah: %s (batas %s).", sc.Name, loket.FormatRupiah(b), loket.FormatRupiah(low)))
		}
	}
}

// lowBalance is the supplier balance below which the operator is warned: the setting
// supplier.low_balance when set, else LOKET_SUPPLIER_LOW_BALANCE.
func (s *Service) lowBalance() loket.Money {
	if v := s.low.Load(); v >= 0 {
		return loket.Money(v)
	}
	return s.cfg.LowBalance
}

// readLowBalance reads the setting supplier.low_balance (each balance check).
func (s *Service) readLowBalance(ctx context.Context) {
	v, err := s.db.Setting(ctx, loket.SettingLowBalance)
	if err != nil {
		return
	}
	m, perr := loket.ParseMoney(v)
	if v == "" || perr != nil || m < 0 {
		s.low.Store(-1)
		return
	}
	s.low.Store(int64(m))
}
