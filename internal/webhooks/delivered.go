package webhooks

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/loket/loket/internal/store"
)

// deliveredLog records the deliveries this node's endpoints acknowledged, many in one
// write (RecordWebhooksDelivered), the next as soon as the one before committed: a
// write of its own per delivery cost the one writer as much as the order it reported.
// Until recorded, a webhook's job stays this node's (its lease); a node that dies first
// leaves it to be delivered again once the lease lapses: at least once, as before.
type deliveredLog struct {
	record func(context.Context, []store.WebhookDelivered) error // one write for all
	log    *slog.Logger

	mu      sync.Mutex
	list    []store.WebhookDelivered
	stopped bool // the node stops: each delivery is recorded as it comes
	wake    chan struct{}
}

func newDeliveredLog(db *store.DB, log *slog.Logger) *deliveredLog {
	record := func(ctx context.Context, ds []store.WebhookDelivered) error {
		return db.Write(ctx, 0, func(t *store.Tx) error { return t.RecordWebhooksDelivered(ds) })
	}
	return &deliveredLog{record: record, log: log, wake: make(chan struct{}, 1)}
}

// add keeps a delivery to record; once the node stops, it records it at once.
func (l *deliveredLog) add(d store.WebhookDelivered) {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.record(ctx, []store.WebhookDelivered{d}); err != nil {
			l.log.Warn("webhook delivery not recorded at stop", "webhook", d.ID, "err", err)
		}
		return
	}
	l.list = append(l.list, d)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run records what was added until stop, then what is left; the deliveries that end
// after that are recorded as they come (add).
func (l *deliveredLog) run(stop <-chan struct{}) {
	defer func() {
		l.mu.Lock()
		l.stopped = true
		l.mu.Unlock()
		l.flush(stop)
	}()
	for {
		select {
		case <-l.wake:
		case <-stop:
			return
		}
		if !l.flush(stop) {
			select { // the database refused: try again in a moment
			case <-time.After(time.Second):
			case <-stop:
				return
			}
			// What failed waits again: wake for it, not for the next delivery (which
			// may not come before the jobs' leases lapse and they are delivered again).
			select {
			case l.wake <- struct{}{}:
			default:
			}
		}
	}
}

// flush records what was added so far in one write; false when it failed (what it
// took is kept for the next).
func (l *deliveredLog) flush(stop <-chan struct{}) bool {
	l.mu.Lock()
	list := l.list
	l.list = nil
	l.mu.Unlock()
	if len(list) == 0 {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := l.record(ctx, list)
	if err == nil {
		return true
	}
	select {
	case <-stop: // stopping: the jobs' leases lapse and another node delivers them again
		l.log.Warn("webhook deliveries not recorded at stop", "webhooks", len(list), "err", err)
		return false
	default:
	}
	l.log.Warn("webhook deliveries not recorded yet", "webhooks", len(list), "err", err)
	l.mu.Lock()
	l.list = append(list, l.list...)
	l.mu.Unlock()
	return false
}
