package chat_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/chat"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// Two nodes on one PostgreSQL, each with the same channel: orders come in through both,
// and one node at a time sends the channel's replies (its lease), so each reply goes
// out once and a chat's in order, whichever node wrote it. When that node stops, the
// other takes the lease over and sends what follows.
func TestChatRepliesOnceAcrossNodes(t *testing.T) {
	if len(storetest.Engines()) < 2 {
		t.Skip("needs PostgreSQL (" + storetest.EnvPostgres + ")")
	}
	ctx := context.Background()
	url := storetest.URL(t, "postgres")
	type node struct {
		db  *store.DB
		c   *server.Core
		rec *recorder
	}
	open := func(name string) *node {
		db, err := store.Open(url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		n := &node{db: db, c: loketest.CoreOn(t, db, "--node="+name), rec: &recorder{name: "telegram"}}
		n.c.Chat.AddChannel(n.rec)
		return n
	}
	a, b := open("node-a"), open("node-b")
	defer a.db.Close()
	defer b.db.Close()
	if _, err := catalog.LoadDemo(ctx, a.db); err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node{a, b} {
		if err := n.c.Catalog.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if err := n.c.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	defer b.c.Close(ctx)
	ra := loketest.Buyer(t, a.c, "duanode", 10_000_000)
	if err := a.c.Chat.SetPIN(ctx, ra.ID, "1234"); err != nil {
		t.Fatal(err)
	}
	link, err := a.c.Chat.NewLink(ctx, ra.ID)
	if err != nil {
		t.Fatal(err)
	}
	const from = "5550042"
	say := func(n *node, id, text string) {
		t.Helper()
		if err := n.c.Chat.Deliver(ctx, chat.Message{Channel: "telegram", ID: id, From: from, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	all := func() []chat.Reply { return append(a.rec.replies(from), b.rec.replies(from)...) }
	waitFor := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); len(all()) < want; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d replies of %d", len(all()), want)
			}
		}
		time.Sleep(300 * time.Millisecond) // a reply sent twice would be here by now
	}
	say(a, "link", "LINK "+link.Code)
	waitFor(1)

	// 30 orders at once, half through each node.
	const n = 30
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			via := a
			if i%2 == 1 {
				via = b
			}
			if err := via.c.Chat.Deliver(ctx, chat.Message{Channel: "telegram", ID: fmt.Sprint("m", i), From: from,
				Text: fmt.Sprintf("HSA5.0812%07d0.1234", i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	waitFor(1 + 2*n)
	check := func(replies []chat.Reply, orders int) {
		t.Helper()
		seen := map[string]int{}
		for i, r := range replies {
			if j, dup := seen[r.Text]; dup {
				t.Fatalf("sent twice (%d, %d): %q", j, i, r.Text)
			}
			seen[r.Text] = i
		}
		if len(replies) != 1+2*orders {
			t.Fatalf("%d replies, want %d", len(replies), 1+2*orders)
		}
		for i := range orders {
			target := fmt.Sprintf("0812%07d0", i)
			answer, result := -1, -1
			for j, r := range replies {
				if strings.HasPrefix(r.Text, "Diproses: HSA5 ke "+target) {
					answer = j
				}
				if strings.HasPrefix(r.Text, "SUKSES HSA5 ke "+target) {
					result = j
				}
			}
			if answer < 0 || result < answer {
				t.Fatalf("order %d: answer at %d, result at %d", i, answer, result)
			}
		}
	}
	sender, other := a, b
	if len(b.rec.replies(from)) > 0 {
		sender, other = b, a
	}
	if len(other.rec.replies(from)) != 0 {
		t.Fatalf("both nodes sent: %d and %d replies", len(a.rec.replies(from)), len(b.rec.replies(from)))
	}
	check(sender.rec.replies(from), n)

	// The sending node stops; the other takes its lease over and sends what follows.
	closeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	sender.c.Close(closeCtx)
	cancel()
	say(other, "after", "HSA5.081200000990.1234")
	for deadline := time.Now().Add(15 * time.Second); len(other.rec.replies(from)) < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after the sender stopped: %+v", other.rec.replies(from))
		}
	}
	if rs := other.rec.replies(from); !strings.HasPrefix(rs[0].Text, "Diproses: HSA5 ke 081200000990") || !strings.HasPrefix(rs[1].Text, "SUKSES") {
		t.Fatalf("after the sender stopped: %+v", rs)
	}
	if sender == a {
		b.c.Close(ctx) // deferred too; Close is idempotent
	}
}
