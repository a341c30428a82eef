package chat

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/loket/loket/internal/store"
)

// sentLog records the replies this node has sent, for all chats at once. A chat's
// job hands over what it sent and goes on; one write at a time marks everything
// handed over since the one before, in one statement and one commit shared by every
// chat. Before, each chat's job wrote its own marks and waited for them: a write per
// reply or two, each rewriting an outbox page that earlier commits had written (1.5 of
// a chat order's 9.5 WAL pages).
//
// Until a reply's mark is committed, and its chat's queue is read after that, the log
// hides the reply from its chat's job, so that it is not sent twice. A node that stops
// between a send and its mark leaves the reply pending, and the next node to send the
// channel sends it again: at least once, as a send lost between the channel and the
// record always could. The window is one commit under load, as it was.
type sentLog struct {
	db  *store.DB
	log *slog.Logger

	mu      sync.Mutex
	queued  []sentReply
	chats   map[[2]string]*sentChat
	written uint64 // writes of marks committed
	wake    chan struct{}
	running bool // the writer loop runs: without it, add writes the marks itself
}

type sentReply struct {
	chat [2]string
	id   int64
}

// sentChat is what the log knows of one chat's replies.
type sentChat struct {
	hidden  map[int64]uint64 // sent replies → the write that marked them (0: not yet)
	reading bool             // the chat's job is running: it may be reading its queue
	again   bool             // replies were queued while it ran: it reads once more
	through int64            // every reply up to this one was sent (where ids commit in order; 0: unknown)
}

func newSentLog(db *store.DB, log *slog.Logger) *sentLog {
	return &sentLog{db: db, log: log, chats: map[[2]string]*sentChat{}, wake: make(chan struct{}, 1)}
}

// begin says the chat's job runs (one at a time per chat on a node: the runner's key),
// and returns the reply up to which its last run ended having sent every one (0:
// unknown). The log keeps that only while it hides replies of the chat: those are what
// a read from the start would pass over again.
func (l *sentLog) begin(chat [2]string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.chats[chat]
	if c == nil {
		c = &sentChat{hidden: map[int64]uint64{}}
		l.chats[chat] = c
	}
	c.reading = true
	return c.through
}

// kicked says replies were queued to the chat: if its job runs, it reads its queue once
// more before it ends (true), else the caller starts it (false).
func (l *sentLog) kicked(chat [2]string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.chats[chat]; c != nil && c.reading {
		c.again = true
		return true
	}
	return false
}

// end says the chat's job is done, having sent every reply up to through (0: not
// known), unless replies were queued to it meanwhile and it may read again (false;
// force ends it anyway). Once ended, a read sees every mark committed, so only replies
// not marked yet stay hidden.
func (l *sentLog) end(chat [2]string, force bool, through int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.chats[chat]
	if c == nil {
		return true
	}
	if c.again && !force {
		c.again = false
		return false
	}
	c.reading, c.again, c.through = false, false, through
	for id, w := range c.hidden {
		if w != 0 {
			delete(c.hidden, id)
		}
	}
	if len(c.hidden) == 0 {
		delete(l.chats, chat)
	}
	return true
}

// mark is taken before a read of a chat's queue, for visible.
func (l *sentLog) mark() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.written
}

// visible is the queue read after mark returned seen, without the replies sent whose
// mark that read may not have seen.
func (l *sentLog) visible(chat [2]string, queue []*store.ChatOut, seen uint64) []*store.ChatOut {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.chats[chat]
	if c == nil {
		return queue
	}
	for id, w := range c.hidden {
		if w != 0 && w <= seen { // committed before the read began: it saw the mark
			delete(c.hidden, id)
		}
	}
	out := queue[:0:0]
	for _, o := range queue {
		if _, hidden := c.hidden[o.ID]; !hidden {
			out = append(out, o)
		}
	}
	return out
}

// add hands over replies of a chat just sent.
func (l *sentLog) add(ctx context.Context, chat [2]string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	l.mu.Lock()
	if !l.running {
		l.mu.Unlock()
		return l.write(ctx, ids) // stopping, or not started: at once
	}
	c := l.chats[chat]
	if c == nil {
		c = &sentChat{hidden: map[int64]uint64{}}
		l.chats[chat] = c
	}
	for _, id := range ids {
		c.hidden[id] = 0
		l.queued = append(l.queued, sentReply{chat, id})
	}
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

func (l *sentLog) write(ctx context.Context, ids []int64) error {
	return l.db.Write(ctx, 0, func(t *store.Tx) error { return t.RecordChatsSent(ids) })
}

// run writes the marks handed over, one write at a time, until stop; then it writes
// what is left, and add writes its marks itself.
func (l *sentLog) run(stop <-chan struct{}) {
	l.mu.Lock()
	l.running = true
	l.mu.Unlock()
	for {
		select {
		case <-stop:
			l.mu.Lock()
			l.running = false
			l.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			l.flush(ctx)
			cancel()
			return
		case <-l.wake:
		}
		if !l.flush(context.Background()) {
			select { // the database refused: try again in a moment
			case <-stop:
			case <-time.After(time.Second):
			}
			select {
			case l.wake <- struct{}{}:
			default:
			}
		}
	}
}

// flush writes the marks queued now; it reports false if they stay queued.
func (l *sentLog) flush(ctx context.Context) bool {
	l.mu.Lock()
	batch := l.queued
	l.queued = nil
	l.mu.Unlock()
	if len(batch) == 0 {
		return true
	}
	ids := make([]int64, len(batch))
	for i, r := range batch {
		ids[i] = r.id
	}
	err := l.write(ctx, ids)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		if !errors.Is(err, store.ErrClosed) {
			l.log.Error("chat replies sent: recording them", "replies", len(ids), "err", err)
		}
		l.queued = append(batch, l.queued...)
		return false
	}
	l.written++
	for _, r := range batch {
		c := l.chats[r.chat]
		if c == nil {
			continue
		}
		if c.reading {
			c.hidden[r.id] = l.written
			continue
		}
		delete(c.hidden, r.id)
		if len(c.hidden) == 0 {
			delete(l.chats, r.chat)
		}
	}
	return true
}
