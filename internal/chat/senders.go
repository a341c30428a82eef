package chat

import (
	"context"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
)

// senderTTL bounds how long an unlink or a PIN set on another node takes to reach
// the node reading a chat's messages: as long as an API key's change (the resellers
// service keeps a reseller as long).
const senderTTL = 2 * time.Second

// senders keeps, for senderTTL, the linked chats whose messages came lately: the
// account and its reseller's PIN hash, which a message no longer reads each time. The
// reseller itself (its status, its level) comes from the resellers service, which
// keeps it the same way and forgets it when it changes on this node. A chat's messages
// are read on one node (the channel's lease), which forgets a chat when it changes it
// (a link, a wrong PIN, a right one after wrong ones) and every chat when a PIN is set
// or a chat unlinked here. A chat not linked is not kept: its link takes effect at once.
type senders struct {
	mu sync.Mutex
	m  map[[2]string]sender
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
	c.mu.Unlock()
	if ok && now.Before(e.exp) {
		acc := e.acc
		return &acc, e.pin, nil
	}
	acc, pin, err := load(ctx, channel, address)
	if err != nil {
		return nil, "", err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) > 100_000 { // a bound, not a policy: chats are far fewer
		c.m = map[[2]string]sender{}
	}
	c.m[k] = sender{acc: *acc, pin: pin, exp: now.Add(senderTTL)}
	c.mu.Unlock()
	return acc, pin, nil
}

// forget drops a chat, so that its next message reads it again.
func (c *senders) forget(channel, address string) {
	c.mu.Lock()
	delete(c.m, [2]string{channel, address})
	c.mu.Unlock()
}

// forgetAll drops every chat.
func (c *senders) forgetAll() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
