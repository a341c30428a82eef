package chestcloudx

import (
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLimiter(t *testing.T) {
	c := &fakeClock{t: time.Unix(0, 0)}
	l := newLimiter(3, time.Minute, c.now)
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("event %d refused", i)
		}
		c.add(10 * time.Second)
	}
	if ok, retry := l.allow("a"); ok || retry != 30*time.Second {
		t.Fatalf("4th: ok=%v retry=%v, want refused, 30s", ok, retry)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("other key refused")
	}
	c.add(30 * time.Second)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("refused after the oldest left the window")
	}
	c.add(5 * time.Minute)
	l.allow("c")
	if len(l.hits) != 1 {
		t.Errorf("idle keys kept: %d", len(l.hits))
	}
}
