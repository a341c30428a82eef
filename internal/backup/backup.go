// Package backup keeps copies of a SQLite Loket database: checking a copy (Verify),
// the scheduled copies in LOKET_BACKUP_DIR, the copy made before migrations, and the
// advice given on PostgreSQL, whose backups are the server's (pg_dump, PITR). The
// copying itself is store.(*DB).Backup.
package backup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/store"
)

// ErrLedger is wrapped by Verify's error when the copy is sound but its ledger
// invariants do not hold.
var ErrLedger = errors.New("its ledger does not verify")

// Report is what Verify found in a copy.
type Report struct {
	File          string            `json:"file"`
	TakenAt       time.Time         `json:"taken_at"` // the file's time
	LastMigration string            `json:"last_migration"`
	Unknown       []string          `json:"unknown_migrations,omitempty"` // from a newer Loket
	Orders        int64             `json:"orders"`
	Accounts      int64             `json:"accounts"`
	Resellers     int64             `json:"resellers"`
	Violations    []loket.Violation `json:"violations,omitempty"`
}

// Verify opens the SQLite file at path read-only as a Loket database (never migrating
// or writing it), runs PRAGMA integrity_check and the ledger invariants of `loket
// ledger verify`, and reports what it holds. Its errors are one line naming path.
func Verify(ctx context.Context, path string) (Report, error) {
	return VerifyProgress(ctx, path, nil)
}

// VerifyProgress is Verify telling progress, when progress is not nil, as the ledger
// is checked (store.(*DB).VerifyProgress).
func VerifyProgress(ctx context.Context, path string, progress func(done, total int64)) (Report, error) {
	rep := Report{File: path}
	fi, err := os.Stat(path)
	if err != nil {
		return rep, err
	}
	if fi.IsDir() {
		return rep, fmt.Errorf("%s is a folder, not a Loket database", path)
	}
	rep.TakenAt = fi.ModTime().UTC().Truncate(time.Second)
	db, err := store.OpenReadOnly(path)
	if errors.Is(err, store.ErrNotLoket) {
		return rep, fmt.Errorf("%s is not a Loket database", path)
	}
	if err != nil {
		return rep, fmt.Errorf("%s: %w", path, err)
	}
	defer db.Close()
	var problems []string
	err = scan(ctx, db, `PRAGMA integrity_check`, func(s string) { problems = append(problems, s) })
	if err != nil || len(problems) != 1 || problems[0] != "ok" {
		if err != nil {
			problems = append(problems, err.Error())
		}
		return rep, fmt.Errorf("%s is damaged: integrity_check: %s", path, oneLine(problems))
	}
	st, err := db.PendingMigrations(ctx)
	if err != nil {
		return rep, fmt.Errorf("%s is not a Loket database: %w", path, err)
	}
	rep.LastMigration, rep.Unknown = st.Last(), st.Unknown
	for q, n := range map[string]*int64{`SELECT count(*) FROM orders`: &rep.Orders, `SELECT count(*) FROM accounts`: &rep.Accounts,
		`SELECT count(*) FROM resellers`: &rep.Resellers} {
		if err := db.R.QueryRowContext(ctx, q).Scan(n); err != nil {
			return rep, fmt.Errorf("%s is damaged: %w", path, err)
		}
	}
	if rep.Violations, err = db.VerifyProgress(ctx, progress); err != nil {
		return rep, fmt.Errorf("%s is damaged: ledger: %w", path, err)
	}
	if len(rep.Violations) > 0 {
		v := rep.Violations[0]
		return rep, fmt.Errorf("%s: %w: %d violations, first %s: %s", path, ErrLedger, len(rep.Violations), v.Invariant, v.Detail)
	}
	return rep, nil
}

func scan(ctx context.Context, db *store.DB, q string, f func(string)) error {
	rows, err := db.R.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		f(s)
	}
	return rows.Err()
}

func oneLine(problems []string) string {
	if len(problems) > 3 {
		problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
	}
	out := ""
	for i, p := range problems {
		if i > 0 {
			out += "; "
		}
		out += p
	}
	return regexp.MustCompile(`\s+`).ReplaceAllString(out, " ")
}

// CheckDir makes dir if it is missing and checks that a file can be written in it,
// for LOKET_BACKUP_DIR at start.
func CheckDir(dir string) error {
	fail := func(err error) error { return fmt.Errorf("LOKET_BACKUP_DIR %s: cannot write: %w", dir, err) }
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	f, err := os.CreateTemp(dir, ".loket-check-*")
	if err != nil {
		return fail(err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// Config is the schedule of backups.
type Config struct {
	Dir   string        // LOKET_BACKUP_DIR
	Every time.Duration // LOKET_BACKUP_EVERY
	Keep  int           // LOKET_BACKUP_KEEP
}

// Scheduled is the schedule's work on one database.
type Scheduled struct {
	db       *store.DB
	cfg      Config
	log      *slog.Logger
	last     *metrics.Gauge
	failures *metrics.Counter
}

// New prepares scheduled backups of db into cfg.Dir; Schedule runs them.
func New(db *store.DB, log *slog.Logger, reg *metrics.Registry, cfg Config) *Scheduled {
	return &Scheduled{db: db, cfg: cfg, log: log,
		last:     reg.Gauge("loket_backup_last_success_timestamp_seconds", "When the last scheduled backup was written and verified (Unix seconds).").With(),
		failures: reg.Counter("loket_backup_failures_total", "Scheduled backups that failed (written or verified).").With()}
}

// Schedule runs Run every cfg.Every on r, once r is started.
func (s *Scheduled) Schedule(r *jobs.Runner) {
	r.Every(s.cfg.Every, max(s.cfg.Every, time.Hour), false, func(ctx context.Context) {
		if _, err := s.Run(ctx); err != nil {
			s.log.Error("backup failed", "err", err)
		}
	})
}

// namePattern is the scheduled backups' names; only these are ever pruned.
var namePattern = regexp.MustCompile(`^loket-[0-9]{8}T[0-9]{6}Z\.db$`)

const stamp = "20060102T150405Z"

// Run makes one backup: writes loket-<UTC time>.db, verified before it takes that
// name, and only then removes the oldest of the scheduled backups beyond cfg.Keep. A
// copy that does not verify is removed, and nothing else is.
func (s *Scheduled) Run(ctx context.Context) (Report, error) {
	path := filepath.Join(s.cfg.Dir, "loket-"+time.Now().UTC().Format(stamp)+".db")
	rep, err := Take(ctx, s.db, path)
	if err != nil {
		s.failures.Inc()
		return rep, err
	}
	s.last.Set(float64(time.Now().Unix()))
	s.log.Info("backup written", "file", path, "orders", rep.Orders)
	return rep, s.prune(filepath.Base(path))
}

// Take copies db to path (store.(*DB).BackupChecked), verifying the copy before it
// takes that name: a copy that does not verify never replaces what is at path.
func Take(ctx context.Context, db *store.DB, path string) (Report, error) {
	return TakeProgress(ctx, db, path, nil)
}

// TakeProgress is Take telling progress, when progress is not nil, as the copy's
// ledger is checked (VerifyProgress).
func TakeProgress(ctx context.Context, db *store.DB, path string, progress func(done, total int64)) (Report, error) {
	var rep Report
	err := db.BackupChecked(ctx, path, func(tmp string) error {
		var err error
		rep, err = VerifyProgress(ctx, tmp, progress)
		if err != nil {
			return fmt.Errorf("backup %s: the copy does not verify, so it was not kept: %w", path, err)
		}
		return nil
	})
	rep.File = path
	if fi, e := os.Stat(path); e == nil && err == nil {
		rep.TakenAt = fi.ModTime().UTC().Truncate(time.Second)
	}
	return rep, err
}

func (s *Scheduled) prune(keepName string) error {
	ents, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && namePattern.MatchString(e.Name()) && e.Name() != keepName {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for len(names) > s.cfg.Keep-1 {
		if err := os.Remove(filepath.Join(s.cfg.Dir, names[0])); err != nil {
			return fmt.Errorf("prune backups: %w", err)
		}
		s.log.Info("old backup removed", "file", names[0])
		names = names[1:]
	}
	return nil
}

// BeforeMigrate copies an existing SQLite database that has migrations pending, and
// verifies the copy, before they run: into dir (the database's own folder when empty)
// as loket-premigrate-<last migration>-<UTC time>.db. It returns the copy's path, or
// "" when there was nothing to copy (PostgreSQL, a fresh database, nothing pending).
func BeforeMigrate(ctx context.Context, db *store.DB, dir string) (string, error) {
	if db.Dialect != store.SQLite {
		return "", nil
	}
	st, err := db.PendingMigrations(ctx)
	if err != nil || len(st.Applied) == 0 || len(st.Pending) == 0 {
		return "", err
	}
	if dir == "" {
		dir = filepath.Dir(db.Path)
	}
	path := filepath.Join(dir, fmt.Sprintf("loket-premigrate-%s-%s.db", st.Last(), time.Now().UTC().Format(stamp)))
	if _, err := Take(ctx, db, path); err != nil {
		return "", fmt.Errorf("backup before migrating: %w", err)
	}
	return path, nil
}
