// Package ratelimit is Loket's one rate limiter: at most a limit of events per key in
// any window-long span, counted exactly with a sliding-window log (the times of the
// key's events in the last window, at most the limit of them when every event is
// checked first). It serves the three kinds of limit Loket has:
//
//   - requests a surface lets through per API key or address: Allow;
//   - failed sign-ins: Take counts an attempt before the password is checked and gives
//     it back if it was right; Blocked, Add and Reset count after the fact;
//   - calls to an upstream, paced so that its own limit is never hit: Reserve and Wait.
//
// The logs live in a Store. Memory keeps them in this process, so each node counts on
// its own and a restart forgets. store.Limits keeps them in a table of the database,
// so every node on it shares each key's log and a limit holds across the cluster;
// server.Core uses it on PostgreSQL (on SQLite one process serves the file, and memory
// costs the hot path nothing).
//
// A refusal is a *loket.Error with code ERATELIMIT whose RetryAt says when the same
// request would be let through; each surface words it in its one error mapping.
package ratelimit

import (
	"context"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Store keeps each key's log: the times of its events, oldest first. It is the domain's
// loket.LimitStore, so that the edges get the node's store with their loket.Services.
type Store = loket.LimitStore

// Limiter allows at most limit events per key in any window-long span.
type Limiter struct {
	limit  int
	window time.Duration
	store  Store
	now    func() time.Time
}

// Option changes a Limiter's defaults.
type Option func(*Limiter)

// WithStore keeps the logs in s rather than in a Memory of the limiter's own. Limiters
// sharing a store share a key's log: give each its own keys (a prefix).
func WithStore(s Store) Option { return func(l *Limiter) { l.store = s } }

// WithClock reads the time from now rather than time.Now (tests use a fake clock).
// Wait still sleeps in real time.
func WithClock(now func() time.Time) Option { return func(l *Limiter) { l.now = now } }

// New makes a limiter of limit events per key per window; a limit below 1 allows
// everything.
func New(limit int, window time.Duration, opts ...Option) *Limiter {
	l := &Limiter{limit: limit, window: window, now: time.Now}
	for _, o := range opts {
		o(l)
	}
	if l.store == nil {
		l.store = NewMemory()
	}
	return l
}

// full reports whether log holds the limit's worth of events.
func (l *Limiter) full(log []time.Time) bool { return l.limit > 0 && len(log) >= l.limit }

// next is when one more event fits, log being full: when the event that would be the
// limit-th before it leaves the window.
func (l *Limiter) next(log []time.Time) time.Time { return log[len(log)-l.limit].Add(l.window) }

// refusal is the error of an event that has to wait until at.
func (l *Limiter) refusal(at, now time.Time) error {
	e := loket.Errorf(loket.ERATELIMIT, "at most %d per %s: try again in %s", l.limit, l.window, at.Sub(now).Round(time.Second))
	e.RetryAt = at
	return e
}

// Allow records an event for key if it is within the limit. If it is not, nothing is
// recorded and the error is an ERATELIMIT *loket.Error with RetryAt set to when one
// more event would be allowed. Other errors are the store's.
func (l *Limiter) Allow(ctx context.Context, key string) error {
	return l.check(ctx, key, true, l.now())
}

// Blocked returns an ERATELIMIT *loket.Error, as Allow's, if key has used up its
// events, and records nothing: with Add it counts only the events that fail (signing in
// with a wrong password), checking before each attempt.
func (l *Limiter) Blocked(ctx context.Context, key string) error {
	return l.check(ctx, key, false, l.now())
}

// Take records an event for key as Allow does, and returns a function that takes that
// event back. Sign-ins count each attempt before the password is checked, so that
// guesses sent in parallel cannot all pass a check made before any of them failed, and
// take back the attempts that turn out right.
func (l *Limiter) Take(ctx context.Context, key string) (undo func(context.Context) error, err error) {
	if l.limit < 1 {
		return func(context.Context) error { return nil }, nil
	}
	now := l.now()
	if err := l.check(ctx, key, true, now); err != nil {
		return nil, err
	}
	return func(ctx context.Context) error {
		return l.store.Update(ctx, key, l.now(), l.window, func(log []time.Time) []time.Time {
			for i := len(log) - 1; i >= 0; i-- {
				if log[i].Equal(now) {
					return append(log[:i], log[i+1:]...)
				}
			}
			return log
		})
	}, nil
}

// check refuses an event for key at now if its log is full; otherwise it records one
// if record is set.
func (l *Limiter) check(ctx context.Context, key string, record bool, now time.Time) error {
	if l.limit < 1 {
		return nil // nothing to count against: keep no log
	}
	var at time.Time
	err := l.store.Update(ctx, key, now, l.window, func(log []time.Time) []time.Time {
		at = time.Time{}
		switch {
		case l.full(log):
			at = l.next(log)
		case record:
			log = append(log, now)
		}
		return log
	})
	if err != nil || at.IsZero() {
		return err
	}
	return l.refusal(at, now)
}

// Add records an event for key, whatever the count.
func (l *Limiter) Add(ctx context.Context, key string) error {
	now := l.now()
	return l.store.Update(ctx, key, now, l.window, func(log []time.Time) []time.Time { return append(log, now) })
}

// Reset forgets key's events.
func (l *Limiter) Reset(ctx context.Context, key string) error {
	return l.store.Update(ctx, key, l.now(), l.window, func([]time.Time) []time.Time { return nil })
}

// Reserve takes the earliest slot at which an event for key is within the limit and
// returns it: now, or a time to wait for. If the slot is in the future and would leave
// less than minLeft before ctx's deadline, it takes none and returns an ERATELIMIT
// *loket.Error with RetryAt set to the slot.
func (l *Limiter) Reserve(ctx context.Context, key string, minLeft time.Duration) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	now := l.now()
	if l.limit < 1 {
		return now, nil
	}
	deadline, hasDeadline := ctx.Deadline()
	var at time.Time
	var refused bool
	err := l.store.Update(ctx, key, now, l.window, func(log []time.Time) []time.Time {
		at, refused = now, false
		if l.full(log) {
			at = l.next(log)
		}
		if hasDeadline && at.After(now) && at.Add(minLeft).After(deadline) {
			refused = true
			return log
		}
		return append(log, at)
	})
	switch {
	case err != nil:
		return time.Time{}, err
	case refused:
		return time.Time{}, l.refusal(at, now)
	}
	return at, nil
}

// Wait reserves a slot for key as Reserve does and sleeps until it comes, or until ctx
// is done. A slot given up by a canceled wait is not handed back.
func (l *Limiter) Wait(ctx context.Context, key string, minLeft time.Duration) error {
	at, err := l.Reserve(ctx, key, minLeft)
	if err != nil {
		return err
	}
	if d := at.Sub(l.now()); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
	return ctx.Err()
}
