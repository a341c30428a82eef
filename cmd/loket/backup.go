package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loket/loket/internal/backup"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

// backupCmd copies the SQLite database to FILE while the server runs; on PostgreSQL it
// prints how to back up with the server's tools, and fails, since it wrote nothing.
func backupCmd(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("backup", "FILE [--progress]",
		"Writes a consistent copy of the SQLite database to FILE, also while loket serve runs, checks it\n"+
			"(as loket backup verify does) and prints what it holds. FILE is replaced only by a whole, checked copy.\n"+
			"On PostgreSQL it prints how to back up with pg_dump or point-in-time recovery, and what this\n"+
			"server's settings allow, and fails: no file is written. docs/backup.md\n"+
			"On a terminal it shows on stderr how far the check of the copy's ledger is.")
	pos, args := c.file(args)
	pf := c.progress()
	cfg, err := c.parse(args, out)
	if err != nil {
		return err
	}
	if err := existing(cfg.DatabaseURL); err != nil {
		return err
	}
	db, err := store.Open(cfg.DatabaseURL, store.Options{Lanes: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Dialect == store.Postgres {
		for _, l := range backup.PostgresAdvice(ctx, db) {
			fmt.Fprintln(out, l)
		}
		return errors.New("no file written: on PostgreSQL back up with pg_dump or PITR (see above)")
	}
	m := pf.meter("entries checked")
	defer m.stop()
	report, wait := m.waitThenCount("copying the database, then checking the copy")
	rep, err := backup.TakeProgress(ctx, db, pos[0], report)
	wait()
	if err != nil {
		return err
	}
	m.finish()
	return printJSON(out, rep)
}

// verifyCopy checks file as backup verify does, showing progress when pf says so.
func verifyCopy(ctx context.Context, pf *progressFlags, file string) (backup.Report, error) {
	m := pf.meter("entries checked")
	defer m.stop()
	report, wait := m.waitThenCount("checking " + file + ": integrity, then the ledger")
	rep, err := backup.VerifyProgress(ctx, file, report)
	wait()
	if err == nil || errors.Is(err, backup.ErrLedger) {
		m.finish()
	}
	return rep, err
}

// existing refuses a SQLite database that is not there, rather than making an empty one.
func existing(dsn string) error {
	path, ok := store.SQLitePath(dsn)
	if !ok {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s (LOKET_DATABASE_URL)", path)
	}
	return nil
}

// backupVerify checks a copy without changing it.
func backupVerify(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("backup verify", "FILE [--progress]",
		"Opens FILE read-only as a Loket database (it is never migrated or written), runs SQLite's integrity\n"+
			"check and the ledger invariants of loket ledger verify, and prints what it holds; exits non-zero\n"+
			"and says why when it is not a Loket database, is damaged, or its ledger does not verify.\n"+
			"On a terminal it shows on stderr how many of the ledger's entries it has checked.")
	pos, args := c.file(args)
	pf := c.progress()
	if _, err := c.parse(args, out); err != nil {
		return err
	}
	rep, err := verifyCopy(ctx, pf, pos[0])
	if err != nil {
		return err
	}
	return printJSON(out, rep)
}

// restoreCmd puts a copy in place of the SQLite database, keeping the one it replaces.
func restoreCmd(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("restore", "FILE [--force] [--progress]",
		"Replaces the SQLite database with the copy FILE: checks FILE first (as loket backup verify), refuses\n"+
			"while a loket server (or command) has the database open, moves the current database aside to\n"+
			"DB.replaced-<UTC time> (never deleting it), copies FILE in, and opens it: a copy from an older\n"+
			"Loket is migrated then (after a copy of it is made, as on every upgrade). A copy from a newer Loket\n"+
			"is refused. On PostgreSQL use pg_restore or point-in-time recovery (docs/backup.md).\n"+
			"On a terminal it shows on stderr how far the check of FILE's ledger is.")
	pf := c.progress()
	force := c.Bool("force", false, "restore FILE even when its ledger invariants do not hold (it must still be a sound Loket database)")
	pos, args := c.file(args)
	cfg, err := c.parse(args, out)
	if err != nil {
		return err
	}
	path, ok := store.SQLitePath(cfg.DatabaseURL)
	if !ok {
		return errors.New("loket restore is for SQLite: on PostgreSQL restore with pg_restore (from pg_dump) or point-in-time recovery; see docs/backup.md")
	}
	file := pos[0]
	rep, err := verifyCopy(ctx, pf, file)
	if err != nil && !(*force && errors.Is(err, backup.ErrLedger)) {
		if errors.Is(err, backup.ErrLedger) {
			return fmt.Errorf("%w (--force restores it anyway)", err)
		}
		return err
	}
	if len(rep.Unknown) > 0 {
		return fmt.Errorf("%s is from a newer Loket (migrations %s are unknown to this one): restore it with that version", file, strings.Join(rep.Unknown, ", "))
	}
	if abs, _ := filepath.Abs(file); abs == path {
		return fmt.Errorf("%s is the database itself", file)
	}
	aside, err := replace(path, file)
	if err != nil {
		return err
	}
	db, err := server.OpenDB(ctx, cfg)
	if err != nil {
		return fmt.Errorf("restored %s into %s, but opening it failed: %w", file, path, err)
	}
	st, err := db.PendingMigrations(ctx)
	db.Close()
	if err != nil {
		return err
	}
	return printJSON(out, map[string]any{"restored": file, "into": path, "replaced_kept_as": aside,
		"orders": rep.Orders, "resellers": rep.Resellers, "backup_migration": rep.LastMigration, "migrated_to": st.Last()})
}

// replace puts a copy of file at the database path, under the database's lock, having
// moved the current database (and its -wal and -shm) aside; it returns where to.
func replace(path, file string) (aside string, err error) {
	lock, err := store.LockExclusive(path)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if _, err := os.Stat(path); err == nil {
		// Nobody has it open: fold the -wal into the file, so the file alone is all of it.
		if err := store.Checkpoint(path); err != nil {
			return "", fmt.Errorf("checkpoint %s: %w", path, err)
		}
		aside = path + ".replaced-" + time.Now().UTC().Format("20060102T150405Z")
		for _, s := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(path+s, aside+s); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("move the database aside: %w", err)
			}
		}
	}
	if err := store.CopyFile(file, path); err != nil {
		if aside != "" {
			os.Rename(aside, path)
		}
		return "", fmt.Errorf("copy %s into %s: %w (the database is as it was)", file, path, err)
	}
	return aside, nil
}
