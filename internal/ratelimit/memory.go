package ratelimit

import (
	"context"
	"sync"
	"time"
)

// minSweep is how many keys a Memory holds before it first looks for idle ones.
const minSweep = 1024

// Memory is a Store in this process's memory. Its size stays bounded under a spray of
// keys (one per address, say): when the number of keys has doubled since the last
// sweep, the keys whose events have all left their window are dropped, so it holds at
// most about twice the keys active in the last window, at an amortized constant cost.
type Memory struct {
	mu      sync.Mutex
	keys    map[string]memLog
	sweepAt int // sweep when len(keys) reaches this
}

type memLog struct {
	times []time.Time
	until time.Time // when the newest time leaves the window: the key can be dropped then
}

// NewMemory makes an empty store.
func NewMemory() *Memory { return &Memory{keys: map[string]memLog{}, sweepAt: minSweep} }

// Update implements Store.
func (m *Memory) Update(_ context.Context, key string, now time.Time, window time.Duration, f func([]time.Time) []time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.keys) >= m.sweepAt {
		m.sweep(now)
	}
	ts := m.keys[key].times
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-window)) {
		i++
	}
	ts = f(ts[i:])
	if len(ts) == 0 {
		delete(m.keys, key)
		return nil
	}
	m.keys[key] = memLog{times: ts, until: ts[len(ts)-1].Add(window)}
	return nil
}

// sweep drops the keys with no event left in their window; m.mu is held.
func (m *Memory) sweep(now time.Time) {
	for k, l := range m.keys {
		if !l.until.After(now) {
			delete(m.keys, k)
		}
	}
	m.sweepAt = max(minSweep, 2*len(m.keys))
}
