package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/store"
)

// A write of the deliveries that fails is tried again by itself, within a couple of
// seconds, without waiting for another delivery to come: until recorded, the jobs
// stay this node's, and once their leases lapse they would be delivered again.
func TestDeliveredLogRetries(t *testing.T) {
	var mu sync.Mutex
	var recorded []int64
	fails := 1
	l := newDeliveredLog(nil, slog.New(slog.DiscardHandler))
	l.record = func(_ context.Context, ds []store.WebhookDelivered) error {
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			return errors.New("database is locked")
		}
		for _, d := range ds {
			recorded = append(recorded, d.ID)
		}
		return nil
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { l.run(stop); close(done) }()
	l.add(store.WebhookDelivered{ID: 7})
	l.add(store.WebhookDelivered{ID: 8})
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(recorded)
		mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("recorded %v after a failed write, want 7 and 8 without another delivery", recorded)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	<-done
	// After stop, a delivery is recorded as it comes.
	l.add(store.WebhookDelivered{ID: 9})
	if recorded[len(recorded)-1] != 9 {
		t.Fatalf("after stop: recorded %v", recorded)
	}
}
