package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// ErrBackupPostgres is what Backup says on PostgreSQL, whose backups are the server's.
var ErrBackupPostgres = errors.New("on PostgreSQL back up with pg_dump or point-in-time recovery (WAL archiving); see docs/backup.md")

// ErrNotLoket is what OpenReadOnly says of a file that is not a Loket database.
var ErrNotLoket = errors.New("not a Loket database")

// Backup writes a consistent copy of the SQLite database to path while the server
// goes on writing: VACUUM INTO a temporary file beside path (".NAME.tmp-<random>"),
// fsync, rename over path, fsync the directory. A crash at any moment leaves either
// the previous file at path or the whole new one, never part of one; the temporary
// files a killed backup left are removed by the next backup into the same directory.
func (db *DB) Backup(ctx context.Context, path string) error {
	return db.BackupChecked(ctx, path, nil)
}

// BackupChecked is Backup, with check run on the finished temporary copy before it is
// renamed to path: when check fails, the copy is removed and path left as it was.
func (db *DB) BackupChecked(ctx context.Context, path string, check func(tmp string) error) error {
	if db.Dialect != SQLite {
		return ErrBackupPostgres
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if path == db.Path || strings.HasPrefix(path, db.Path+"-") {
		return fmt.Errorf("backup %s: that is the database itself", path)
	}
	dir, base := filepath.Split(path)
	if err := RemoveTemps(dir); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	var b [8]byte
	rand.Read(b[:])
	tmp := filepath.Join(dir, "."+base+".tmp-"+hex.EncodeToString(b[:]))
	// The temporary file is created empty (VACUUM INTO accepts an empty file) and
	// locked while it is written, so that a concurrent backup's RemoveTemps leaves it.
	lock, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer lock.Close()
	tryLock(lock)
	done := false
	defer func() {
		if !done {
			removeTemp(tmp)
		}
	}()
	// A connection of its own: the read pool is query_only, which VACUUM INTO is not,
	// and the write pool's connections stay free for the server. It reads one snapshot
	// (a read transaction, which in WAL mode never blocks the writer).
	conn, err := sql.Open("sqlite", "file:"+db.Path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if check != nil {
		if err := check(tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	done = true
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// tempName matches Backup's temporary files and what SQLite may leave beside them.
var tempName = regexp.MustCompile(`^\..+\.tmp-[0-9a-f]{16}(-journal|-wal|-shm)?$`)

// RemoveTemps removes from dir the temporary files of backups that were killed before
// they were done (those no running backup holds).
func RemoveTemps(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		m := tempName.FindStringSubmatch(e.Name())
		if m == nil || m[1] != "" || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if tryLock(f) {
			removeTemp(p)
		}
		f.Close()
	}
	// SQLite's side files of a temporary file that is gone.
	for _, e := range ents {
		m := tempName.FindStringSubmatch(e.Name())
		if m == nil || m[1] == "" {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if _, err := os.Stat(strings.TrimSuffix(p, m[1])); errors.Is(err, fs.ErrNotExist) {
			os.Remove(p)
		}
	}
	return nil
}

func removeTemp(p string) {
	for _, s := range []string{"-journal", "-wal", "-shm", ""} {
		os.Remove(p + s)
	}
}

// syncFile flushes a file, or a folder's names (a rename, a new file), to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// SyncDir makes the names in dir (a rename, a new file) durable.
func SyncDir(dir string) error { return syncFile(dir) }

// CopyFile copies src to dst durably and atomically, as Backup does: a temporary file
// beside dst, fsync, rename, fsync the directory.
func CopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	dir, base := filepath.Split(dst)
	out, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := out.Name()
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if e := out.Close(); err == nil {
		err = e
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(dir)
}

// OpenReadOnly opens a SQLite file as a Loket database without writing to it: no
// migration, no lock file, query_only. A file that is not SQLite, or lacks Loket's
// tables, is refused with ErrNotLoket. Close it when done.
func OpenReadOnly(path string) (*DB, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 16)
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || string(head) != "SQLite format 3\x00" {
		return nil, ErrNotLoket
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// A backup has no -wal beside it: immutable reads it without taking locks or
	// making a -shm. A database that has one is read through it.
	mode := "mode=ro&immutable=1"
	if _, err := os.Stat(abs + "-wal"); err == nil {
		mode = "mode=ro"
	}
	r, err := sql.Open("sqlite", "file:"+abs+"?"+mode+"&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	r.SetMaxOpenConns(1)
	db := &DB{Dialect: SQLite, W: r, R: r, Path: abs}
	var n int
	if err := r.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_migrations', 'accounts', 'entries', 'orders', 'holds')`).Scan(&n); err != nil || n != 5 {
		r.Close()
		return nil, ErrNotLoket
	}
	return db, nil
}

// MigrationState is which of this binary's migrations a database has.
type MigrationState struct {
	Applied []string // in the database, in order
	Pending []string // known here, not applied yet
	Unknown []string // applied, but unknown here: the database is from a newer Loket
}

// Last is the last applied migration, or "" for a fresh database.
func (m MigrationState) Last() string {
	if len(m.Applied) == 0 {
		return ""
	}
	return m.Applied[len(m.Applied)-1]
}

func migrationVersions(d Dialect) ([]string, error) {
	names, err := fs.Glob(migrations, "migrations/"+string(d)+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for i, n := range names {
		names[i] = strings.TrimSuffix(filepath.Base(n), ".sql")
	}
	return names, nil
}

// PendingMigrations reads which migrations the database has and which it lacks,
// without changing it.
func (db *DB) PendingMigrations(ctx context.Context) (MigrationState, error) {
	var st MigrationState
	known, err := migrationVersions(db.Dialect)
	if err != nil {
		return st, err
	}
	exists := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if db.Dialect == Postgres {
		exists = `SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations' AND schemaname = current_schema()`
	}
	var n int
	if err := db.R.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return st, err
	}
	if n > 0 {
		if err := scanAll(db.R.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`))(func(r *sql.Rows) error {
			var v string
			if err := r.Scan(&v); err != nil {
				return err
			}
			st.Applied = append(st.Applied, v)
			return nil
		}); err != nil {
			return st, err
		}
	}
	for _, v := range known {
		if !slices.Contains(st.Applied, v) {
			st.Pending = append(st.Pending, v)
		}
	}
	for _, v := range st.Applied {
		if !slices.Contains(known, v) {
			st.Unknown = append(st.Unknown, v)
		}
	}
	return st, nil
}

// Checkpoint moves what the -wal file beside a SQLite database holds into the database
// file, and lets SQLite remove the -wal and -shm: the file alone is then the whole
// database. Call it only while no one has the database open (LockExclusive).
func Checkpoint(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	if e := db.Close(); err == nil {
		err = e
	}
	return err
}

// SQLitePath is the file of a sqlite: database URL, as Open reads it; ok is false for
// another URL.
func SQLitePath(dsn string) (path string, ok bool) {
	p, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok {
		return "", false
	}
	p = strings.TrimPrefix(p, "//")
	if p == "" {
		return "", false
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p, true
}
