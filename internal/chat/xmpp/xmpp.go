// Package xmpp is the Jabber/XMPP chat channel: a bot account on any XMPP server
// (github.com/xmppo/go-xmpp) that receives resellers' orders as chat messages and
// sends the replies back. It only carries text: see package chat.
//
// What it does:
//   - Receive logs in (TLS mode per Config), announces itself available and reads
//     stanzas. Every "chat" or "normal" message with a body becomes a chat.Message
//     whose From is the sender's bare JID, lower-cased. Groupchat, error and
//     headline messages, messages without a body (receipts, chat states) and our
//     own messages are ignored.
//   - Presence subscription requests are approved, so a reseller can add the bot
//     to their roster.
//   - A XEP-0199 ping goes to the server every minute so that NATs and proxies keep
//     the idle stream open; a connection that stays silent 30 s past a ping, or where
//     the ping cannot be written, is dead and Receive returns an error.
//   - Send sends a chat message; a photo is sent as its URL on a line of its own
//     (the channel does not upload files).
//
// Message ids: Message.ID is the sender's bare JID and the stanza's id attribute
// ("budi@example.com:a1"): a stanza id is unique only among its sender's messages. A
// client that sends no id gets a unique "noid:<random>" one, so such a message can
// never be deduplicated.
// XMPP has no redelivery: a message that deliver refuses is logged and lost for the
// channel (the caller's inbox is where a message is kept until it is handled).
package xmpp

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	goxmpp "github.com/xmppo/go-xmpp"

	"github.com/loket/loket/internal/chat"
)

// The TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls" // plain TCP upgraded with STARTTLS (port 5222); the default
	TLSDirect   = "tls"      // TLS from the first byte (XEP-0368 direct TLS, often port 5223)
	TLSNone     = "none"     // no TLS, password in the clear: only for a local server
)

// Config is the bot account's configuration.
type Config struct {
	JID      string // the bot's account, "bot@example.com" (no resource)
	Password string
	// Server is "host" or "host:port" to connect to; empty: the JID's domain,
	// found through its DNS SRV record (_xmpp-client._tcp) or port 5222.
	Server string
	// TLS is "starttls" (the default), "tls" or "none" (plain, for a local server).
	TLS string
	// InsecureSkipVerify accepts any certificate (a test server's self-signed one).
	InsecureSkipVerify bool
	// Resource is the bot's resource; empty: "loket".
	Resource string
}

// Channel is the XMPP chat channel. It is safe for concurrent use: Send may be
// called while Receive runs (and only then: Send needs the connection Receive made).
type Channel struct {
	cfg    Config
	bare   string // the bot's bare JID, lower-cased
	domain string
	log    *slog.Logger

	// mu guards client and serialises every write this package makes on it.
	// go-xmpp's Client has no write lock of its own: its Send, PingC2S,
	// ApproveSubscription each format a stanza and write it with one Write call on
	// the connection. Go's net.Conn and tls.Conn serialise whole Write calls, so
	// stanzas would not interleave even without mu, but the debug writer
	// (io.MultiWriter) does not promise that, and mu also makes "not connected"
	// checks exact. Reading (Recv) has its own lock inside go-xmpp and runs in
	// Receive's reader goroutine only.
	mu     sync.Mutex
	client *goxmpp.Client
	mech   string // the SASL mechanism to log in with: "" (go-xmpp's choice) or "PLAIN"; see connect
}

var _ chat.Channel = (*Channel)(nil)

// Timings; variables so that tests can shorten them.
var (
	keepalive   = time.Minute      // how often Receive pings the server
	pingTimeout = 30 * time.Second // silence after a ping that means the connection is dead
	dialTimeout = 15 * time.Second // TCP connect
	loginWait   = 30 * time.Second // connect + TLS + SASL + bind
	closeWait   = 2 * time.Second  // how long Receive waits for the server to end the stream
)

// New checks cfg and returns the channel. It does not connect: Receive does.
func New(cfg Config, log *slog.Logger) (*Channel, error) {
	if log == nil {
		log = slog.Default()
	}
	cfg.JID = strings.TrimSpace(cfg.JID)
	if cfg.JID == "" {
		return nil, errors.New("xmpp: JID is required (the bot's account, bot@example.com)")
	}
	if strings.Contains(cfg.JID, "/") {
		return nil, fmt.Errorf("xmpp: JID %q has a resource: give the bare JID and set Resource", cfg.JID)
	}
	local, domain, ok := strings.Cut(cfg.JID, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.ContainsAny(cfg.JID, " \t\r\n'\"<>&") {
		return nil, fmt.Errorf("xmpp: JID %q is not of the form user@domain", cfg.JID)
	}
	if cfg.Password == "" {
		return nil, errors.New("xmpp: Password is required")
	}
	switch cfg.TLS = strings.ToLower(strings.TrimSpace(cfg.TLS)); cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSDirect, TLSNone:
	default:
		return nil, fmt.Errorf("xmpp: TLS %q is not one of %q, %q, %q", cfg.TLS, TLSStartTLS, TLSDirect, TLSNone)
	}
	cfg.Server = strings.TrimSpace(cfg.Server)
	if cfg.Server != "" {
		if strings.Contains(cfg.Server, "://") || strings.ContainsAny(cfg.Server, "/ ") {
			return nil, fmt.Errorf("xmpp: Server %q is not host or host:port", cfg.Server)
		}
		if strings.Contains(cfg.Server, ":") {
			host, port, err := net.SplitHostPort(cfg.Server)
			if err != nil {
				return nil, fmt.Errorf("xmpp: Server %q is not host or host:port: %v", cfg.Server, err)
			}
			if n, err := strconv.Atoi(port); host == "" || err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("xmpp: Server %q: bad host or port", cfg.Server)
			}
		}
	}
	if cfg.Resource == "" {
		cfg.Resource = "loket"
	}
	if strings.ContainsAny(cfg.Resource, "'\"<>&") {
		return nil, fmt.Errorf("xmpp: Resource %q has characters a resource cannot hold here", cfg.Resource)
	}
	return &Channel{
		cfg:    cfg,
		bare:   strings.ToLower(cfg.JID),
		domain: strings.ToLower(domain),
		log:    log.With("channel", "xmpp", "jid", cfg.JID),
	}, nil
}

// Name is "xmpp".
func (c *Channel) Name() string { return "xmpp" }

func (c *Channel) options() goxmpp.Options {
	return goxmpp.Options{
		Host:        c.cfg.Server,
		User:        c.cfg.JID,
		Password:    c.cfg.Password,
		Resource:    c.cfg.Resource,
		DialTimeout: dialTimeout,
		// "tls" dials TLS directly; the other two start in the clear.
		NoTLS: c.cfg.TLS != TLSDirect,
		// "starttls" refuses a server that does not offer STARTTLS.
		StartTLS: c.cfg.TLS == TLSStartTLS,
		// "none" does not ask for STARTTLS (go-xmpp still does it when the
		// server requires it) and lets PLAIN go over the plain stream.
		InsecureAllowUnencryptedAuth: c.cfg.TLS == TLSNone,
		// The certificate must name the JID's domain (RFC 6120 13.7.2.1), not
		// the host we happen to connect to.
		TLSConfig: &tls.Config{
			ServerName:         c.domain,
			InsecureSkipVerify: c.cfg.InsecureSkipVerify,
			MinVersion:         tls.VersionTLS12,
		},
		// go-xmpp's own periodic pings are off: they write without a lock and
		// close the connection from their goroutine; Receive pings itself.
		PeriodicServerPings: false,
	}
}

// connect logs in, giving up when ctx ends (the login itself takes no context).
//
// Over TLS it lets go-xmpp choose the SASL mechanism (SCRAM-SHA-*-PLUS with
// channel binding when the server offers it), and when that login is refused it
// tries once more with PLAIN: go-xmpp v0.4.1's SCRAM *without* channel binding
// sends the GS2 header "y,," in its first message but "c=biws" ("n,,") in its
// last, which a server that checks it refuses (Prosody 0.12 over TLS 1.3, where it
// offers no -PLUS mechanism: "Invalid channel binding value"). PLAIN inside TLS is
// what most clients use. Without TLS ("none", a local server) it is PLAIN from the
// start: SCRAM there would hit the same bug and protect nothing. Once PLAIN
// worked where the first choice was refused, later logins start with PLAIN.
func (c *Channel) connect(ctx context.Context) (*goxmpp.Client, error) {
	c.mu.Lock()
	mech := c.mech
	c.mu.Unlock()
	if c.cfg.TLS == TLSNone {
		mech = "PLAIN"
	}
	cl, err := c.login(ctx, mech)
	if err == nil || mech != "" || ctx.Err() != nil || !strings.HasPrefix(err.Error(), "auth failure") {
		return cl, err
	}
	cl, err2 := c.login(ctx, "PLAIN")
	if err2 != nil {
		return nil, fmt.Errorf("%w; with PLAIN: %v", err, err2)
	}
	c.log.Warn("xmpp: the server refused go-xmpp's choice of SASL mechanism but took PLAIN: using PLAIN from now on", "refused", err)
	c.mu.Lock()
	c.mech = "PLAIN"
	c.mu.Unlock()
	return cl, nil
}

// login connects and authenticates with the SASL mechanism mech ("": the best
// the server offers), giving up after loginWait or when ctx ends.
func (c *Channel) login(ctx context.Context, mech string) (*goxmpp.Client, error) {
	type result struct {
		cl  *goxmpp.Client
		err error
	}
	res := make(chan result, 1)
	opts := c.options()
	opts.Mechanism = mech
	go func() {
		cl, err := opts.NewClient()
		res <- result{cl, err}
	}()
	timer := time.NewTimer(loginWait)
	defer timer.Stop()
	abandon := func() {
		go func() { // close a login that finishes after all
			if r := <-res; r.err == nil {
				r.cl.Close()
			}
		}()
	}
	select {
	case r := <-res:
		return r.cl, r.err
	case <-ctx.Done():
		abandon()
		return nil, ctx.Err()
	case <-timer.C:
		abandon()
		return nil, fmt.Errorf("login took longer than %v", loginWait)
	}
}

// maxTaking bounds the messages delivered at once (chat.Lanes).
const maxTaking = 100

// Receive connects and reads messages until ctx ends (nil) or the connection fails
// (an error: the caller starts Receive again after a pause). Messages are handed to
// deliver side by side across chats, each chat's in its turn (chat.Lanes), and Receive
// returns once those under way are done. XMPP has no redelivery: when deliver returns
// an error the message is logged and dropped here — keeping it is the caller's
// inbox's job.
func (c *Channel) Receive(ctx context.Context, deliver func(context.Context, chat.Message) error) error {
	client, err := c.connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("xmpp: connect as %s: %w", c.cfg.JID, err)
	}
	c.mu.Lock()
	if c.client != nil {
		c.mu.Unlock()
		go client.Close()
		return errors.New("xmpp: Receive is already running")
	}
	c.client = client
	c.mu.Unlock()
	// go-xmpp announced us available at the end of the login (an initial
	// <presence/>), so contacts see the bot online and the server routes chat
	// messages to this resource.
	c.log.Info("xmpp: connected", "server", c.cfg.Server, "tls", c.cfg.TLS)

	lanes := chat.NewLanes(deliver, maxTaking, false)
	defer lanes.Wait()
	stanzas := make(chan any)
	readErr := make(chan error, 1)
	done := make(chan struct{})       // Receive is returning
	readerExit := make(chan struct{}) // the reader no longer uses client
	go func() {
		defer close(readerExit)
		for {
			st, err := client.Recv()
			if err != nil {
				readErr <- err
				return
			}
			select {
			case stanzas <- st:
			case <-done:
				return
			}
		}
	}()

	// How Receive ends the stream: "polite" (ctx ended) sends the end of our
	// stream and waits for the server's, which ends the reader; "read failed"
	// has no reader left; "dead" (pings unanswered) expects no answer.
	const (
		polite = iota
		readFailed
		dead
	)
	end := polite
	defer func() {
		close(done)
		c.mu.Lock()
		c.client = nil
		if end == polite {
			client.SendOrg("</stream:stream>")
		}
		c.mu.Unlock()
		if end == polite {
			select {
			case <-readerExit:
			case <-time.After(closeWait):
			}
		}
		// Close reads up to the server's end of stream, giving up after 10 s by
		// closing the socket: do not make the caller wait for it. go-xmpp's
		// reads are not safe for concurrent use, so it runs once the reader is
		// gone, except when the server does not answer (closeWait passed, or
		// the connection is dead): then Close is the only way to the socket,
		// and its closing the socket is what ends the reader.
		go client.Close()
	}()

	// A ping goes out every keepalive; the server answers each. Nothing read for
	// keepalive+pingTimeout means a dead connection that TCP has not noticed (a
	// NAT that dropped it, a peer that vanished): Receive ends with an error.
	tick := time.NewTicker(keepalive)
	defer tick.Stop()
	lastRead := time.Now()
	for {
		select {
		case <-ctx.Done():
			c.log.Info("xmpp: disconnecting")
			return nil
		case err := <-readErr:
			end = readFailed
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("xmpp: connection lost: %w", err)
		case <-tick.C:
			if silent := time.Since(lastRead); silent > keepalive+pingTimeout {
				end = dead
				return fmt.Errorf("xmpp: connection dead: nothing from the server for %v, pings unanswered", silent.Round(time.Millisecond))
			}
			c.mu.Lock()
			err := client.PingC2S("", "")
			c.mu.Unlock()
			if err != nil {
				return fmt.Errorf("xmpp: keepalive ping: %w", err)
			}
		case st := <-stanzas:
			c.handle(ctx, client, st, lanes)
			lastRead = time.Now() // after a wait for a place: a slow deliver is not the server's silence
		}
	}
}

// handle acts on one stanza go-xmpp read.
func (c *Channel) handle(ctx context.Context, client *goxmpp.Client, st any, lanes *chat.Lanes) {
	switch v := st.(type) {
	case goxmpp.Chat:
		msg, ok := c.message(v)
		if !ok {
			return
		}
		lanes.Take(ctx, msg, func(err error) {
			if err != nil {
				// No redelivery in XMPP: log it; the caller's inbox decides.
				c.log.Error("xmpp: message not taken", "from", msg.From, "id", msg.ID, "err", err)
			}
		})
	case goxmpp.IQ:
		// the answers to our pings, and whatever go-xmpp did not answer itself
		c.log.Debug("xmpp: iq", "type", v.Type, "id", v.ID, "from", v.From)
	case goxmpp.Presence:
		if v.Type != "subscribe" {
			return
		}
		from := bareJID(v.From)
		if from == "" || from == c.bare {
			return
		}
		c.mu.Lock()
		client.ApproveSubscription(from) // go-xmpp returns no error: a failed write shows up in Recv
		c.mu.Unlock()
		c.log.Info("xmpp: subscription approved", "from", from)
	}
}

// message turns a go-xmpp Chat into a chat.Message; ok is false for what the
// channel ignores.
func (c *Channel) message(v goxmpp.Chat) (chat.Message, bool) {
	switch v.Type {
	case "chat", "normal", "": // no type is "normal" (RFC 6121 5.2.2)
	default: // groupchat, headline, error; "roster" is go-xmpp's roster push
		return chat.Message{}, false
	}
	if strings.TrimSpace(v.Text) == "" { // receipts, chat states, read markers
		return chat.Message{}, false
	}
	from := bareJID(v.Remote)
	if from == "" || from == c.bare || !strings.Contains(from, "@") {
		// our own message (a carbon, a message to ourselves) or one from the
		// server or a component (an announcement): no reseller sent it
		return chat.Message{}, false
	}
	// A stanza id is the sender's choice, unique only among its own messages (clients
	// that count 1, 2, 3… are common): the sender's bare JID makes it the channel's.
	id := from + ":" + v.ID
	if v.ID == "" {
		id = "noid:" + randomID()
	}
	at := v.Stamp // XEP-0203 delay (an offline message), when the server adds one
	if at.IsZero() {
		at = time.Now()
	}
	return chat.Message{Channel: "xmpp", ID: id, From: from, Text: v.Text, At: at}, true
}

// Send sends r as a chat message to r.To. It needs the connection Receive holds:
// when Receive is not connected it returns an error (the caller retries later).
// A photo is sent as its URL (r.PhotoURL) on the last line; r.Photo is not sent.
func (c *Channel) Send(ctx context.Context, r chat.Reply) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	to := strings.TrimSpace(r.To)
	if to == "" {
		return errors.New("xmpp: reply has no recipient")
	}
	text := r.Text
	if r.PhotoURL != "" {
		text += "\n" + r.PhotoURL
	}
	if strings.TrimSpace(text) == "" {
		return errors.New("xmpp: empty reply")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		return errors.New("xmpp: not connected")
	}
	// go-xmpp gives the stanza a fresh id (and XEP-0359 origin-id).
	if _, _, err := c.client.Send(goxmpp.Chat{Remote: to, Type: "chat", Text: text}); err != nil {
		return fmt.Errorf("xmpp: send to %s: %w", to, err)
	}
	return nil
}

// bareJID is jid without its resource, lower-cased ("Budi@Example.com/phone" →
// "budi@example.com").
func bareJID(jid string) string {
	jid, _, _ = strings.Cut(strings.TrimSpace(jid), "/")
	return strings.ToLower(jid)
}

func randomID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
