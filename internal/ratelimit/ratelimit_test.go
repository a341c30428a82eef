package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
)

// clock is a fake clock for a test on one goroutine: the limiter reads *c.
type clock time.Time

func (c *clock) now() time.Time      { return time.Time(*c) }
func (c *clock) add(d time.Duration) { *c = clock(time.Time(*c).Add(d)) }

// retryOf returns how long after now a refusal says to wait, or 0 when err is nil.
func retryOf(t *testing.T, err error, now time.Time) time.Duration {
	t.Helper()
	if err == nil {
		return 0
	}
	if loket.ErrorCode(err) != loket.ERATELIMIT {
		t.Fatalf("got %v, want an ERATELIMIT refusal", err)
	}
	return loket.ErrorRetryAt(err).Sub(now)
}

// TestCounting drives Allow, Blocked, Add and Reset through steps on a fake clock.
func TestCounting(t *testing.T) {
	type step struct {
		after time.Duration // the clock moves on by this first
		op    string        // allow, blocked, add, reset
		key   string
		retry time.Duration // a refusal is wanted, retrying after this; 0: none
	}
	tests := []struct {
		name   string
		limit  int
		window time.Duration
		steps  []step
	}{
		{"allow up to the limit, then retry when the oldest leaves", 3, time.Minute, []step{
			{0, "allow", "a", 0},
			{10 * time.Second, "allow", "a", 0},
			{10 * time.Second, "allow", "a", 0},
			{10 * time.Second, "allow", "a", 30 * time.Second},
			{0, "allow", "b", 0}, // keys count apart
			{29 * time.Second, "allow", "a", time.Second},
			{time.Second, "allow", "a", 0}, // the first left the window exactly now
			{0, "allow", "a", 10 * time.Second},
		}},
		{"a refusal is not counted", 1, time.Minute, []step{
			{0, "allow", "a", 0},
			{30 * time.Second, "allow", "a", 30 * time.Second},
			{20 * time.Second, "allow", "a", 10 * time.Second},
			{10 * time.Second, "allow", "a", 0},
		}},
		{"sliding, not fixed, window", 2, time.Minute, []step{
			{0, "allow", "a", 0},
			{50 * time.Second, "allow", "a", 0},
			{20 * time.Second, "allow", "a", 0}, // the first left; the second is still in
			{0, "allow", "a", 40 * time.Second},
		}},
		{"blocked counts only what is added", 2, 15 * time.Minute, []step{
			{0, "blocked", "u", 0},
			{0, "blocked", "u", 0},
			{0, "add", "u", 0},
			{time.Minute, "blocked", "u", 0},
			{0, "add", "u", 0},
			{time.Minute, "blocked", "u", 13 * time.Minute},
			{0, "blocked", "v", 0},
			{13 * time.Minute, "blocked", "u", 0},
		}},
		{"add past the limit: blocked until the limit-th newest leaves", 2, time.Minute, []step{
			{0, "add", "u", 0},
			{10 * time.Second, "add", "u", 0},
			{10 * time.Second, "add", "u", 0},
			{0, "blocked", "u", 50 * time.Second},
			{40 * time.Second, "blocked", "u", 10 * time.Second},
			{10 * time.Second, "blocked", "u", 0},
		}},
		{"reset forgets", 1, time.Hour, []step{
			{0, "add", "u", 0},
			{0, "blocked", "u", time.Hour},
			{0, "allow", "u", time.Hour},
			{0, "reset", "u", 0},
			{0, "blocked", "u", 0},
			{0, "allow", "u", 0},
		}},
		{"a limit below 1 allows everything", 0, time.Minute, []step{
			{0, "allow", "a", 0},
			{0, "allow", "a", 0},
			{0, "add", "a", 0},
			{0, "blocked", "a", 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock(time.Unix(1_700_000_000, 0))
			l := New(tt.limit, tt.window, WithClock(c.now))
			ctx := context.Background()
			for i, s := range tt.steps {
				c.add(s.after)
				var err error
				switch s.op {
				case "allow":
					err = l.Allow(ctx, s.key)
				case "blocked":
					err = l.Blocked(ctx, s.key)
				case "add":
					err = l.Add(ctx, s.key)
				case "reset":
					err = l.Reset(ctx, s.key)
				default:
					t.Fatalf("step %d: no op %q", i, s.op)
				}
				if got := retryOf(t, err, c.now()); got != s.retry {
					t.Errorf("step %d (%s %s): retry after %v, want %v", i, s.op, s.key, got, s.retry)
				}
			}
		})
	}
}

// TestReserve paces slots: at once while the window has room, then when the oldest
// slot leaves it, refusing a slot that would leave too little of the deadline.
func TestReserve(t *testing.T) {
	type step struct {
		after    time.Duration // the clock moves on by this first
		deadline time.Duration // ctx's deadline from now; 0: none
		minLeft  time.Duration
		at       time.Duration // the slot wanted, from now
		refused  bool
	}
	tests := []struct {
		name  string
		limit int
		steps []step
	}{
		{"slots queue up a window apart", 2, []step{
			{at: 0},
			{at: 0},
			{at: time.Second},
			{at: time.Second},
			{at: 2 * time.Second},
			{after: 1500 * time.Millisecond, at: 500 * time.Millisecond}, // the second of 2s
			{at: 1500 * time.Millisecond},
		}},
		{"the deadline", 1, []step{
			{deadline: time.Millisecond, minLeft: time.Hour, at: 0}, // no wait: the deadline is the caller's
			{deadline: 2 * time.Second, minLeft: 500 * time.Millisecond, at: time.Second},
			{deadline: 2500 * time.Millisecond, minLeft: time.Second, at: 2 * time.Second, refused: true},
			{deadline: 3 * time.Second, minLeft: time.Second, at: 2 * time.Second}, // the refusal took no slot
			{at: 3 * time.Second},
		}},
		{"a limit below 1 never waits", 0, []step{
			{at: 0}, {at: 0}, {deadline: time.Millisecond, minLeft: time.Hour, at: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Deadlines are real; so is the clock's start, so that they are not past.
			c := clock(time.Now())
			l := New(tt.limit, time.Second, WithClock(c.now))
			for i, s := range tt.steps {
				c.add(s.after)
				ctx := context.Background()
				if s.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithDeadline(ctx, c.now().Add(s.deadline))
					defer cancel()
				}
				now := c.now()
				at, err := l.Reserve(ctx, "k", s.minLeft)
				if s.refused {
					if got := retryOf(t, err, now); got != s.at {
						t.Errorf("step %d: refusal retrying after %v, want %v", i, got, s.at)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if got := at.Sub(now); got != s.at {
					t.Errorf("step %d: slot in %v, want %v", i, got, s.at)
				}
			}
		})
	}
}

func TestReserveCanceled(t *testing.T) {
	l := New(1, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Reserve(ctx, "k", 0); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if err := l.Allow(context.Background(), "k"); err != nil {
		t.Errorf("a canceled reserve took the slot: %v", err)
	}
}

// TestWait sleeps for real, so its windows are short.
func TestWait(t *testing.T) {
	l := New(2, 300*time.Millisecond)
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < 3; i++ {
		if err := l.Wait(ctx, "k", 0); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("3 waits with 2 per 300ms took %v", d)
	}

	// A slot past ctx's deadline is refused at once; a wait that ctx ends returns ctx's
	// error.
	l = New(1, time.Hour)
	if err := l.Wait(ctx, "k", 0); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := l.Wait(dctx, "other", 0); err != nil {
		t.Errorf("another key waited: %v", err)
	}
	start = time.Now()
	if err := l.Wait(dctx, "k", 0); loket.ErrorCode(err) != loket.ERATELIMIT || time.Since(start) > time.Second {
		t.Errorf("got %v after %v, want a refusal at once", err, time.Since(start))
	}
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	if err := l.Wait(cctx, "k", 0); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want the context's error", err)
	}
}

// TestConcurrent: the limit holds under concurrent callers.
func TestConcurrent(t *testing.T) {
	l := New(10, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.Allow(context.Background(), "k") == nil {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 10 {
		t.Errorf("%d allowed, want 10", allowed)
	}
}

// TestMemoryBounded: a spray of keys, each used once, does not grow the store past
// about twice the keys active in a window; a sweep drops only the keys with nothing
// left in their window, each by its own window (limiters may share a store).
func TestMemoryBounded(t *testing.T) {
	c := clock(time.Unix(0, 0))
	m := NewMemory()
	ctx := context.Background()
	l := New(5, time.Minute, WithClock(c.now), WithStore(m))
	long := New(1, 2*time.Hour, WithClock(c.now), WithStore(m))
	if err := long.Add(ctx, "long"); err != nil {
		t.Fatal(err)
	}
	const perWindow = 3000
	most := 0
	for i := 0; i < 50*perWindow; i++ {
		if err := l.Add(ctx, fmt.Sprint("10.0.", i)); err != nil {
			t.Fatal(err)
		}
		c.add(time.Minute / perWindow)
		most = max(most, len(m.keys))
	}
	if most > 2*perWindow+2 {
		t.Errorf("the store held %d keys with %d active", most, perWindow)
	}
	c.add(time.Hour)
	if err := l.Blocked(ctx, "10.0.0"); err != nil {
		t.Errorf("an expired key still counts: %v", err)
	}
	m.sweep(c.now())
	if _, kept := m.keys["long"]; len(m.keys) != 1 || !kept {
		t.Errorf("after a sweep: %d keys, the long window's kept: %v; want it alone", len(m.keys), kept)
	}
	if err := long.Blocked(ctx, "long"); loket.ErrorCode(err) != loket.ERATELIMIT {
		t.Errorf("the long window's key lost its count: %v", err)
	}
}

type failingStore struct{ err error }

func (s failingStore) Update(context.Context, string, time.Time, time.Duration, func([]time.Time) []time.Time) error {
	return s.err
}

// TestStoreError: a store's failure is returned as it is, not as a refusal.
func TestStoreError(t *testing.T) {
	boom := errors.New("store unreachable")
	l := New(1, time.Minute, WithStore(failingStore{boom}))
	ctx := context.Background()
	_, rerr := l.Reserve(ctx, "k", 0)
	for name, err := range map[string]error{
		"allow": l.Allow(ctx, "k"), "blocked": l.Blocked(ctx, "k"), "add": l.Add(ctx, "k"),
		"reset": l.Reset(ctx, "k"), "reserve": rerr, "wait": l.Wait(ctx, "k", 0),
	} {
		if !errors.Is(err, boom) {
			t.Errorf("%s: got %v, want the store's error", name, err)
		}
	}
}
