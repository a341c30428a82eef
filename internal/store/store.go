// Package store keeps Loket's state in SQLite or PostgreSQL. Both engines run the same
// SQL (placeholders are $N in both); what differs lives in migrations/<engine>/ and in
// the few Dialect switches. Every write of the hot path goes through a Batcher, which
// shares one commit between many concurrent operations (group commit).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"               // registers "sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/loket/loket/internal/store/sqlitevfs"
)

// Dialect names the database engine.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrations embed.FS

// DB is an open Loket database.
type DB struct {
	Dialect Dialect
	// W is the pool writes go through. On SQLite the batcher keeps one of its
	// connections for itself; SQLite has one writer anyway.
	W *sql.DB
	// R serves reads. On SQLite in WAL mode readers never block the writer.
	R *sql.DB
	// Path is the SQLite database's file, absolute; empty on PostgreSQL.
	Path string
	// VNMarkupBP is the markup on virtual-number costs, in basis points, when no markup
	// rule of scope numbers covers an entry (LOKET_VN_MARKUP_BP; server.NewCore sets it
	// before the services start).
	VNMarkupBP int64

	lock *os.File // SQLite: the shared lock on Path+".lock" while open

	batcher    *Batcher
	stripeBase int      // PostgreSQL: where this node's lanes start among the rollup stripes
	accounts   sync.Map // house account code -> accountInfo; ids never change
	rstmts     sync.Map // query -> *sql.Stmt prepared on R (SQLite)
}

// maxPrepared bounds the statement caches; queries built with varying shapes beyond
// it are run unprepared.
const maxPrepared = 512

func (db *DB) prepared(pool *sql.DB, cache *sync.Map, query string) (*sql.Stmt, error) {
	if v, ok := cache.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	n := 0
	cache.Range(func(any, any) bool { n++; return n < maxPrepared })
	if n >= maxPrepared {
		return nil, errors.New("statement cache full")
	}
	st, err := pool.Prepare(query)
	if err != nil {
		return nil, err
	}
	if v, loaded := cache.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// CommitsInIDOrder reports whether rows' ids are in the order their transactions
// committed: true on SQLite (one writer), not on PostgreSQL, whose lanes and nodes
// commit side by side (a lower id may become visible after a higher one).
func (db *DB) CommitsInIDOrder() bool { return db.Dialect == SQLite }

// limitRows is a LIMIT clause of n rows, written into the statement's text. SQLite's
// planner reads the value of a LIMIT given as a parameter, which marks the statement
// to be prepared again every time that parameter is bound (SQLite 3.53): a prepared
// 4 µs read took 10 µs, most of it parsing. Queries run often write their limits this
// way; each of their few distinct texts stays prepared.
func limitRows(n int) string { return "LIMIT " + strconv.Itoa(n) }

// query runs a read on R, prepared once per query on SQLite.
func (db *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if db.Dialect == SQLite {
		if st, err := db.prepared(db.R, &db.rstmts, q); err == nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return db.R.QueryContext(ctx, q, args...)
}

// queryRow runs a one-row read on R, prepared once per query on SQLite.
func (db *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if db.Dialect == SQLite {
		if st, err := db.prepared(db.R, &db.rstmts, q); err == nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return db.R.QueryRowContext(ctx, q, args...)
}

// Options tune Open.
type Options struct {
	// Lanes is the number of concurrent write batches (PostgreSQL only; SQLite has one).
	Lanes int
	// MaxBatch bounds the operations sharing one commit.
	MaxBatch int
	// Autocheckpoint is SQLite's wal_autocheckpoint on the write pool: after a commit
	// leaves the WAL at least this many pages long, the committing connection runs a
	// PASSIVE checkpoint. 0 means SQLite's default, 1000; negative turns it off
	// (Litestream checkpoints instead). Loket itself never asks for a checkpoint.
	Autocheckpoint int
	// PlainWAL writes SQLite's WAL through the "unix" VFS as SQLite does, a system call
	// per frame header and per page, instead of gathering a commit's writes into one
	// (sqlitevfs). For comparison and as a way back; durability is the same either way.
	PlainWAL bool
}

// Open opens the database at dsn: "sqlite:path.db", "sqlite:/abs/path.db", or a
// postgres:// URL. It does not migrate; call Migrate.
func Open(dsn string, opt Options) (*DB, error) {
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 256
	}
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path, ok := SQLitePath(dsn)
		if !ok {
			return nil, fmt.Errorf("open database: empty sqlite path")
		}
		return openSQLite(path, opt)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(dsn, opt)
	default:
		return nil, fmt.Errorf("open database: unsupported URL %q (want sqlite:PATH or postgres://...)", redact(dsn))
	}
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	u.User = url.User(u.User.Username())
	return u.String()
}

func openSQLite(path string, opt Options) (*DB, error) {
	if !filepath.IsAbs(path) {
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		path = abs
	}
	lock, err := lockShared(path)
	if err != nil {
		return nil, err
	}
	db, err := openSQLitePools(path, opt)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	db.lock = lock
	return db, nil
}

func openSQLitePools(path string, opt Options) (*DB, error) {
	// synchronous(FULL) in WAL mode: a commit is on disk before it is acknowledged.
	// busy_timeout lets CLI commands write while a server runs on the same file.
	// temp_store(MEMORY) keeps savepoint sub-journals (rollback scratch of the batcher's
	// per-operation savepoints) off the disk; durability is the WAL's, unchanged.
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)"
	// wal_autocheckpoint matters on the write pool only: checkpoints run on commit.
	ckpt := opt.Autocheckpoint
	switch {
	case ckpt == 0:
		ckpt = 1000
	case ckpt < 0:
		ckpt = 0
	}
	// The write pool's WAL writes go out a commit at a time (sqlitevfs); readers never
	// write the WAL and keep SQLite's own VFS, and so do the writers where there is no
	// "unix" VFS to wrap (Windows).
	vfs := ""
	if !opt.PlainWAL {
		switch err := sqlitevfs.Register(); {
		case err == nil:
			vfs = "&vfs=" + sqlitevfs.Name
		case !errors.Is(err, sqlitevfs.ErrNoUnixVFS):
			return nil, fmt.Errorf("open database: %w", err)
		}
	}
	w, err := sql.Open("sqlite", fmt.Sprintf("file:%s?_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(%d)&%s%s", path, ckpt, common, vfs))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// One connection is the batcher's for good; the others serve rare direct writes
	// (CLI, settings), which wait for SQLite's write lock like any other writer.
	w.SetMaxOpenConns(3)
	w.SetMaxIdleConns(3)
	w.SetConnMaxLifetime(0)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)&"+common)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db := &DB{Dialect: SQLite, W: w, R: r, Path: path}
	db.batcher = newBatcher(db, 1, opt.MaxBatch)
	return db, nil
}

func openPostgres(dsn string, opt Options) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	lanes := opt.Lanes
	if lanes <= 0 {
		// Measured on 2 cores: 4 lanes beat 1-3 (not enough overlap of commits) and
		// 8-32 (smaller batches: more commits and more busy backends).
		lanes = 4
	}
	p.SetMaxOpenConns(lanes + 16)
	p.SetMaxIdleConns(lanes + 16)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("open database %s: %w", redact(dsn), err)
	}
	db := &DB{Dialect: Postgres, W: p, R: p, stripeBase: rand.IntN(rollupStripes)}
	db.batcher = newBatcher(db, lanes, opt.MaxBatch)
	return db, nil
}

// Close stops the batcher and closes the pools.
func (db *DB) Close() error {
	if db.batcher != nil {
		db.batcher.close()
	}
	db.rstmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	err := db.W.Close()
	if db.R != db.W {
		if e := db.R.Close(); err == nil {
			err = e
		}
	}
	if db.lock != nil {
		db.lock.Close()
	}
	return err
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.R.PingContext(ctx)
}

// Migrate applies the embedded migrations of the engine that are not applied yet.
func (db *DB) Migrate(ctx context.Context) error {
	versions, err := migrationVersions(db.Dialect)
	if err != nil {
		return err
	}
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, version := range versions {
		body, err := migrations.ReadFile("migrations/" + string(db.Dialect) + "/" + version + ".sql")
		if err != nil {
			return err
		}
		if err := db.applyMigration(ctx, version, string(body)); err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
	}
	for code, kind := range map[string]string{AccInFlight: KindInFlight, AccRevenue: KindRevenue, AccAdjustments: KindAdjustments,
		AccWithdrawals: KindWithdrawal, AccPayouts: KindPayout, AccDropship: KindDropship, AccRefundsOwed: KindRefundOwed} {
		if _, err := db.EnsureAccount(ctx, code, kind); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) applyMigration(ctx context.Context, version, body string) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.Dialect == Postgres {
		// Several nodes may start at once: one migrates, the others wait, then skip.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7300142)`); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, version, Now()); err != nil {
		return err
	}
	return tx.Commit()
}

// Now is the current time as stored: unix microseconds, UTC.
func Now() int64 { return time.Now().UnixMicro() }

// Time converts a stored time to time.Time in UTC.
func Time(us int64) time.Time { return time.UnixMicro(us).UTC() }

// TimePtr converts a nullable stored time.
func TimePtr(us sql.NullInt64) *time.Time {
	if !us.Valid {
		return nil
	}
	t := Time(us.Int64)
	return &t
}

// constraint is the kind of constraint a write violated.
type constraint int

const (
	noConstraint constraint = iota
	uniqueConstraint
	foreignKeyConstraint
	checkConstraint
)

// violated classifies err by the drivers' typed error codes (SQLSTATE on PostgreSQL,
// extended result codes on SQLite), never by its text.
func violated(err error) constraint {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return uniqueConstraint
		case "23503":
			return foreignKeyConstraint
		case "23514":
			return checkConstraint
		}
		return noConstraint
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueConstraint
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyConstraint
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return checkConstraint
		}
	}
	return noConstraint
}

// isUnique reports whether err is a unique-constraint violation on either engine.
func isUnique(err error) bool { return violated(err) == uniqueConstraint }

// isForeignKey reports whether err is a foreign-key violation on either engine.
func isForeignKey(err error) bool { return violated(err) == foreignKeyConstraint }

// isCheck reports whether err is a CHECK-constraint violation on either engine.
func isCheck(err error) bool { return violated(err) == checkConstraint }

// isRetryable reports errors after which a whole batch may simply be run again:
// deadlocks and serialization failures on PostgreSQL, a busy lock on SQLite.
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40P01" || pe.Code == "40001"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED
	}
	return false
}

func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
