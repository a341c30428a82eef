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

// Lanes hands a channel's messages to deliver as they come, those of different chats
// side by side, at most max at once. Within a chat, purchases that follow one another
// go side by side too (at most max/4 of one chat, so that one chat's burst cannot take
// every place), and every other message goes alone, after the ones before it and
// before the ones after it: a status check or a balance sees the purchases sent before
// it, a PIN set or a link comes before what follows. A channel that read messages one
// at a time took one commit per message; side by side, the messages share the commits
// of their orders (the store's group commit), as the API's requests do.
//
// Purchases of one chat may so be placed, and answered, in another order than they
// were sent: each is its own order with its own ref and answer, as the API's requests
// sent at once are, and the anti double-order guard refuses the same purchase twice
// in either order.
type Lanes struct {
	deliver  func(context.Context, Message) error
	together func(Message) bool // may go beside its chat's others of the kind
	places   chan struct{}      // deliveries under way
	room     chan struct{}      // messages taken and not finished: Take waits for room
	perChat  int
	hold     bool

	mu    sync.Mutex
	chats map[string]*lane
	held  map[string]bool // with hold: the chats a message of which failed, until Release
	busy  sync.WaitGroup
}

type lane struct {
	queue   []taken
	running int
	alone   bool // the one running goes alone
}

type taken struct {
	ctx      context.Context
	m        Message
	done     func(error)
	together bool
}

// backlog is how many messages Lanes holds per place, taken and waiting for one: a
// burst of one chat waits in memory while the channel reads on to other chats.
const backlog = 16

// NewLanes makes Lanes that deliver at most max messages at once. With hold, a
// message that fails holds back its chat's later ones (ErrNotTried) until Release:
// for a channel that gives messages again (Telegram); without, each message is on
// its own (XMPP, which does not).
func NewLanes(deliver func(context.Context, Message) error, max int, hold bool) *Lanes {
	return &Lanes{deliver: deliver, together: isPurchase, places: make(chan struct{}, max),
		room: make(chan struct{}, max*backlog), perChat: (max + 3) / 4, hold: hold,
		chats: map[string]*lane{}, held: map[string]bool{}}
}

// isPurchase says whether a message reads as a purchase.
func isPurchase(m Message) bool {
	cmd, err := Parse(m.Text)
	return err == nil && cmd.Kind == CmdBuy
}

// Take hands m over to be delivered in its turn among its chat's messages; done
// (which may be nil) is called with deliver's error, or ErrNotTried, from another
// goroutine. It waits while max×backlog messages are taken and not finished, or until
// ctx ends (then done has ctx's error).
func (l *Lanes) Take(ctx context.Context, m Message, done func(error)) {
	if done == nil {
		done = func(error) {}
	}
	select {
	case l.room <- struct{}{}:
	case <-ctx.Done():
		done(ctx.Err())
		return
	}
	l.busy.Add(1)
	if m.Seq == 0 {
		m.Seq = NextSeq()
	}
	t := taken{ctx, m, done, l.together(m)}
	l.mu.Lock()
	c := l.chats[m.From]
	if c == nil {
		c = &lane{}
		l.chats[m.From] = c
	}
	c.queue = append(c.queue, t)
	l.start(m.From, c)
	l.mu.Unlock()
}

// start starts the messages of c's queue its turn lets go now. l.mu is held.
func (l *Lanes) start(from string, c *lane) {
	for len(c.queue) > 0 && !c.alone {
		t := c.queue[0]
		if t.together && c.running >= l.perChat || !t.together && c.running > 0 {
			return
		}
		c.queue = c.queue[1:]
		c.running++
		c.alone = !t.together
		go l.run(from, c, t)
	}
	if len(c.queue) == 0 && c.running == 0 {
		delete(l.chats, from)
	}
}

// run delivers t, when a place is free, and starts what its chat's queue lets go next.
func (l *Lanes) run(from string, c *lane, t taken) {
	l.mu.Lock()
	held := l.held[from]
	l.mu.Unlock()
	err := ErrNotTried
	if !held {
		select {
		case l.places <- struct{}{}:
			err = l.deliver(t.ctx, t.m)
			<-l.places
		case <-t.ctx.Done():
			err = t.ctx.Err()
		}
	}
	l.mu.Lock()
	if err != nil && l.hold {
		l.held[from] = true
	}
	c.running--
	c.alone = false
	l.start(from, c)
	l.mu.Unlock()
	t.done(err)
	<-l.room
	l.busy.Done()
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
