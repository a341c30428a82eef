package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store"
)

// TestLitestream runs a real Loket on SQLite under the real Litestream (v0.3), which
// replicates to a file replica while orders and credits are written concurrently; then
// restores the replica and checks the copy: integrity_check ok, the same orders and
// ledger as the source, and the ledger invariants hold. SQLite's automatic checkpoints
// are off (LOKET_SQLITE_AUTOCHECKPOINT=0, Litestream checkpoints alone), as
// docs/operations.md requires. (With the default, 1000, a run under load on a busy
// machine once restored a copy that never caught up with the source: the checkpoints
// fought, as Litestream's tips warn.) The test skips when litestream is not on PATH;
// .ci/run installs it.
func TestLitestream(t *testing.T) {
	bin, err := exec.LookPath("litestream")
	if err != nil {
		t.Skip("litestream is not on PATH (go install github.com/benbjohnson/litestream/cmd/litestream@v0.3.14): skipping the replication test")
	}
	if testing.Short() {
		t.Skip("runs load under litestream for seconds")
	}
	for _, ckpt := range []string{"0"} {
		t.Run("autocheckpoint="+ckpt, func(t *testing.T) { litestreamOnce(t, bin, ckpt) })
	}
}

// litestreamConfig is deploy/litestream/litestream.yml's shape, with the test's paths
// and short intervals.
const litestreamConfig = `dbs:
  - path: %s
    monitor-interval: 100ms
    checkpoint-interval: 1s
    replicas:
      - type: file
        path: %s
        sync-interval: 100ms
`

func litestreamOnce(t *testing.T, bin, ckpt string) {
	dir := t.TempDir()
	dbPath, replica, cfgPath := filepath.Join(dir, "loket.db"), filepath.Join(dir, "replica"), filepath.Join(dir, "litestream.yml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, litestreamConfig, dbPath, replica), 0o600); err != nil {
		t.Fatal(err)
	}
	s := loketest.Start(t, "sqlite", "--database-url=sqlite:"+dbPath, "--sqlite-autocheckpoint="+ckpt)
	var logs bytes.Buffer
	ls := exec.Command(bin, "replicate", "-config", cfgPath)
	ls.Stdout, ls.Stderr = &logs, &logs
	if err := ls.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			ls.Process.Signal(syscall.SIGTERM)
			ls.Wait()
		}
	}
	defer stop()

	// Load: orders through the API from several programs at once, and credits.
	ctx := context.Background()
	r := newReseller(t, s, 1_000_000_000)
	var placed, n atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(3 * time.Second)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				i := int(n.Add(1))
				_, created, err := r.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: msisdn(i, i%10), RefID: fmt.Sprintf("ls-%d", i)})
				if err == nil && created {
					placed.Add(1)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; time.Now().Before(end); i++ {
			if _, err := s.Core.Resellers.Credit(ctx, r.ID, 1000, "litestream test", fmt.Sprintf("ls-credit-%d", i)); err != nil {
				t.Errorf("credit: %v", err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	wg.Wait()
	if placed.Load() < 50 {
		t.Fatalf("only %d orders placed under load", placed.Load())
	}
	// Every order settles (the simulator's delay), then the books stand still.
	deadline := time.Now().Add(10 * time.Second)
	for pending := 1; pending > 0; time.Sleep(100 * time.Millisecond) {
		if err := s.DB.R.QueryRow(`SELECT count(*) FROM orders WHERE status = 'pending'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d orders still pending", pending)
		}
	}
	want := books(t, s.DB.R)

	// Litestream catches up: restore until the copy has the same books.
	var restored string
	var got string
	for try := 0; ; try++ {
		restored = filepath.Join(dir, fmt.Sprintf("restored-%d.db", try))
		out, err := exec.Command(bin, "restore", "-config", cfgPath, "-o", restored, dbPath).CombinedOutput()
		if err == nil {
			db, err := sql.Open("sqlite", "file:"+restored+"?mode=ro")
			if err != nil {
				t.Fatal(err)
			}
			got = books(t, db)
			db.Close()
			if got == want {
				break
			}
		}
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("the replica did not catch up: restore: %v %s\nwant %s\ngot  %s\nlitestream:\n%s", err, out, want, got, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	stop()

	db, err := store.Open("sqlite:"+restored, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.R.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check of the restored copy: %q, %v", check, err)
	}
	v, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v {
		t.Errorf("restored ledger: %s: %s", x.Invariant, x.Detail)
	}
	t.Logf("autocheckpoint %s: %d orders placed; restored copy: %s", ckpt, placed.Load(), got)
}

// books sums up what the ledger and the orders hold, to compare a copy with its source.
func books(t *testing.T, db *sql.DB) string {
	t.Helper()
	var orders, entries, transfers, sum int64
	err := db.QueryRow(`SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM entries), (SELECT count(*) FROM transfers),
		(SELECT COALESCE(sum(price), 0) FROM orders WHERE status = 'success')`).Scan(&orders, &entries, &transfers, &sum)
	if err != nil {
		return "unreadable: " + err.Error()
	}
	return fmt.Sprintf("orders=%d entries=%d transfers=%d sold=%d", orders, entries, transfers, sum)
}
