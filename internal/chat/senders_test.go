package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
)

// TestSendersOneRead: a chat's messages that miss it at once wait for one read of it;
// a chat forgotten meanwhile (a PIN set, an unlink) is read anew, not joined to the
// read begun before.
func TestSendersOneRead(t *testing.T) {
	var c senders
	var reads atomic.Int32
	release := make(chan struct{})
	load := func(ctx context.Context, channel, address string) (*loket.ChatAccount, string, error) {
		n := reads.Add(1)
		if n == 1 {
			<-release // the first read is slow: the others come meanwhile
		}
		return &loket.ChatAccount{ID: int64(n), Channel: channel, Address: address}, "hash", nil
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]int64, 20)
	for i := range got {
		wg.Go(func() {
			acc, pin, err := c.get(ctx, "telegram", "1", load)
			if err != nil || pin != "hash" {
				t.Errorf("get: %v %q", err, pin)
				return
			}
			acc.Name = "changed by its caller" // each its own copy
			got[i] = acc.ID
		})
	}
	for deadline := time.Now().Add(5 * time.Second); reads.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no read began")
		}
	}
	time.Sleep(20 * time.Millisecond) // the others wait on it
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d reads for 20 messages at once, want 1", n)
	}
	for i, id := range got {
		if id != 1 {
			t.Errorf("message %d: account %d", i, id)
		}
	}
	if acc, _, _ := c.get(ctx, "telegram", "1", load); acc.ID != 1 || acc.Name != "" || reads.Load() != 1 {
		t.Fatalf("kept: %+v after %d reads", acc, reads.Load())
	}

	// Forgotten while a read is under way: the next message does not join it.
	c.forget("telegram", "1")
	release = make(chan struct{})
	reads.Store(0)
	first := make(chan int64)
	go func() {
		acc, _, _ := c.get(ctx, "telegram", "1", load)
		first <- acc.ID
	}()
	for reads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.forget("telegram", "1")
	after := make(chan int64)
	go func() {
		acc, _, _ := c.get(ctx, "telegram", "1", load)
		after <- acc.ID
	}()
	select {
	case id := <-after:
		if id != 2 {
			t.Errorf("after forget: account of read %d, want a read of its own", id)
		}
	case <-time.After(5 * time.Second):
		close(release)
		t.Fatal("after forget: the message waited for the read begun before")
	}
	close(release)
	<-first
	if acc, _, _ := c.get(ctx, "telegram", "1", load); acc.ID != 2 {
		t.Errorf("kept the read begun before the forget: account of read %d, want 2", acc.ID)
	}
	c.forgetAll()
	if acc, _, _ := c.get(ctx, "telegram", "1", load); acc.ID != 3 {
		t.Errorf("after forgetAll: account of read %d, want 3", acc.ID)
	}
}

// TestSendersReadOutlivesItsMessage: the message that began a shared read may end (its
// context cancelled) without failing the read for the others waiting on it.
func TestSendersReadOutlivesItsMessage(t *testing.T) {
	var c senders
	release := make(chan struct{})
	began := make(chan struct{})
	var readErr atomic.Value
	load := func(ctx context.Context, channel, address string) (*loket.ChatAccount, string, error) {
		close(began)
		<-release
		readErr.Store(fmt.Sprint(ctx.Err()))
		return &loket.ChatAccount{ID: 7}, "hash", ctx.Err()
	}
	first, cancel := context.WithCancel(context.Background())
	firstDone := make(chan error)
	go func() {
		_, _, err := c.get(first, "xmpp", "a@b", load)
		firstDone <- err
	}()
	<-began
	other := make(chan int64)
	go func() {
		acc, _, err := c.get(context.Background(), "xmpp", "a@b", load)
		if err != nil {
			t.Errorf("the other message: %v", err)
			other <- 0
			return
		}
		other <- acc.ID
	}()
	cancel()
	select {
	case err := <-firstDone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the message that ended: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the message that ended still waits for the read")
	}
	close(release)
	if id := <-other; id != 7 {
		t.Errorf("the other message: account %d, want 7", id)
	}
	if e := readErr.Load(); e != "<nil>" {
		t.Errorf("the shared read's context: %v, want not cancelled", e)
	}
}
