package chat

import (
	"context"
	"sync"
	"time"

	"github.com/loket/loket/internal/store"
)

// queueReads reads the queues of the chats whose jobs ask at about the same time in
// one statement (store.ChatQueues), where each job read its own: on PostgreSQL a read
// is a round trip, and a busy channel's jobs asked once a reply. A job's read waits
// for the one under way, then goes with every other that came meanwhile.
type queueReads struct {
	db   *store.DB
	sent *sentLog

	mu      sync.Mutex
	reqs    []*queueRead
	stopped bool
	wake    chan struct{}
}

// queueRead is one job's read: its chat, the last reply it saw, and where the answer
// goes (its queue, the sentLog's mark taken before the read, or the error).
type queueRead struct {
	chat  [2]string
	after int64
	done  chan queueReadResult
}

type queueReadResult struct {
	queue []*store.ChatOut
	seen  uint64
	err   error
}

// readTimeout bounds one read of the queues: a database that does not answer fails
// the jobs waiting on it (they run again), not every chat's sending for good.
const readTimeout = 30 * time.Second

func newQueueReads(db *store.DB, sent *sentLog) *queueReads {
	return &queueReads{db: db, sent: sent, wake: make(chan struct{}, 1)}
}

// read returns the chat's replies still to send after the one numbered after, oldest
// first, at most sendChain, and the sentLog's mark taken before they were read (for
// sentLog.visible).
func (q *queueReads) read(ctx context.Context, chat [2]string, after int64) ([]*store.ChatOut, uint64, error) {
	r := &queueRead{chat: chat, after: after, done: make(chan queueReadResult, 1)}
	q.mu.Lock()
	if q.stopped {
		q.mu.Unlock()
		return nil, 0, store.ErrClosed
	}
	q.reqs = append(q.reqs, r)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	select {
	case res := <-r.done:
		return res.queue, res.seen, res.err
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
}

// run answers the reads asked, all those waiting in one statement a channel, until
// stop; the reads asked after stop are answered with store.ErrClosed.
func (q *queueReads) run(stop <-chan struct{}) {
	for {
		select {
		case <-q.wake:
		case <-stop:
			q.mu.Lock()
			reqs := q.reqs
			q.reqs, q.stopped = nil, true
			q.mu.Unlock()
			for _, r := range reqs {
				r.done <- queueReadResult{err: store.ErrClosed}
			}
			return
		}
		q.mu.Lock()
		reqs := q.reqs
		q.reqs = nil
		q.mu.Unlock()
		byChannel := map[string][]*queueRead{}
		for _, r := range reqs {
			byChannel[r.chat[0]] = append(byChannel[r.chat[0]], r)
		}
		for channel, rs := range byChannel {
			q.answer(channel, rs)
		}
	}
}

// answer reads the queues of one channel's chats in one statement.
func (q *queueReads) answer(channel string, rs []*queueRead) {
	// A chat asked twice (not by its one job at a time, but be safe) reads from the
	// lower of its afters, and each gets what is after its own.
	after := map[string]int64{}
	for _, r := range rs {
		if a, ok := after[r.chat[1]]; !ok || r.after < a {
			after[r.chat[1]] = r.after
		}
	}
	chats := make([]store.ChatAfter, 0, len(after))
	for addr, a := range after {
		chats = append(chats, store.ChatAfter{Address: addr, After: a})
	}
	seen := q.sent.mark()
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
	defer cancel()
	queues, err := q.db.ChatQueues(ctx, channel, chats, sendChain)
	for _, r := range rs {
		var queue []*store.ChatOut
		for _, o := range queues[r.chat[1]] {
			if o.ID > r.after {
				queue = append(queue, o)
			}
		}
		r.done <- queueReadResult{queue: queue, seen: seen, err: err}
	}
}
