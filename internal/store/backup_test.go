package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store"
)

// TestBackupWhileWriting: a backup taken while orders are accepted is a database whose
// integrity and ledger hold; on PostgreSQL Backup points to pg_dump and PITR.
func TestBackupWhileWriting(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		dir := t.TempDir()
		if engine == "postgres" {
			if err := c.DB.Backup(ctx, filepath.Join(dir, "b.db")); !errors.Is(err, store.ErrBackupPostgres) {
				t.Fatalf("backup on PostgreSQL: %v", err)
			}
			return
		}
		ra := loketest.Buyer(t, c, "bkp", 100_000_000)
		var wg sync.WaitGroup
		var stop atomic.Bool
		var made atomic.Int64
		for w := range 4 {
			wg.Go(func() {
				for i := 0; !stop.Load(); i++ {
					_, _, err := c.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5",
						Target: fmt.Sprintf("0812%04d%04d", w, i), RefID: fmt.Sprintf("w%d-%d", w, i)})
					if err != nil {
						t.Error(err)
						return
					}
					made.Add(1)
				}
			})
		}
		for i := range 3 {
			for made.Load() < int64(20*(i+1)) {
				runtime.Gosched()
			}
			path := filepath.Join(dir, "loket.db")
			if err := c.DB.Backup(ctx, path); err != nil {
				t.Fatal(err)
			}
			checkCopy(t, path)
		}
		stop.Store(true)
		wg.Wait()
		left, _ := filepath.Glob(filepath.Join(dir, ".*"))
		if len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
		if err := c.DB.Backup(ctx, c.DB.Path); err == nil {
			t.Error("a backup over the database itself was taken")
		}
	})
}

// checkCopy opens a backup read-only: integrity ok, ledger balanced, orders in it.
func checkCopy(t *testing.T, path string) {
	t.Helper()
	b, err := store.OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var ok string
	if err := b.R.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	v, err := b.Verify(context.Background())
	if err != nil || len(v) > 0 {
		t.Fatalf("ledger of the backup: %v %v", v, err)
	}
	var n int
	b.R.QueryRow(`SELECT count(*) FROM orders`).Scan(&n)
	if n == 0 {
		t.Error("the backup has no orders")
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Error("verifying made a -wal")
	}
}
