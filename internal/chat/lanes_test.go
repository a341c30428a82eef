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

// Lanes: a chat's purchases go side by side (at most max/4), every other message of
// it alone and in its place; one chat's burst does not hold the others back.
func TestLanesPurchases(t *testing.T) {
	var mu sync.Mutex
	var log []string // "+id" started, "-id" finished
	running := map[string]int{}
	most := map[string]int{}
	deliver := func(_ context.Context, m Message) error {
		mu.Lock()
		running[m.From]++
		most[m.From] = max(most[m.From], running[m.From])
		log = append(log, "+"+m.From+m.ID)
		mu.Unlock()
		time.Sleep(3 * time.Millisecond)
		mu.Lock()
		running[m.From]--
		log = append(log, "-"+m.From+m.ID)
		mu.Unlock()
		return nil
	}
	l := NewLanes(deliver, 8, false)
	ctx := context.Background()
	for i := range 12 {
		l.Take(ctx, Message{ID: fmt.Sprint(i), From: "a", Text: fmt.Sprintf("HSA5.0812345678%02d.1234", i)}, nil)
	}
	l.Take(ctx, Message{ID: "sal", From: "a", Text: "SAL.1234"}, nil)
	for i := 12; i < 16; i++ {
		l.Take(ctx, Message{ID: fmt.Sprint(i), From: "a", Text: fmt.Sprintf("2.HSA5.0812345678%02d.1234", i)}, nil)
	}
	l.Wait()
	if most["a"] != 2 {
		t.Errorf("a chat's purchases: at most %d at once, want 2 (max/4)", most["a"])
	}
	at := map[string]int{}
	for i, e := range log {
		at[e] = i
	}
	for i := range 12 {
		if at[fmt.Sprintf("-a%d", i)] > at["+asal"] {
			t.Errorf("the balance started before purchase %d finished: %v", i, log)
		}
	}
	for i := 12; i < 16; i++ {
		if at[fmt.Sprintf("+a%d", i)] < at["-asal"] {
			t.Errorf("purchase %d started before the balance finished: %v", i, log)
		}
	}
	// A burst of one chat, then one message of another: it goes at once.
	log = nil
	for i := range 60 {
		l.Take(ctx, Message{ID: fmt.Sprint(i), From: "b", Text: fmt.Sprintf("HSA5.0812345678%02d.1234", i)}, nil)
	}
	l.Take(ctx, Message{ID: "0", From: "c", Text: "HSA5.081234567890.1234"}, nil)
	l.Wait()
	for i, e := range log {
		if e == "-c0" && i > len(log)/2 {
			t.Errorf("another chat's message waited for the burst: finished %d of %d", i, len(log))
		}
	}
}
