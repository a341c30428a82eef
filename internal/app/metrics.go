package app

import (
	"context"
	"sync"
	"time"

	"github.com/loket/loket/internal/metrics"
)

type appMetrics struct {
	orderCreated       *metrics.CounterVec
	orderRefused       *metrics.CounterVec
	orderSettled       *metrics.CounterVec
	ordersFlagged      *metrics.CounterVec
	orderCreateSeconds *metrics.HistogramVec
	orderSettleSeconds *metrics.HistogramVec
	supplierCalls      *metrics.CounterVec
	webhookAttempts    *metrics.CounterVec
	callbacks          *metrics.CounterVec
	payments           *metrics.CounterVec
	priceSyncs         *metrics.CounterVec
}

func (a *App) initMetrics() {
	r := a.Metrics
	a.m = appMetrics{
		orderCreated:       r.Counter("loket_orders_created_total", "Orders accepted, by surface.", "surface"),
		orderRefused:       r.Counter("loket_orders_refused_total", "Orders refused, by surface and error code.", "surface", "code"),
		orderSettled:       r.Counter("loket_orders_settled_total", "Orders that reached a final state, by status and surface.", "status", "surface"),
		ordersFlagged:      r.Counter("loket_orders_flagged_total", "Orders pending past the deadline, flagged for the operator."),
		orderCreateSeconds: r.Histogram("loket_order_create_seconds", "Time to accept an order, durably written.", metrics.DefBuckets, "surface"),
		orderSettleSeconds: r.Histogram("loket_order_settle_seconds", "Time from acceptance to final state.",
			[]float64{.01, .05, .1, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}, "status"),
		supplierCalls:   r.Counter("loket_supplier_calls_total", "Supplier calls, by outcome.", "outcome"),
		webhookAttempts: r.Counter("loket_webhook_attempts_total", "Webhook delivery attempts, by resulting state.", "state"),
		payments:        r.Counter("loket_payments_total", "Payments reported by sources, by whether they matched a deposit.", "result"),
		callbacks:       r.Counter("loket_supplier_callbacks_total", "Supplier callbacks, by supplier and what became of them.", "supplier", "outcome"),
		priceSyncs:      r.Counter("loket_supplier_price_syncs_total", "Price list pulls, by supplier and outcome (ok, empty, error).", "supplier", "outcome"),
	}
	// Ledger totals and order counts aggregate whole tables: computed at most every
	// 30 s, however often Prometheus scrapes, so a big database is not rescanned each time.
	scrape := func(f func(ctx context.Context) []metrics.Sample) func() []metrics.Sample {
		var mu sync.Mutex
		var last []metrics.Sample
		var at time.Time
		return func() []metrics.Sample {
			mu.Lock()
			defer mu.Unlock()
			if last != nil && time.Since(at) < 30*time.Second {
				return last
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if s := f(ctx); s != nil {
				last, at = s, time.Now()
			}
			return last
		}
	}
	r.GaugeFunc("loket_ledger_balance_rupiah", "Sum of ledger entries by account kind.", []string{"kind"}, scrape(func(ctx context.Context) []metrics.Sample {
		t, err := a.DB.LedgerTotals(ctx)
		if err != nil {
			return nil
		}
		return []metrics.Sample{
			{LabelValues: []string{"reseller_balance"}, Value: float64(t.ResellerBalances)},
			{LabelValues: []string{"reseller_profit"}, Value: float64(t.ResellerProfit)},
			{LabelValues: []string{"in_flight"}, Value: float64(t.InFlight)},
			{LabelValues: []string{"revenue"}, Value: float64(t.Revenue)},
			{LabelValues: []string{"supplier_payable"}, Value: float64(t.SupplierPayable)},
			{LabelValues: []string{"payment_source"}, Value: float64(t.PaymentSources)},
			{LabelValues: []string{"adjustments"}, Value: float64(t.Adjustments)},
		}
	}))
	r.GaugeFunc("loket_jobs_queued", "Durable jobs waiting or running, by kind.", []string{"kind"}, scrape(func(ctx context.Context) []metrics.Sample {
		d, err := a.DB.QueueDepth(ctx)
		if err != nil {
			return nil
		}
		var out []metrics.Sample
		for k, n := range d {
			out = append(out, metrics.Sample{LabelValues: []string{k}, Value: float64(n)})
		}
		return out
	}))
	r.GaugeFunc("loket_orders", "Orders stored, by status and surface.", []string{"status", "surface"}, scrape(func(ctx context.Context) []metrics.Sample {
		c, err := a.DB.OrderCounts(ctx)
		if err != nil {
			return nil
		}
		var out []metrics.Sample
		for k, n := range c {
			out = append(out, metrics.Sample{LabelValues: []string{k[0], k[1]}, Value: float64(n)})
		}
		return out
	}))
	r.GaugeFunc("loket_write_batches", "Write batches committed, and operations in them (ops/batches is the group-commit factor).",
		[]string{"what"}, func() []metrics.Sample {
			b, o := a.DB.BatchStats()
			return []metrics.Sample{{LabelValues: []string{"batches"}, Value: float64(b)}, {LabelValues: []string{"ops"}, Value: float64(o)}}
		})
	a.healthMetrics(r)
	r.GaugeFunc("loket_dispatch_queue", "Jobs queued in memory for this node's workers.", nil, func() []metrics.Sample {
		return []metrics.Sample{{Value: float64(len(a.work))}}
	})
}
