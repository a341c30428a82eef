// Package chat takes orders by text message: one text-command engine, independent of
// the channel, and the channels (Telegram, Jabber/XMPP; a WhatsApp or SMS gateway the
// same way) that carry text to and from it. A channel only carries text; the command
// engine reads it (Parse) and the domain's services decide.
package chat

import (
	"context"
	"sync/atomic"
	"time"
)

// Message is one text a channel received.
type Message struct {
	Channel string    // the channel's name: "telegram", "xmpp"
	ID      string    // the channel's id of the message: one message delivered twice has one id
	From    string    // the sender's address on the channel: a Telegram chat id, a bare JID
	Name    string    // the sender's display name, when the channel gives one
	Text    string    // the text as received (any bytes: the engine checks it)
	At      time.Time // when the channel says it was sent (zero: unknown)
	// Seq orders the messages a node takes, in the order it took them (Lanes.Take;
	// 0: when it is handled): a chat's last order is its last purchase taken, not the
	// last placed, as purchases of one chat run side by side.
	Seq int64
}

var lastSeq atomic.Int64

// NextSeq is a number above every one it returned before, from the clock: a message
// taken after another gets a greater one, also after a restart.
func NextSeq() int64 {
	for {
		prev, now := lastSeq.Load(), time.Now().UnixNano()
		if now <= prev {
			now = prev + 1
		}
		if lastSeq.CompareAndSwap(prev, now) {
			return now
		}
	}
}

// Reply is a message to send.
type Reply struct {
	To   string // an address on the channel (Message.From)
	Text string
	// Photo is an image to send with Text as its caption (a deposit's QRIS, PNG);
	// PhotoURL is where the same image can be fetched, for a channel that cannot
	// upload one (it sends Text and the URL).
	Photo    []byte
	PhotoURL string
}

// Channel carries text to and from one chat network. Implementations live in
// packages of their own (chat/telegram, chat/xmpp) and are registered by the server.
type Channel interface {
	// Name is the channel's name, stored with every account and message ("telegram").
	Name() string
	// Receive reads messages until ctx ends (then it returns nil) or the channel
	// fails (an error; the caller starts it again after a pause). It hands each
	// message to deliver, in order; when deliver returns an error the message was not
	// taken, and the channel gives it again later where it can (Telegram does not
	// confirm the update). deliver is idempotent per Message.ID.
	Receive(ctx context.Context, deliver func(context.Context, Message) error) error
	// Send sends one reply. An error means it may not have been sent: the caller
	// tries again later.
	Send(ctx context.Context, r Reply) error
}
