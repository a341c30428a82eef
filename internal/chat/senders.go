package chat

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/loket/loket/internal/loket"
)

// senderTTL bounds how long an unlink or a PIN set on another node takes to reach
// the node reading a chat's messages: as long as an API key's change (the resellers
// service keeps a reseller as long).
const senderTTL = 2 * time.Second

// loadTimeout bounds a read of a chat shared by its messages (senders.get).
const loadTimeout = 30 * time.Second

// senders keeps, for senderTTL, the linked chats whose messages came lately: the
// account and its reseller's PIN hash, which a message no longer reads each time. The
// reseller itself (its status, its level) comes from the resellers service, which
// keeps it the same way and forgets it when it changes on this node. A chat's messages
// are read on one node (the channel's lease), which forgets a chat when it changes it
// (a link, a wrong PIN, a right one after wrong ones) and every chat when a PIN is set
// or a chat unlinked here. A chat not linked is not kept: its link takes effect at once.
//
// A chat's messages run side by side (Lanes), so when its entry is out of date the
// messages under way all miss it at once: one of them reads the chat and the others
// wait for that read (loads), where each read it, up to 25 reads of the same rows. A
// chat forgotten is not joined to a read begun before, and such a read is not kept:
// its next message reads anew.
type senders struct {
	mu      sync.Mutex
	m       map[[2]string]sender
	gen     uint64 // counts forgetAll: a read's key has the one it began in
	forgets uint64 // counts forget and forgetAll: a read begun before one is not kept
	loads   singleflight.Group
}

type sender struct {
	acc loket.ChatAccount
	pin string
	exp time.Time
}

// get returns a chat's account (the caller's own copy) and PIN hash, read through load
// when not kept or kept too long.
func (c *senders) get(ctx context.Context, channel, address string,
	load func(ctx context.Context, channel, address string) (*loket.ChatAccount, string, error)) (*loket.ChatAccount, string, error) {
	k := [2]string{channel, address}
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[k]
	key, forgets := loadKey(c.gen, channel, address), c.forgets
	c.mu.Unlock()
	if ok && now.Before(e.exp) {
		acc := e.acc
		return &acc, e.pin, nil
	}
	// The read is shared, so it is not bound to the message that began it (whose end
	// would fail the others'), but to loadTimeout; each message waits for it as long as
	// its own context lets it.
	done := c.loads.DoChan(key, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
		defer cancel()
		acc, pin, err := load(lctx, channel, address)
		if err != nil {
			return nil, err
		}
		e := sender{acc: *acc, pin: pin, exp: time.Now().Add(senderTTL)}
		c.mu.Lock()
		if c.m == nil || len(c.m) > 100_000 { // a bound, not a policy: chats are far fewer
			c.m = map[[2]string]sender{}
		}
		if c.forgets == forgets { // else what it read may be what was forgotten
			c.m[k] = e
		}
		c.mu.Unlock()
		return e, nil
	})
	var r singleflight.Result
	select {
	case r = <-done:
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	if r.Err != nil {
		return nil, "", r.Err
	}
	e = r.Val.(sender)
	acc := e.acc
	return &acc, e.pin, nil
}

// loadKey names a read of a chat begun in generation gen.
func loadKey(gen uint64, channel, address string) string {
	return strconv.FormatUint(gen, 10) + "\x00" + channel + "\x00" + address
}

// forget drops a chat, so that its next message reads it again.
func (c *senders) forget(channel, address string) {
	c.mu.Lock()
	delete(c.m, [2]string{channel, address})
	c.loads.Forget(loadKey(c.gen, channel, address))
	c.forgets++
	c.mu.Unlock()
}

// forgetAll drops every chat.
func (c *senders) forgetAll() {
	c.mu.Lock()
	clear(c.m)
	c.gen++
	c.forgets++
	c.mu.Unlock()
}
