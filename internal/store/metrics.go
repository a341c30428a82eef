package store

import (
	"context"
	"time"

	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/store/sqlitevfs"
)

// RegisterMetrics exposes the ledger's totals by account kind (read from the stored
// balances and the rollups, at most every 5 s) and the group-commit counters.
func (db *DB) RegisterMetrics(reg *metrics.Registry) {
	reg.GaugeFunc("loket_ledger_balance_rupiah", "Sum of ledger entries by account kind.", []string{"kind"}, metrics.Cached(5*time.Second,
		func(ctx context.Context) []metrics.Sample {
			t, err := db.LedgerTotals(ctx)
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
	reg.GaugeFunc("loket_write_batches", "Write batches committed, and operations in them (ops/batches is the group-commit factor).",
		[]string{"what"}, func() []metrics.Sample {
			b, o := db.BatchStats()
			return []metrics.Sample{{LabelValues: []string{"batches"}, Value: float64(b)}, {LabelValues: []string{"ops"}, Value: float64(o)}}
		})
	if db.Dialect == SQLite {
		reg.GaugeFunc("loket_sqlite_wal_writes", "SQLite WAL writes the write pool asked for, and the system calls that made them (sqlitevfs gathers a commit's into few).",
			[]string{"what"}, func() []metrics.Sample {
				asked, made := sqlitevfs.Stats()
				return []metrics.Sample{{LabelValues: []string{"asked"}, Value: float64(asked)}, {LabelValues: []string{"made"}, Value: float64(made)}}
			})
	}
}
