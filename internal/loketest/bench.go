package loketest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/store"
)

// OrderRate runs order(i) b.N times from 32 goroutines per CPU, i counting from 1,
// and reports orders/s, and per order the writes db ran meanwhile (the orders' work
// in the background included) and the shared transactions they were committed in: the shape of the order benchmarks,
// so that the rates of the surfaces compare (BenchmarkCreateOrder, BenchmarkChatOrder).
func OrderRate(b *testing.B, db *store.DB, order func(i int64) error) {
	b.Helper()
	var n atomic.Int64
	batches, ops := db.BatchStats()
	b.SetParallelism(32)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := order(n.Add(1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	afterBatches, afterOps := db.BatchStats()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(afterOps-ops)/float64(b.N), "writes/order")
	b.ReportMetric(float64(afterBatches-batches)/float64(b.N), "commits/order")
}
