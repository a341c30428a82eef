package chat

import (
	"context"
	"errors"
	"sync"
)

// ErrNotTried is the outcome of a message Lanes held back because one before it of
// the same chat failed (Lanes made with hold): a channel that gives messages again
// gives both, after Release, and a chat's messages are not taken out of order.
var ErrNotTried = errors.New("chat: not tried: an earlier message of its chat was not taken")

// Lanes hands a channel's messages to deliver as they come: those of one chat one
// after another, in the order given, those of different chats side by side, at most
// max at once (Take waits for a place). A channel that read messages one at a time
// took one commit per message; side by side, the messages of many chats share the
// commits of their orders (the store's group commit), as the API's requests do.
type Lanes struct {
	deliver func(context.Context, Message) error
	places  chan struct{}
	hold    bool

	mu    sync.Mutex
	chats map[string]*lane
	held  map[string]bool // with hold: the chats a message of which failed, until Release
	busy  sync.WaitGroup
}

type lane struct {
	queue []taken
}

type taken struct {
	ctx  context.Context
	m    Message
	done func(error)
}

// NewLanes makes Lanes that deliver at most max messages at once. With hold, a
// message that fails holds back its chat's later ones (ErrNotTried) until Release:
// for a channel that gives messages again (Telegram); without, each message is on
// its own (XMPP, which does not).
func NewLanes(deliver func(context.Context, Message) error, max int, hold bool) *Lanes {
	return &Lanes{deliver: deliver, places: make(chan struct{}, max), hold: hold, chats: map[string]*lane{}, held: map[string]bool{}}
}

// Take hands m over to be delivered after the messages of its chat taken before it;
// done (which may be nil) is called with deliver's error, or ErrNotTried, from another
// goroutine. It waits while max messages are under way, or until ctx ends (then done
// has ctx's error).
func (l *Lanes) Take(ctx context.Context, m Message, done func(error)) {
	if done == nil {
		done = func(error) {}
	}
	select {
	case l.places <- struct{}{}:
	case <-ctx.Done():
		done(ctx.Err())
		return
	}
	l.busy.Add(1)
	l.mu.Lock()
	c := l.chats[m.From]
	if c != nil {
		c.queue = append(c.queue, taken{ctx, m, done})
		l.mu.Unlock()
		return
	}
	c = &lane{queue: []taken{{ctx, m, done}}}
	l.chats[m.From] = c
	l.mu.Unlock()
	go l.run(m.From, c)
}

// run delivers a chat's messages until none is left.
func (l *Lanes) run(from string, c *lane) {
	for {
		l.mu.Lock()
		if len(c.queue) == 0 {
			delete(l.chats, from)
			l.mu.Unlock()
			return
		}
		t := c.queue[0]
		c.queue = c.queue[1:]
		held := l.held[from]
		l.mu.Unlock()
		err := ErrNotTried
		if !held {
			err = l.deliver(t.ctx, t.m)
		}
		if err != nil && l.hold {
			l.mu.Lock()
			l.held[from] = true
			l.mu.Unlock()
		}
		t.done(err)
		<-l.places
		l.busy.Done()
	}
}

// Wait waits until every message taken so far was delivered or failed.
func (l *Lanes) Wait() {
	l.busy.Wait()
}

// Release lets the chats held back be tried again: the channel gives their messages
// again from the first that failed.
func (l *Lanes) Release() {
	l.mu.Lock()
	clear(l.held)
	l.mu.Unlock()
}
