package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// startOn runs a whole server on the SQLite file at dbURL with the demo catalog and a
// reseller who has placed n orders.
func startOn(t *testing.T, dbURL string, n int) *server.Server {
	t.Helper()
	cfg, _, err := config.Load("loket", []string{"--database-url=" + dbURL, "--addr=127.0.0.1:0", "--tron-api-url=off", "--sim-delay=10ms", "--supplier-timeout=200ms"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.Start(context.Background(), cfg, loketest.Log(), nil, func(ctx context.Context, db *store.DB) error {
		_, err := catalog.LoadDemo(ctx, db)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ra := loketest.Buyer(t, s.Core, loketest.Username("bk"), 10_000_000)
	for i := range n {
		if _, _, err := s.Core.Orders.CreateOrder(context.Background(), ra, loket.OrderRequest{Product: "HSA5",
			Target: fmt.Sprintf("0812777%05d", i), RefID: fmt.Sprint("b", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func stop(s *server.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.Close(ctx)
}

// TestBackupAndRestore: loket backup while a server runs, backup verify, and restore:
// refused while the server holds the database and for a file that is not a Loket
// database; once it is stopped, the copy replaces the database and the replaced one
// is kept aside.
func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "loket.db")
	dbFlag := "--database-url=sqlite:" + dbPath
	s := startOn(t, "sqlite:"+dbPath, 12)
	defer func() {
		if s != nil {
			stop(s)
		}
	}()
	copyPath := filepath.Join(dir, "copies", "monday.db")
	os.Mkdir(filepath.Dir(copyPath), 0o700)
	var out bytes.Buffer
	if err := run([]string{"backup", copyPath, dbFlag}, &out); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Orders        int    `json:"orders"`
		LastMigration string `json:"last_migration"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Orders != 12 || rep.LastMigration == "" {
		t.Fatalf("backup printed %s (%v)", out.String(), err)
	}
	out.Reset()
	if err := run([]string{"backup", "verify", copyPath}, &out); err != nil || !strings.Contains(out.String(), `"orders":12`) {
		t.Fatalf("backup verify: %v %s", err, out.String())
	}
	err := run([]string{"restore", copyPath, dbFlag}, &out)
	if err == nil || errMessage(err) != "restore: the database is in use (a loket server is running on it): stop it first" {
		t.Fatalf("restore while serving: %v", err)
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("hello"), 0o600)
	if err := run([]string{"restore", junk, dbFlag}, &out); err == nil || errMessage(err) != "restore: "+junk+" is not a Loket database" {
		t.Fatalf("restore of junk: %v", err)
	}

	// More orders after the copy: the restore goes back to 12.
	ra := loketest.Buyer(t, s.Core, loketest.Username("late"), 1_000_000)
	if _, _, err := s.Core.Orders.CreateOrder(context.Background(), ra, loket.OrderRequest{Product: "HSA5", Target: "081277799999", RefID: "late"}); err != nil {
		t.Fatal(err)
	}
	stop(s)
	s = nil
	out.Reset()
	if err := run([]string{"restore", copyPath, dbFlag}, &out); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Replaced string `json:"replaced_kept_as"`
		Orders   int    `json:"orders"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Orders != 12 || !strings.HasPrefix(res.Replaced, dbPath+".replaced-") {
		t.Fatalf("restore printed %s (%v)", out.String(), err)
	}
	for path, want := range map[string]int{dbPath: 12, res.Replaced: 13} {
		out.Reset()
		if err := run([]string{"backup", "verify", path}, &out); err != nil || !strings.Contains(out.String(), fmt.Sprintf(`"orders":%d`, want)) {
			t.Errorf("%s after the restore: %v %s", path, err, out.String())
		}
	}
	out.Reset()
	if err := run([]string{"ledger", "verify", dbFlag}, &out); err != nil {
		t.Fatal(err)
	}
	// The restored database serves again.
	s = startOn(t, "sqlite:"+dbPath, 0)
}

// TestBackupSettingsRefused: a backup folder that cannot be written, or one set on
// PostgreSQL, refuses the start in one line; so does restoring a copy from a newer Loket.
func TestBackupSettingsRefused(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o600)
	dbFlag := "--database-url=sqlite:" + filepath.Join(dir, "loket.db")
	var out bytes.Buffer
	err := run([]string{"serve", dbFlag, "--backup-dir", notDir}, &out)
	if err == nil || !strings.HasPrefix(errMessage(err), "serve: LOKET_BACKUP_DIR "+notDir+": cannot write: ") {
		t.Errorf("serve with an unwritable backup folder: %v", err)
	}
	err = run([]string{"serve", "--database-url=postgres://127.0.0.1:1/x", "--backup-dir", dir}, &out)
	if err == nil || !strings.Contains(errMessage(err), "LOKET_BACKUP_DIR is for SQLite: on PostgreSQL back up with pg_dump") {
		t.Errorf("serve with a backup folder on PostgreSQL: %v", err)
	}
	for _, bad := range []string{"--backup-every=30s", "--backup-keep=0"} {
		if err := run([]string{"serve", dbFlag, bad}, &out); err == nil {
			t.Errorf("serve %s started", bad)
		}
	}

	// A copy from a newer Loket: a migration this binary does not know.
	newer := filepath.Join(dir, "newer.db")
	db, err := store.Open("sqlite:"+newer, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.W.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ('9999_future', 0)`)
	db.Close()
	err = run([]string{"restore", newer, dbFlag}, &out)
	if err == nil || !strings.Contains(errMessage(err), "is from a newer Loket (migrations 9999_future are unknown to this one)") {
		t.Errorf("restore of a newer copy: %v", err)
	}
}

// TestBackupPostgres: loket backup on PostgreSQL advises pg_dump or PITR, with the
// server's settings, and fails; restore refuses.
func TestBackupPostgres(t *testing.T) {
	url := storetest.URL(t, "postgres")
	var out bytes.Buffer
	err := run([]string{"backup", filepath.Join(t.TempDir(), "x.db"), "--database-url=" + url}, &out)
	if err == nil || !strings.Contains(errMessage(err), "no file written: on PostgreSQL back up with pg_dump or PITR") {
		t.Fatalf("backup on PostgreSQL: %v", err)
	}
	for _, want := range []string{"pg_dump -Fc", "wal_level=", "archive_mode=", "max_wal_senders=", "pg_dump"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("advice lacks %q:\n%s", want, out.String())
		}
	}
	err = run([]string{"restore", filepath.Join(t.TempDir(), "x.db"), "--database-url=" + url}, &out)
	if err == nil || !strings.Contains(errMessage(err), "pg_restore") {
		t.Errorf("restore on PostgreSQL: %v", err)
	}
}

// TestBackupKilled runs `loket backup` processes against a serving `loket demo` taking
// orders, and kills them (kill -9) at random moments: the database and every backup
// that had been written stay sound, no half file ever takes a backup's name, and the
// next backup removes what the killed ones left.
func TestBackupKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "loket")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dbPath := filepath.Join(dir, "loket.db")
	addr := freeAddr(t)
	env := append(os.Environ(), "LOKET_DATABASE_URL=sqlite:"+dbPath, "LOKET_ADDR="+addr, "LOKET_SIM_DELAY=200ms", "LOKET_TRON_API_URL=off")
	t0 := time.Now()
	defer func() { t.Logf("took %v after the build", time.Since(t0)) }()
	srv := exec.Command(bin, "demo")
	srv.Env = env
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Signal(syscall.SIGKILL); srv.Wait() }()
	if !waitHealthy(addr) {
		t.Fatal("server did not come up")
	}
	cli := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		return cmd
	}
	out, err := cli("reseller", "create", "--username", "killbk", "--balance", "100000000").Output()
	if err != nil {
		t.Fatal(err)
	}
	var creds struct {
		APIKey string `json:"api_key"`
	}
	json.Unmarshal(out, &creds)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for c := range 4 {
		wg.Go(func() { placeOrders(ctx, addr, creds.APIKey, c) })
	}
	bdir := filepath.Join(dir, "backups")
	os.Mkdir(bdir, 0o700)
	target := filepath.Join(bdir, "b.db")
	if out, err := cli("backup", target).CombinedOutput(); err != nil {
		t.Fatalf("first backup: %v %s", err, out)
	}
	// Kill at random moments within how long one backup takes, start to end.
	t1 := time.Now()
	if out, err := cli("backup", target).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	took := time.Since(t1)
	killed, midway := 0, 0
	for i := range 15 {
		cmd := cli("backup", target)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(took))))
		if cmd.Process.Signal(syscall.SIGKILL) == nil {
			killed++
		}
		cmd.Wait()
		if tmp, _ := filepath.Glob(filepath.Join(bdir, ".b.db.tmp-*")); len(tmp) > 0 {
			midway++
		}
		if out, err := cli("backup", "verify", target).CombinedOutput(); err != nil {
			t.Fatalf("after kill %d the previous backup does not verify: %v %s", i, err, out)
		}
	}
	cancel()
	wg.Wait()
	// The next backup cleans up after the killed ones.
	if out, err := cli("backup", target).CombinedOutput(); err != nil {
		t.Fatalf("backup after the kills: %v %s", err, out)
	}
	if ents, _ := os.ReadDir(bdir); len(ents) != 1 {
		t.Errorf("left in the backup folder: %v", ents)
	}
	srv.Process.Signal(syscall.SIGTERM)
	srv.Wait()
	for _, args := range [][]string{{"ledger", "verify"}, {"backup", "verify", dbPath}, {"backup", "verify", target}} {
		if out, err := cli(args...).CombinedOutput(); err != nil {
			t.Fatalf("loket %v: %v %s", args, err, out)
		}
	}
	t.Logf("%d backups killed (one takes %v); a temporary file was left after %d kills", killed, took, midway)
}

func waitHealthy(addr string) bool {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
	}
	return false
}

func placeOrders(ctx context.Context, addr, key string, c int) {
	for i := 0; ctx.Err() == nil; i++ {
		body := fmt.Sprintf(`{"product":"HSA5","target":"0813%03d%05d0","ref_id":"kb%d-%d"}`, c, i, c, i)
		req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/v1/orders", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
	}
}
