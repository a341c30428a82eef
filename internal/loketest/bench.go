package loketest

import (
	"context"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

// OrderRate runs order(i) b.N times from 32 goroutines per CPU, i counting from 1,
// then waits until no order is pending and done reports true (nil: nothing more to
// wait for; a chat bench waits for its replies), so that work left in the background
// is counted too. It reports orders/s over that whole time, accepted/s until the last
// order was accepted, and per order: the writes db ran and the shared transactions
// they were committed in, the write lanes' busy time (commits included; on PostgreSQL
// the sum of its lanes, which run side by side), the process's CPU time (steadier than
// the rates on a shared machine) and the bytes it wrote (the WAL and checkpoints).
// Where they run on this machine (Linux), it also reports the CPU time of the processes
// the load runs on besides this one: this process's children (a Prosody a test
// started), and PostgreSQL's server, all of it: the figures to add up on a machine
// whose cores they all share. With LOKET_BENCH_CPUPROFILE=file it writes a CPU
// profile of the timed part alone, set-up left out.
// That is the shape of the order benchmarks, so that the rates of the surfaces compare
// (BenchmarkCreateOrder, BenchmarkChatOrder).
func OrderRate(b *testing.B, db *store.DB, order func(i int64) error, done func() bool) {
	b.Helper()
	var n atomic.Int64
	batches, ops := db.BatchStats()
	w0, busy, cpu := written(), db.WriterBusy(), cpuTime()
	kids, server := childrenCPU(), serverCPU(db)
	stopProfile := startProfile(b)
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
	accepted := time.Since(start)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Millisecond) {
		// done first: it is counted in memory, where settled asks the database, which
		// every 2 ms for the whole run (a chat bench's messages are all taken at once)
		// would be load of the bench's own on the server it measures.
		if (done == nil || done()) && settled(b, db) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("orders still pending a minute after the last was accepted")
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stopProfile()
	afterBatches, afterOps := db.BatchStats()
	per := func(v float64) float64 { return v / float64(b.N) }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
	b.ReportMetric(float64(b.N)/accepted.Seconds(), "accepted/s")
	b.ReportMetric(per(float64(afterOps-ops)), "writes/order")
	b.ReportMetric(per(float64(afterBatches-batches)), "commits/order")
	b.ReportMetric(per(float64((db.WriterBusy() - busy).Microseconds())), "writer-µs/order")
	if c := cpuTime(); c > 0 {
		b.ReportMetric(per(float64((c - cpu).Microseconds())), "cpu-µs/order")
	}
	if c := childrenCPU(); c > 0 {
		b.ReportMetric(per(float64((c - kids).Microseconds())), "children-cpu-µs/order")
	}
	if c := serverCPU(db); c > 0 {
		b.ReportMetric(per(float64((c - server).Microseconds())), "pg-cpu-µs/order")
	}
	if w := written(); w > 0 {
		b.ReportMetric(per(float64(w-w0)), "bytes-written/order")
	}
}

// settled reports whether no order is pending (from the rollup of orders by status).
func settled(b *testing.B, db *store.DB) bool {
	counts, err := db.OrderCounts(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for k, n := range counts {
		if k[0] == loket.StatusPending && n > 0 {
			return false
		}
	}
	return true
}

// written is the bytes this process has written (Linux's /proc/self/io wchar: the
// write-ahead log, checkpoints, everything), or 0 where that is not known.
func written() int64 {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for l := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// startProfile starts a CPU profile into $LOKET_BENCH_CPUPROFILE, when set, and returns
// what stops it.
func startProfile(b *testing.B) func() {
	path := os.Getenv("LOKET_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
