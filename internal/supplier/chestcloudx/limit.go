package chestcloudx

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// limiter paces calls to at most limit in any window (a sliding log), so that the
// upstream's 60 requests a minute per API key are never exceeded by this process.
// Calls wait for their slot rather than draw a 429.
type limiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	slots []time.Time // the times calls were (or will be) let through, ascending
}

func newLimiter(limit int, window time.Duration) *limiter {
	return &limiter{limit: limit, window: window, now: time.Now}
}

var (
	limitersMu sync.Mutex
	limiters   = map[[32]byte]*limiter{}
)

// sharedLimiter is the one limiter of an upstream account in this process: two
// suppliers registered with the same key, or one made again after a config change,
// share the upstream's allowance.
func sharedLimiter(base, key string) *limiter {
	id := sha256.Sum256([]byte(base + "\x00" + key))
	limitersMu.Lock()
	defer limitersMu.Unlock()
	l, ok := limiters[id]
	if !ok {
		l = newLimiter(defaultLimit, defaultWindow)
		limiters[id] = l
	}
	return l
}

// wait blocks until a call may be made. If it must wait and the slot would leave less
// than minLeft before ctx's deadline, it returns errRateLimited at once and takes no
// slot.
func (l *limiter) wait(ctx context.Context, minLeft time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l == nil || l.limit <= 0 {
		return nil
	}
	l.mu.Lock()
	now := l.now()
	i := 0
	for i < len(l.slots) && !l.slots[i].After(now.Add(-l.window)) {
		i++
	}
	l.slots = l.slots[i:]
	at := now
	if len(l.slots) >= l.limit {
		at = l.slots[len(l.slots)-l.limit].Add(l.window)
	}
	if d, ok := ctx.Deadline(); ok && at.After(now) && at.Add(minLeft).After(d) {
		l.mu.Unlock()
		return errRateLimited
	}
	l.slots = append(l.slots, at)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return ctx.Err()
}
