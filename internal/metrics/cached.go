package metrics

import (
	"context"
	"sync"
	"time"
)

// Cached returns a sampling function for GaugeFunc that calls f at most once per
// every, however often the registry is scraped, and keeps the last good answer (f
// returns nil on failure). It is for gauges that aggregate whole tables, so that a big
// database is not rescanned at each scrape. f gets a context bounded by 5 s.
func Cached(every time.Duration, f func(ctx context.Context) []Sample) func() []Sample {
	var mu sync.Mutex
	var last []Sample
	var at time.Time
	return func() []Sample {
		mu.Lock()
		defer mu.Unlock()
		if last != nil && time.Since(at) < every {
			return last
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if s := f(ctx); s != nil {
			last, at = s, time.Now()
		}
		return last
	}
}
