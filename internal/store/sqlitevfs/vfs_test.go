package sqlitevfs

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// open opens path for writing through the VFS, as the store's write pool does, with
// any more DSN parameters.
func open(t testing.TB, path string, more ...string) *sql.DB {
	t.Helper()
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	dsn := "file:" + path + "?vfs=" + Name + "&_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)"
	for _, m := range more {
		dsn += "&" + m
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// plain opens path through SQLite's own VFS, as the store's readers do.
func plain(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec1(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func integrity(t testing.TB, db *sql.DB) {
	t.Helper()
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
}

// Commits of many pages go out in a few writes, and what they wrote reads back, from
// the writing connection and from another one through SQLite's own VFS, before and
// after the WAL is truncated.
func TestGathersWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	db := open(t, path)
	exec1(t, db, `CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v BLOB)`)
	asked, made := Stats()
	const txs, rows = 50, 40
	for i := range txs {
		if i == txs/2 { // the WAL cut to nothing, then started again from its header
			exec1(t, db, `PRAGMA wal_checkpoint(TRUNCATE)`)
		}
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for j := range rows {
			if _, err := tx.Exec(`INSERT INTO t (k, v) VALUES (?, randomblob(600))`, fmt.Sprintf("k%d-%d", j, i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	a, m := Stats()
	if a-asked < 10*txs || m-made > (a-asked)/10 {
		t.Errorf("%d WAL writes asked, %d made: want far fewer made", a-asked, m-made)
	}
	r := plain(t, path)
	for _, c := range []*sql.DB{db, r} {
		var n int
		if err := c.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != txs*rows {
			t.Fatalf("count = %d, %v; want %d", n, err, txs*rows)
		}
		integrity(t, c)
	}
}

// Readers on their own connections (SQLite's VFS) see every commit whole while the
// writer commits through this one, across checkpoints and truncations of the WAL.
func TestReadersSeeCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	db := open(t, path, "_pragma=wal_autocheckpoint(50)")
	exec1(t, db, `CREATE TABLE t (id INTEGER PRIMARY KEY, batch INTEGER, v BLOB)`)
	r := plain(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 3 {
		wg.Go(func() {
			last := 0
			for ctx.Err() == nil {
				// Each batch writes 20 rows: a reader sees whole batches, and never fewer
				// than it saw before.
				var n, batches int
				if err := r.QueryRow(`SELECT count(*), count(DISTINCT batch) FROM t`).Scan(&n, &batches); err != nil {
					errs <- err
					return
				}
				if n != 20*batches || n < last {
					errs <- fmt.Errorf("read %d rows in %d batches after %d", n, batches, last)
					return
				}
				last = n
			}
		})
	}
	for b := range 300 {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for range 20 {
			if _, err := tx.Exec(`INSERT INTO t (batch, v) VALUES (?, randomblob(900))`, b); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	integrity(t, r)
}

// A write transaction too large for the page cache writes frames before its commit;
// rolled back, they must not land on the frames of the next writer, which is another
// connection, another VFS.
func TestRollbackThenOtherWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	db := open(t, path)
	db.SetMaxOpenConns(1)
	exec1(t, db, `PRAGMA cache_size=20`)
	exec1(t, db, `CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)`)
	other, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for round := range 5 {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for range 200 { // about 200 pages: spilled from a 20-page cache
			if _, err := tx.Exec(`INSERT INTO t (v) VALUES (randomblob(3000))`); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		// More frames than the first wrote, over the same stretch of the WAL.
		exec1(t, other, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300) INSERT INTO t (v) SELECT randomblob(3000) FROM s`)
		exec1(t, db, `INSERT INTO t (v) VALUES (randomblob(100))`) // the first again, after the other
		var n int
		if err := plain(t, path).QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 301*(round+1) {
			t.Fatalf("round %d: count = %d, %v; want %d", round, n, err, 301*(round+1))
		}
	}
	integrity(t, db)
	integrity(t, other)
}

// A process killed mid-write (kill -9) loses what it held back, and nothing it
// committed: every row whose commit returned is there when the database opens again.
func TestKilledKeepsCommits(t *testing.T) {
	if path := os.Getenv("SQLITEVFS_CHILD"); path != "" {
		child(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "a.db")
	for round := range 4 {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledKeepsCommits$")
		cmd.Env = append(os.Environ(), "SQLITEVFS_CHILD="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		last, seen := 0, 0
		for sc.Scan() {
			if id, err := strconv.Atoi(sc.Text()); err == nil {
				last = id
				if seen++; seen == 150+50*round {
					cmd.Process.Signal(syscall.SIGKILL)
				}
			}
		}
		cmd.Wait()
		if seen < 150 {
			t.Fatalf("round %d: the child committed %d rows before it ended", round, seen)
		}
		db := plain(t, path)
		var n, max int
		if err := db.QueryRow(`SELECT count(*), coalesce(max(id), 0) FROM t`).Scan(&n, &max); err != nil {
			t.Fatal(err)
		}
		if max < last || n != max {
			t.Fatalf("round %d: the child committed up to id %d; the database has %d rows up to %d", round, last, n, max)
		}
		integrity(t, db)
		db.Close()
	}
}

// child commits rows until it is killed, printing each id once its commit returns.
func child(t *testing.T, path string) {
	db := open(t, path)
	db.SetMaxOpenConns(1)
	exec1(t, db, `PRAGMA wal_autocheckpoint=200`)
	exec1(t, db, `CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)`)
	w := bufio.NewWriter(os.Stdout)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var id int
		if err := db.QueryRow(`INSERT INTO t (v) VALUES (randomblob(5000)) RETURNING id`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(w, id)
		w.Flush()
	}
}

// BenchmarkCommit commits transactions of 40 rows of 600 bytes (about 30 pages) through
// the VFS and through SQLite's own, durably: the difference is the system calls.
func BenchmarkCommit(b *testing.B) {
	for _, vfs := range []string{Name, "unix"} {
		b.Run(vfs, func(b *testing.B) {
			if err := Register(); err != nil {
				b.Fatal(err)
			}
			path := filepath.Join(b.TempDir(), "a.db")
			db, err := sql.Open("sqlite", "file:"+path+"?vfs="+vfs+"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			exec1(b, db, `CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v BLOB)`)
			b.ResetTimer()
			for i := range b.N {
				tx, err := db.Begin()
				if err != nil {
					b.Fatal(err)
				}
				for j := range 40 {
					if _, err := tx.Exec(`INSERT INTO t (k, v) VALUES (?, randomblob(600))`, fmt.Sprintf("%d-%d", j, i)); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
