package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store/storetest"
)

// eachStore runs f as a subtest on every Store: Memory, and store.Limits on each engine
// storetest offers. newStore gives a fresh store; those of one engine share a database,
// so each subtest of f uses keys of its own.
func eachStore(t *testing.T, f func(t *testing.T, newStore func() Store)) {
	t.Run("memory", func(t *testing.T) { f(t, func() Store { return NewMemory() }) })
	for _, e := range storetest.Engines() {
		t.Run(e, func(t *testing.T) {
			db := storetest.Open(t, e)
			f(t, func() Store { return db.Limits() })
		})
	}
}

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

// TestCounting drives Allow, Blocked, Add, Reset and Take through steps on a fake clock,
// on every store.
func TestCounting(t *testing.T) { eachStore(t, testCounting) }

func testCounting(t *testing.T, newStore func() Store) {
	type step struct {
		after time.Duration // the clock moves on by this first
		op    string        // allow, blocked, add, reset, take, undo (the key's last take)
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
		{"take counts as allow does; undo takes back its own event only", 2, time.Minute, []step{
			{0, "take", "u", 0},
			{10 * time.Second, "take", "u", 0},
			{0, "take", "u", 50 * time.Second}, // a refused take records nothing
			{0, "undo", "u", 0},                // the second take's event
			{5 * time.Second, "take", "u", 0},
			{0, "allow", "u", 45 * time.Second},
			{0, "undo", "u", 0},
			{0, "undo", "u", 0}, // again: nothing left of it to take back
			{0, "blocked", "u", 0},
			{0, "add", "u", 0},
			{0, "blocked", "u", 45 * time.Second},
		}},
		{"a limit below 1 allows everything", 0, time.Minute, []step{
			{0, "allow", "a", 0},
			{0, "allow", "a", 0},
			{0, "add", "a", 0},
			{0, "blocked", "a", 0},
			{0, "take", "a", 0},
			{0, "undo", "a", 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock(time.Unix(1_700_000_000, 0))
			l := New(tt.limit, tt.window, WithClock(c.now), WithStore(newStore()))
			ctx := context.Background()
			undo := map[string]func(context.Context) error{}
			for i, s := range tt.steps {
				c.add(s.after)
				key := tt.name + ":" + s.key
				var err error
				switch s.op {
				case "allow":
					err = l.Allow(ctx, key)
				case "blocked":
					err = l.Blocked(ctx, key)
				case "add":
					err = l.Add(ctx, key)
				case "reset":
					err = l.Reset(ctx, key)
				case "take":
					var u func(context.Context) error
					if u, err = l.Take(ctx, key); err == nil {
						undo[key] = u
					}
				case "undo":
					err = undo[key](ctx)
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
func TestReserve(t *testing.T) { eachStore(t, testReserve) }

func testReserve(t *testing.T, newStore func() Store) {
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
			{deadline: time.Second, minLeft: time.Hour, at: 0}, // no wait: the deadline is the caller's
			{deadline: 2 * time.Second, minLeft: 500 * time.Millisecond, at: time.Second},
			{deadline: 2500 * time.Millisecond, minLeft: time.Second, at: 2 * time.Second, refused: true},
			{deadline: 3 * time.Second, minLeft: time.Second, at: 2 * time.Second}, // the refusal took no slot
			{at: 3 * time.Second},
		}},
		{"a limit below 1 never waits", 0, []step{
			{at: 0}, {at: 0}, {deadline: time.Second, minLeft: time.Hour, at: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Deadlines are real; so is the clock's start, so that they are not past.
			c := clock(time.Now())
			l := New(tt.limit, time.Second, WithClock(c.now), WithStore(newStore()))
			for i, s := range tt.steps {
				c.add(s.after)
				ctx := context.Background()
				if s.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithDeadline(ctx, c.now().Add(s.deadline))
					defer cancel()
				}
				now := c.now()
				at, err := l.Reserve(ctx, tt.name, s.minLeft)
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

// TestConcurrent: the limit holds under concurrent callers, on every store (on the
// database's, most of them find their write conflicting and try again, then lock),
// two limiters sharing the store as two nodes do.
func TestConcurrent(t *testing.T) {
	eachStore(t, func(t *testing.T, newStore func() Store) {
		st := newStore()
		nodes := []*Limiter{New(10, time.Hour, WithStore(st)), New(10, time.Hour, WithStore(st))}
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		var errs []error
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := nodes[i%2].Allow(context.Background(), "k")
				mu.Lock()
				defer mu.Unlock()
				switch loket.ErrorCode(err) {
				case "":
					allowed++
				case loket.ERATELIMIT:
				default:
					errs = append(errs, err)
				}
			}()
		}
		wg.Wait()
		if allowed != 10 || len(errs) > 0 {
			t.Errorf("%d allowed, want 10; errors: %v", allowed, errs)
		}
	})
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

// BenchmarkAllow is what a limit costs the request it checks (seed 004's per-key limit
// on every authenticated request): Allow of 60 a minute over 1,000 keys (a reseller's
// each), on every store, one caller at a time and then as many as cores. A fake clock
// moves 2 ms per request, so each key is asked 30 times a minute: every request is let
// through and each log holds about 30 times, as a busy reseller's would.
func BenchmarkAllow(b *testing.B) {
	stores := map[string]func(b *testing.B) Store{"memory": func(*testing.B) Store { return NewMemory() }}
	for _, e := range storetest.Engines() {
		stores[e] = func(b *testing.B) Store { return storetest.Open(b, e).Limits() }
	}
	for _, name := range []string{"memory", "sqlite", "postgres"} {
		newStore, ok := stores[name]
		if !ok {
			continue
		}
		run := func(b *testing.B, parallel bool) {
			var n, refused atomic.Int64
			start := time.Now()
			l := New(60, time.Minute, WithStore(newStore(b)),
				WithClock(func() time.Time { return start.Add(time.Duration(n.Load()) * 2 * time.Millisecond) }))
			ctx := context.Background()
			keys := make([]string, 1000)
			for i := range keys {
				keys[i] = fmt.Sprint("chestcloudx:key:", i)
			}
			allow := func() {
				err := l.Allow(ctx, keys[n.Add(1)%int64(len(keys))])
				if loket.ErrorCode(err) == loket.ERATELIMIT {
					refused.Add(1)
				} else if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			if parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						allow()
					}
				})
			} else {
				for range b.N {
					allow()
				}
			}
			b.ReportMetric(float64(refused.Load())/float64(b.N), "refused/op")
		}
		b.Run(name, func(b *testing.B) { run(b, false) })
		b.Run(name+"/parallel", func(b *testing.B) { run(b, true) })
	}
}
