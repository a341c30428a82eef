package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// Limits keeps rate-limit logs (a ratelimit.Store, loket.LimitStore) in the table
// rate_limits: every node on the database counts in the same rows, so a limit holds
// across a cluster. An update reads the key's row and writes it back on condition that
// its events are still those it read (two round trips, no transaction), and tries
// again if another node wrote in between; a key updated by many at once falls back to
// locking its row. Rows whose events have all left their window are deleted by a
// sweep at most once a minute per node. Times come from the callers (the limiters'
// clocks): nodes' clocks should agree to well within a window.
type Limits struct {
	db      *DB
	sweepAt atomic.Int64 // unix microseconds of this node's next sweep
}

// Limits returns a rate-limit store on db.
func (db *DB) Limits() *Limits { return &Limits{db: db} }

// optimisticTries is how many conditional writes Update tries before it takes the
// row's lock: a key many requests update at once (one reseller's burst on several
// nodes) then queues on the lock instead of retrying in a loop.
const optimisticTries = 3

// sweepEvery is how often a node deletes the expired rows.
const sweepEvery = time.Minute

// Update implements ratelimit.Store.
func (l *Limits) Update(ctx context.Context, key string, now time.Time, window time.Duration, f func([]time.Time) []time.Time) error {
	l.sweep(ctx, now)
	for range optimisticTries {
		var stored []byte
		err := l.db.queryRow(ctx, `SELECT events FROM rate_limits WHERE key = $1`, key).Scan(&stored)
		found := err == nil
		if err != nil && !noRows(err) {
			return fmt.Errorf("rate limits: %w", err)
		}
		done, err := l.write(ctx, l.db.W, key, stored, found, now, window, f)
		if err != nil || done {
			return err
		}
	}
	return l.lockedUpdate(ctx, key, now, window, f)
}

// execer is a pool or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// write runs f on the log decoded from stored (found: the row exists) and writes the
// result on condition that the row still holds stored. It reports whether the row was
// as read (nothing to write counts).
func (l *Limits) write(ctx context.Context, ex execer, key string, stored []byte, found bool, now time.Time, window time.Duration,
	f func([]time.Time) []time.Time) (bool, error) {
	if stored == nil {
		stored = []byte{} // an empty log, not NULL, in the condition below
	}
	log, err := decodeLog(stored, now.Add(-window))
	if err != nil {
		return false, fmt.Errorf("rate limits: key %q: %w", key, err)
	}
	read := slices.Clone(log)
	log = f(log)
	if slices.EqualFunc(log, read, time.Time.Equal) {
		return true, nil // a check that recorded nothing, or a refusal: one round trip
	}
	var q string
	var args []any
	switch {
	case !found && len(log) == 0:
		return true, nil
	case !found:
		q, args = `INSERT INTO rate_limits (key, events, until) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING`,
			[]any{key, encodeLog(log), log[len(log)-1].Add(window).UnixMicro()}
	case len(log) == 0:
		q, args = `DELETE FROM rate_limits WHERE key = $1 AND events = $2`, []any{key, stored}
	default:
		q, args = `UPDATE rate_limits SET events = $3, until = $4 WHERE key = $1 AND events = $2`,
			[]any{key, stored, encodeLog(log), log[len(log)-1].Add(window).UnixMicro()}
	}
	res, err := ex.ExecContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("rate limits: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// lockedUpdate is Update holding the key's row for the whole read-modify-write: on
// PostgreSQL the row's lock (made first if missing), on SQLite the write lock.
func (l *Limits) lockedUpdate(ctx context.Context, key string, now time.Time, window time.Duration, f func([]time.Time) []time.Time) error {
	tx, err := l.db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rate limits: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO rate_limits (key, events, until) VALUES ($1, $2, 0) ON CONFLICT (key) DO NOTHING`,
		key, []byte{}); err != nil {
		return fmt.Errorf("rate limits: %w", err)
	}
	lock := ""
	if l.db.Dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var stored []byte
	if err := tx.QueryRowContext(ctx, `SELECT events FROM rate_limits WHERE key = $1`+lock, key).Scan(&stored); err != nil {
		return fmt.Errorf("rate limits: %w", err)
	}
	// The row exists now (an empty log if made above): write conditionally as ever;
	// holding the lock, the condition holds.
	if done, err := l.write(ctx, tx, key, stored, true, now, window, f); err != nil {
		return err
	} else if !done {
		return errors.New("rate limits: a locked row changed")
	}
	return tx.Commit()
}

// sweep deletes the rows whose events have all left their window, at most once per
// sweepEvery on this node. A failure leaves them to the next sweep: expired events
// are not counted meanwhile anyway.
func (l *Limits) sweep(ctx context.Context, now time.Time) {
	next := l.sweepAt.Load()
	if now.UnixMicro() < next || !l.sweepAt.CompareAndSwap(next, now.Add(sweepEvery).UnixMicro()) {
		return
	}
	l.db.W.ExecContext(ctx, `DELETE FROM rate_limits WHERE until <= $1`, now.UnixMicro())
}

// encodeLog packs a log's times, unix nanoseconds (exact: a limiter finds its own
// events again by time), as varints: the first, then each one's distance from the one
// before.
func encodeLog(log []time.Time) []byte {
	b := make([]byte, 0, 4+5*len(log))
	prev := int64(0)
	for _, t := range log {
		ns := t.UnixNano()
		b = binary.AppendVarint(b, ns-prev)
		prev = ns
	}
	return b
}

// decodeLog unpacks encodeLog's times, leaving out those not after after (the window's
// start).
func decodeLog(b []byte, after time.Time) ([]time.Time, error) {
	log := make([]time.Time, 0, len(b)/4+1)
	r := bytes.NewReader(b)
	prev := int64(0)
	for r.Len() > 0 {
		d, err := binary.ReadVarint(r)
		if err != nil {
			return nil, errors.New("unreadable events")
		}
		prev += d
		if t := time.Unix(0, prev); t.After(after) {
			log = append(log, t)
		}
	}
	return log, nil
}
