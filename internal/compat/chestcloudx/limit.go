package chestcloudx

import (
	"sync"
	"time"
)

// limiter allows at most limit events per key in any window-long span (a sliding
// window log: exact, and at most limit timestamps per key). It lives in one process:
// several Loket nodes behind a balancer each count their own.
type limiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	hits      map[string][]time.Time // oldest first
	lastSweep time.Time
}

func newLimiter(limit int, window time.Duration, now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	return &limiter{limit: limit, window: window, now: now, hits: map[string][]time.Time{}}
}

// allow records an event for key and reports whether it is within the limit; when it
// is not, nothing is recorded and retry is how long until one more would be allowed.
func (l *limiter) allow(key string) (ok bool, retry time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSweep) >= l.window {
		l.sweep(now)
	}
	h := l.hits[key]
	cut := 0
	for cut < len(h) && !h[cut].After(now.Add(-l.window)) {
		cut++
	}
	h = h[cut:]
	if len(h) >= l.limit {
		l.hits[key] = h
		return false, h[0].Add(l.window).Sub(now)
	}
	l.hits[key] = append(h, now)
	return true, 0
}

// sweep forgets keys with no event in the last window, so idle clients cost nothing.
func (l *limiter) sweep(now time.Time) {
	for k, h := range l.hits {
		if len(h) == 0 || !h[len(h)-1].After(now.Add(-l.window)) {
			delete(l.hits, k)
		}
	}
	l.lastSweep = now
}
