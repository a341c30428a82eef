package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Lanes: a chat's messages one after another in order, chats side by side, at most
// max at once; with hold, a failure holds back the rest of its chat's queue.
func TestLanes(t *testing.T) {
	var mu sync.Mutex
	order := map[string][]string{}
	running, most := 0, 0
	deliver := func(_ context.Context, m Message) error {
		mu.Lock()
		running++
		most = max(most, running)
		order[m.From] = append(order[m.From], m.ID)
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
		if m.Text == "fail" {
			return errors.New("database is down")
		}
		return nil
	}
	l := NewLanes(deliver, 4, true)
	ctx := context.Background()
	for i := range 10 {
		for c := range 8 {
			l.Take(ctx, Message{ID: fmt.Sprint(i), From: fmt.Sprint(c)}, nil)
		}
	}
	l.Wait()
	if most != 4 {
		t.Errorf("at most %d at once, want 4", most)
	}
	for c, ids := range order {
		for i, id := range ids {
			if id != fmt.Sprint(i) {
				t.Fatalf("chat %s out of order: %v", c, ids)
			}
		}
	}
	clear(order)
	errs := make([]error, 3)
	for i, text := range []string{"ok", "fail", "ok"} {
		l.Take(ctx, Message{ID: fmt.Sprint(i), From: "x", Text: text}, func(err error) { errs[i] = err })
	}
	l.Wait()
	if errs[0] != nil || errs[1] == nil || !errors.Is(errs[2], ErrNotTried) || len(order["x"]) != 2 {
		t.Fatalf("hold: %v, delivered %v", errs, order["x"])
	}
	// Held back until Release, other chats not.
	l.Take(ctx, Message{ID: "3", From: "x"}, func(err error) { errs[0] = err })
	l.Take(ctx, Message{ID: "0", From: "z"}, func(err error) { errs[1] = err })
	l.Wait()
	if !errors.Is(errs[0], ErrNotTried) || errs[1] != nil {
		t.Fatalf("held back: %v", errs[:2])
	}
	l.Release()
	l.Take(ctx, Message{ID: "3", From: "x"}, func(err error) { errs[0] = err })
	l.Wait()
	if errs[0] != nil {
		t.Fatalf("after Release: %v", errs[0])
	}
	// Without hold, each message is on its own.
	l = NewLanes(deliver, 4, false)
	for i, text := range []string{"fail", "ok"} {
		l.Take(ctx, Message{ID: fmt.Sprint(i), From: "y", Text: text}, func(err error) { errs[i] = err })
	}
	l.Wait()
	if errs[0] == nil || errs[1] != nil {
		t.Fatalf("without hold: %v", errs[:2])
	}
}
