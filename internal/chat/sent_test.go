package chat

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// The log of replies sent hides a reply from its chat's job from the moment it is
// handed over until a read of the queue begins after its mark committed; marks of
// many chats go in one write.
func TestSentLogHides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, to := range []string{"a", "a", "a", "b"} {
			if err := db.Write(ctx, 0, func(tx *store.Tx) error { return tx.EnqueueChat("xmpp", to, "halo "+to, 0) }); err != nil {
				t.Fatal(err)
			}
		}
		l := newSentLog(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		stop := make(chan struct{})
		done := make(chan struct{})
		a, b := [2]string{"xmpp", "a"}, [2]string{"xmpp", "b"}
		queue := func(chat [2]string) []int64 {
			t.Helper()
			seen := l.mark()
			q, err := queueOf(ctx, db, chat[0], chat[1])
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, o := range l.visible(chat, q, seen) {
				ids = append(ids, o.ID)
			}
			return ids
		}
		l.begin(a)
		qa := queue(a)
		if len(qa) != 3 {
			t.Fatalf("queue of a: %v", qa)
		}
		// Not running: the marks are written at once.
		if err := l.add(ctx, a, qa[:1]); err != nil {
			t.Fatal(err)
		}
		if q := queue(a); len(q) != 2 || q[0] != qa[1] {
			t.Fatalf("after a mark written at once: %v", q)
		}
		go func() { l.run(stop); close(done) }()
		for { // running
			l.mu.Lock()
			running := l.running
			l.mu.Unlock()
			if running {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if err := l.add(ctx, a, qa[1:2]); err != nil {
			t.Fatal(err)
		}
		if q := queue(a); len(q) != 1 || q[0] != qa[2] { // hidden, marked or not
			t.Fatalf("a reply handed over: %v", q)
		}
		// b's job ends, then its next run reads: its reply is hidden or marked. (The
		// queue is read only by a chat's job, between begin and end.)
		l.begin(b)
		if err := l.add(ctx, b, queue(b)); err != nil {
			t.Fatal(err)
		}
		l.end(b, true, 0)
		l.begin(b)
		if q := queue(b); len(q) != 0 {
			t.Fatalf("b: %v", q)
		}
		l.end(b, true, 0)
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
			var sent int
			if err := db.R.QueryRowContext(ctx, `SELECT count(*) FROM chat_outbox WHERE state = 'sent'`).Scan(&sent); err != nil {
				t.Fatal(err)
			}
			if sent == 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d marked sent", sent)
			}
		}
		if q := queue(a); len(q) != 1 || q[0] != qa[2] {
			t.Fatalf("a after its marks: %v", q)
		}
		l.end(a, true, 0)
		l.mu.Lock()
		left := len(l.chats)
		l.mu.Unlock()
		if left != 0 {
			t.Fatalf("%d chats still known after their jobs and marks", left)
		}
		close(stop)
		<-done
		// Stopped: marks are written by add itself.
		if err := l.add(ctx, a, qa[2:]); err != nil {
			t.Fatal(err)
		}
		if q := queue(a); len(q) != 0 {
			t.Fatalf("a after stopping: %v", q)
		}
	})
}

// A reply nobody sent within GiveUp (its channel sent by no node any more, say) is
// given up; a newer one stays pending.
func TestGiveUpChats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, body := range []string{"lama", "baru"} {
			if err := db.Write(ctx, 0, func(tx *store.Tx) error { return tx.EnqueueChat("xmpp", "lepas@loket", body, 0) }); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.W.ExecContext(ctx, `UPDATE chat_outbox SET created_at = created_at - 7200000000 WHERE body = 'lama'`); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := db.Write(ctx, 0, func(tx *store.Tx) error {
			var err error
			n, err = tx.GiveUpChats(time.Now().Add(-time.Hour))
			return err
		}); err != nil || n != 1 {
			t.Fatalf("gave up %d, %v", n, err)
		}
		q, err := queueOf(ctx, db, "xmpp", "lepas@loket")
		if err != nil || len(q) != 1 || q[0].Body != "baru" {
			t.Fatalf("still pending: %+v %v", q, err)
		}
	})
}

// The queues of many chats read in one statement: each chat's pending replies after
// its own last seen, oldest first, at most the limit a chat; other channels, other
// chats and replies sent are not in it.
func TestQueueReadsTogether(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids := map[string][]int64{}
		for i := range 5 {
			for _, to := range []string{"a", "b", "c"} {
				if err := db.Write(ctx, 0, func(tx *store.Tx) error { return tx.EnqueueChat("xmpp", to, "halo", 0) }); err != nil {
					t.Fatal(err)
				}
				q, err := queueOf(ctx, db, "xmpp", to)
				if err != nil || len(q) != i+1 {
					t.Fatalf("queue of %s: %d, %v", to, len(q), err)
				}
				ids[to] = append(ids[to], q[i].ID)
			}
		}
		if err := db.Write(ctx, 0, func(tx *store.Tx) error {
			if err := tx.EnqueueChat("telegram", "a", "other channel", 0); err != nil {
				return err
			}
			return tx.RecordChatsSent(ids["b"][:1]) // b's first sent
		}); err != nil {
			t.Fatal(err)
		}
		l := newSentLog(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		q := newQueueReads(db, l)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() { q.run(stop); close(done) }()
		type read struct {
			to    string
			after int64
			want  []int64
		}
		reads := []read{
			{"a", 0, ids["a"]},
			{"b", 0, ids["b"][1:]},
			{"c", ids["c"][2], ids["c"][3:]},
			{"a", ids["a"][3], ids["a"][4:]}, // the same chat asked twice
			{"d", 0, nil},
		}
		got := make([][]int64, len(reads))
		var wg sync.WaitGroup
		for i, r := range reads {
			wg.Go(func() {
				queue, _, err := q.read(ctx, [2]string{"xmpp", r.to}, r.after)
				if err != nil {
					t.Error(err)
				}
				for _, o := range queue {
					got[i] = append(got[i], o.ID)
				}
			})
		}
		wg.Wait()
		for i, r := range reads {
			if !slices.Equal(got[i], r.want) {
				t.Errorf("%s after %d: %v, want %v", r.to, r.after, got[i], r.want)
			}
		}
		// At most the limit a chat.
		queues, err := db.ChatQueues(ctx, "xmpp", []store.ChatAfter{{Address: "a"}, {Address: "c"}}, 2)
		if err != nil || !slices.Equal(idsOf(queues["a"]), ids["a"][:2]) || !slices.Equal(idsOf(queues["c"]), ids["c"][:2]) {
			t.Errorf("limit 2: %v %v, %v", idsOf(queues["a"]), idsOf(queues["c"]), err)
		}
		close(stop)
		<-done
		if _, _, err := q.read(ctx, [2]string{"xmpp", "a"}, 0); err != store.ErrClosed {
			t.Errorf("a read after stop: %v", err)
		}
	})
}

// idsOf is the ids of a queue.
func idsOf(q []*store.ChatOut) []int64 {
	var out []int64
	for _, o := range q {
		out = append(out, o.ID)
	}
	return out
}

// queueOf is one chat's queue, read alone.
func queueOf(ctx context.Context, db *store.DB, channel, address string) ([]*store.ChatOut, error) {
	q, err := db.ChatQueues(ctx, channel, []store.ChatAfter{{Address: address}}, 32)
	return q[address], err
}
