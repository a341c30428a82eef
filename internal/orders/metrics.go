package orders

import (
	"context"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
)

type orderMetrics struct {
	created       *metrics.CounterVec
	refused       *metrics.CounterVec
	settled       *metrics.CounterVec
	flagged       *metrics.CounterVec
	createSeconds *metrics.HistogramVec
	settleSeconds *metrics.HistogramVec
	supplierCalls *metrics.CounterVec
	callbacks     *metrics.CounterVec
}

func (s *Service) initMetrics(r *metrics.Registry) {
	s.m = orderMetrics{
		created:       r.Counter("loket_orders_created_total", "Orders accepted, by surface.", "surface"),
		refused:       r.Counter("loket_orders_refused_total", "Orders refused, by surface and error code.", "surface", "code"),
		settled:       r.Counter("loket_orders_settled_total", "Orders that reached a final state, by status and surface.", "status", "surface"),
		flagged:       r.Counter("loket_orders_flagged_total", "Orders pending past the deadline, flagged for the operator."),
		createSeconds: r.Histogram("loket_order_create_seconds", "Time to accept an order, durably written.", metrics.DefBuckets, "surface"),
		settleSeconds: r.Histogram("loket_order_settle_seconds", "Time from acceptance to final state.",
			[]float64{.01, .05, .1, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}, "status"),
		supplierCalls: r.Counter("loket_supplier_calls_total", "Supplier calls, by outcome.", "outcome"),
		callbacks:     r.Counter("loket_supplier_callbacks_total", "Supplier callbacks, by supplier and what became of them.", "supplier", "outcome"),
	}
	r.GaugeFunc("loket_orders", "Orders stored, by status and surface.", []string{"status", "surface"}, metrics.Cached(5*time.Second,
		func(ctx context.Context) []metrics.Sample {
			c, err := s.db.OrderCounts(ctx)
			if err != nil {
				return nil
			}
			var out []metrics.Sample
			for k, n := range c {
				out = append(out, metrics.Sample{LabelValues: []string{k[0], k[1]}, Value: float64(n)})
			}
			return out
		}))
	gauge := func(name, help string, v func(st *supplierGauge) (float64, bool)) {
		r.GaugeFunc(name, help, []string{"supplier"}, func() []metrics.Sample {
			var out []metrics.Sample
			for _, st := range s.Suppliers() {
				if x, ok := v(&supplierGauge{st.Balance != nil, st.LowBalance, st.Usable, st.Balance}); ok {
					out = append(out, metrics.Sample{LabelValues: []string{st.Name}, Value: x})
				}
			}
			return out
		})
	}
	gauge("loket_supplier_balance_rupiah", "Last known balance at each supplier.", func(g *supplierGauge) (float64, bool) {
		if !g.known {
			return 0, false
		}
		return float64(*g.balance), true
	})
	gauge("loket_supplier_low_balance", "1 when a supplier's balance is below LOKET_SUPPLIER_LOW_BALANCE.", func(g *supplierGauge) (float64, bool) {
		return one(g.low), true
	})
	gauge("loket_supplier_usable", "1 when new orders may go to a supplier (enabled, answering, funded).", func(g *supplierGauge) (float64, bool) {
		return one(g.usable), true
	})
}

type supplierGauge struct {
	known, low, usable bool
	balance            *loket.Money
}

func one(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
