package backup_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/loket/loket/internal/backup"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// withOrders is a SQLite Loket with a reseller and some orders.
func withOrders(t *testing.T) *server.Core {
	c := loketest.Core(t, "sqlite")
	ra := loketest.Buyer(t, c, "bkp", 10_000_000)
	for i := range 30 {
		if _, _, err := c.Orders.CreateOrder(context.Background(), ra, loket.OrderRequest{Product: "HSA5",
			Target: fmt.Sprintf("08129999%04d", i), RefID: fmt.Sprint("r", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	c := withOrders(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if err := c.DB.Backup(ctx, good); err != nil {
		t.Fatal(err)
	}
	rep, err := backup.Verify(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Orders != 30 || rep.Accounts == 0 || rep.Resellers != 1 || rep.LastMigration == "" || rep.TakenAt.IsZero() || len(rep.Unknown) > 0 {
		t.Errorf("report: %+v", rep)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("verify left files beside the backup: %v", ents)
	}

	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	random := write("random.db", bytes.Repeat([]byte("not a database at all "), 500))
	empty := write("empty.db", nil)
	other := filepath.Join(dir, "other.db")
	odb, err := store.Open("sqlite:"+other, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	odb.W.Exec(`CREATE TABLE notes (x TEXT)`)
	odb.Close()
	img, _ := os.ReadFile(good)
	for i := len(img) / 3; i < len(img)/3+8192 && i < len(img); i++ {
		img[i] ^= 0x5a
	}
	damaged := write("damaged.db", img)
	for _, tc := range []struct{ path, want string }{
		{random, "is not a Loket database"},
		{empty, "is not a Loket database"},
		{other, "is not a Loket database"},
		{damaged, "damaged.db"},
		{filepath.Join(dir, "missing.db"), "no such file"},
	} {
		_, err := backup.Verify(ctx, tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("verify %s: got %v, want one line with %q", filepath.Base(tc.path), err, tc.want)
		}
	}
	if _, err := backup.Verify(ctx, damaged); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged: %v", err)
	}
}

func TestSchedule(t *testing.T) {
	ctx := context.Background()
	c := withOrders(t)
	dir := filepath.Join(t.TempDir(), "backups")
	if err := backup.CheckDir(dir); err != nil {
		t.Fatal(err)
	}
	old := []string{"loket-20200101T000000Z.db", "loket-20200102T000000Z.db", "loket-20200103T000000Z.db", "loket-20200104T000000Z.db"}
	others := []string{"notes.txt", "loket-premigrate-0013_dropship-20200101T000000Z.db", "loket-2020.db"}
	for _, n := range append(slices.Clone(old), others...) {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600)
	}
	// A killed backup's leftover.
	os.WriteFile(filepath.Join(dir, ".loket-20200105T000000Z.db.tmp-0123456789abcdef"), []byte("half"), 0o600)
	reg := metrics.NewRegistry()
	s := backup.New(c.DB, loketest.Log(), reg, backup.Config{Dir: dir, Every: 0, Keep: 3})
	rep, err := s.Run(ctx)
	if err != nil || rep.Orders != 30 {
		t.Fatalf("run: %+v %v", rep, err)
	}
	names := list(t, dir)
	want := append([]string{filepath.Base(rep.File)}, others...)
	want = append(want, old[2:]...)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("after one run with keep 3:\n got %v\nwant %v", names, want)
	}
	var m bytes.Buffer
	reg.WriteTo(&m)
	if !strings.Contains(m.String(), "loket_backup_last_success_timestamp_seconds 1") || !strings.Contains(m.String(), "loket_backup_failures_total 0") {
		t.Errorf("metrics:\n%s", m.String())
	}

	// A copy that does not verify (here: a ledger broken by hand) prunes nothing.
	if _, err := c.DB.W.Exec(`UPDATE accounts SET balance = balance + 1 WHERE kind = 'reseller_balance'`); err != nil {
		t.Fatal(err)
	}
	_, err = s.Run(ctx)
	if !errors.Is(err, backup.ErrLedger) {
		t.Fatalf("a broken ledger's backup: %v", err)
	}
	if after := list(t, dir); !slices.Equal(after, names) {
		t.Errorf("after a failed verify:\n got %v\nwant %v", after, names)
	}
	m.Reset()
	reg.WriteTo(&m)
	if !strings.Contains(m.String(), "loket_backup_failures_total 1") {
		t.Errorf("the failure is not counted:\n%s", m.String())
	}
}

func list(t *testing.T, dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

func TestCheckDir(t *testing.T) {
	if err := backup.CheckDir(filepath.Join(t.TempDir(), "a", "b")); err != nil {
		t.Error(err)
	}
	ro := t.TempDir()
	os.Chmod(ro, 0o500)
	defer os.Chmod(ro, 0o700)
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	for _, dir := range []string{filepath.Join(ro, "x"), f} {
		if os.Geteuid() == 0 && strings.HasPrefix(dir, ro) {
			continue // root writes anywhere
		}
		err := backup.CheckDir(dir)
		if err == nil || !strings.HasPrefix(err.Error(), "LOKET_BACKUP_DIR "+dir+": cannot write: ") {
			t.Errorf("CheckDir(%s): %v", dir, err)
		}
	}
}

// BeforeMigrate copies a database with migrations pending, and only such a one.
func TestBeforeMigrate(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	dir := t.TempDir()
	if p, err := backup.BeforeMigrate(ctx, db, dir); p != "" || err != nil {
		t.Fatalf("nothing pending: %q %v", p, err)
	}
	if _, err := db.W.Exec(`DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	var last string
	if err := db.W.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	p, err := backup.BeforeMigrate(ctx, db, dir)
	if err != nil || !strings.HasPrefix(filepath.Base(p), "loket-premigrate-"+last+"-") {
		t.Fatalf("pending: %q %v, want a copy named after %s, the last migration applied", p, err, last)
	}
}

// BeforeMigrate copies and verifies a database of an older version: the checks of the
// tables a later migration adds (rollups, checkpoints) are not asked of it.
func TestBeforeMigrateOlderSchema(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	for _, q := range []string{
		`DROP TABLE account_sums`, `DROP TABLE order_days`, `DROP TABLE order_totals`, `DROP TABLE sales_days`,
		`DROP INDEX orders_target`, `DROP INDEX orders_failed`, `DROP INDEX dropship_awaiting`,
		`DROP TABLE ledger_checkpoint_pending`, `DROP TABLE ledger_checkpoint_accounts`, `DROP TABLE ledger_checkpoints`,
		`DROP INDEX entries_transfer`, `DROP INDEX holds_pending`, `DROP INDEX orders_pending`,
		`DELETE FROM schema_migrations WHERE version >= '0022'`,
	} {
		if _, err := db.W.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	p, err := backup.BeforeMigrate(ctx, db, t.TempDir())
	if err != nil || !strings.HasPrefix(filepath.Base(p), "loket-premigrate-0021_network-") {
		t.Fatalf("a database of migration 0021: %q %v", p, err)
	}
}
