package xmpp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goxmpp "github.com/xmppo/go-xmpp"

	"github.com/loket/loket/internal/chat"
	"github.com/loket/loket/internal/chat/xmpp/xmpptest"
)

func TestNewValidatesConfig(t *testing.T) {
	ok := Config{JID: "bot@example.com", Password: "pw"}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // a part of the error; "" = no error
	}{
		{"minimal", func(*Config) {}, ""},
		{"all set", func(c *Config) { c.Server = "xmpp.example.com:5223"; c.TLS = "TLS"; c.Resource = "r" }, ""},
		{"host only", func(c *Config) { c.Server = "xmpp.example.com"; c.TLS = "none" }, ""},
		{"ipv6", func(c *Config) { c.Server = "[::1]:5222" }, ""},
		{"no jid", func(c *Config) { c.JID = " " }, "JID is required"},
		{"no domain", func(c *Config) { c.JID = "bot" }, "user@domain"},
		{"no local", func(c *Config) { c.JID = "@example.com" }, "user@domain"},
		{"two at", func(c *Config) { c.JID = "a@b@c" }, "user@domain"},
		{"resource", func(c *Config) { c.JID = "bot@example.com/x" }, "has a resource"},
		{"no password", func(c *Config) { c.Password = "" }, "Password is required"},
		{"bad tls", func(c *Config) { c.TLS = "ssl" }, "not one of"},
		{"url server", func(c *Config) { c.Server = "xmpp://example.com" }, "host or host:port"},
		{"bad port", func(c *Config) { c.Server = "example.com:x" }, "bad host or port"},
		{"port range", func(c *Config) { c.Server = "example.com:70000" }, "bad host or port"},
		{"no host", func(c *Config) { c.Server = ":5222" }, "bad host or port"},
		{"bad resource", func(c *Config) { c.Resource = "a'b" }, "Resource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			ch, err := New(cfg, nil)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if ch.Name() != "xmpp" {
					t.Errorf("Name = %q", ch.Name())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: err = %v, want one with %q", err, tc.want)
			}
		})
	}
	ch, _ := New(ok, nil)
	if ch.cfg.TLS != TLSStartTLS || ch.cfg.Resource != "loket" {
		t.Errorf("defaults: TLS %q, Resource %q", ch.cfg.TLS, ch.cfg.Resource)
	}
	if err := ch.Send(context.Background(), chat.Reply{To: "a@b", Text: "x"}); err == nil || !strings.Contains(err.Error(), "not connected") {
		t.Errorf("Send before Receive: %v, want not connected", err)
	}
}

func TestMessageMapping(t *testing.T) {
	ch, err := New(Config{JID: "Bot@Example.com", Password: "pw"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m, ok := ch.message(goxmpp.Chat{Remote: "Budi@Example.com/Phone", Type: "chat", Text: "saldo", ID: "a1", Stamp: stamp})
	if !ok || m != (chat.Message{Channel: "xmpp", ID: "budi@example.com:a1", From: "budi@example.com", Text: "saldo", At: stamp}) {
		t.Errorf("message = %+v, %v", m, ok)
	}
	m, ok = ch.message(goxmpp.Chat{Remote: "budi@example.com", Text: "x"})
	if !ok || !strings.HasPrefix(m.ID, "noid:") || m.At.IsZero() {
		t.Errorf("no id, no type: %+v, %v", m, ok)
	}
	for _, v := range []goxmpp.Chat{
		{Remote: "budi@example.com", Type: "groupchat", Text: "x"},
		{Remote: "budi@example.com", Type: "error", Text: "x"},
		{Remote: "budi@example.com", Type: "headline", Text: "x"},
		{Remote: "budi@example.com", Type: "chat", Text: " \n"},
		{Remote: "bot@example.com/other", Type: "chat", Text: "x"},
		{Remote: "example.com", Type: "chat", Text: "announcement"},
		{Type: "roster"},
	} {
		if m, ok := ch.message(v); ok {
			t.Errorf("%+v delivered as %+v", v, m)
		}
	}
}

func testLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// iqCounter counts the channel's "xmpp: iq" log records: the server's answers to
// the keepalive pings.
type iqCounter struct {
	h slog.Handler
	n *atomic.Int64
}

func (c *iqCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *iqCounter) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "xmpp: iq" {
		c.n.Add(1)
	}
	if c.h.Enabled(ctx, r.Level) {
		return c.h.Handle(ctx, r)
	}
	return nil
}
func (c *iqCounter) WithAttrs(a []slog.Attr) slog.Handler {
	return &iqCounter{h: c.h.WithAttrs(a), n: c.n}
}
func (c *iqCounter) WithGroup(g string) slog.Handler { return &iqCounter{h: c.h.WithGroup(g), n: c.n} }

func nextMessage(t *testing.T, in <-chan chat.Message) chat.Message {
	t.Helper()
	select {
	case m := <-in:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("Receive delivered nothing in 5 s")
		return chat.Message{}
	}
}

// waitConnected waits until Receive holds a connection.
func waitConnected(t *testing.T, ch *Channel, recvErr <-chan error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ch.mu.Lock()
		ok := ch.client != nil
		ch.mu.Unlock()
		if ok {
			return
		}
		select {
		case err := <-recvErr:
			t.Fatalf("Receive returned before connecting: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("Receive did not connect in 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAgainstProsody(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.WithUser("bot", "botpass"), xmpptest.WithUser("budi", "budipass"), xmpptest.WithUser("sari", "saripass"))
	// ping the server all the time, so that pings cross Sends and messages
	defer func(k time.Duration) { keepalive = k }(keepalive)
	keepalive = 10 * time.Millisecond
	iqs := &iqCounter{h: testLog().Handler(), n: new(atomic.Int64)}
	ch, err := New(Config{JID: "bot@localhost", Password: "botpass", Server: srv.Addr, TLS: "none"}, slog.New(iqs))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan chat.Message, 64)
	release := make(chan struct{}) // "hold" waits for "release", from another chat
	deliver := func(ctx context.Context, m chat.Message) error {
		switch m.Text {
		case "hold":
			select {
			case <-release:
			case <-time.After(5 * time.Second):
			}
		case "release":
			got <- m
			close(release)
			return nil
		}
		got <- m
		if m.Text == "refuse me" {
			return errors.New("inbox full") // logged; Receive goes on
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	recvErr := make(chan error, 1)
	go func() { recvErr <- ch.Receive(ctx, deliver) }()
	waitConnected(t, ch, recvErr)

	budi := srv.Dial(t, "budi@localhost", "budipass")

	t.Run("subscription is approved", func(t *testing.T) {
		// Prosody tells only "interested" resources (those that fetched the
		// roster) about "subscribed"; after it, the bot's presence reaches budi.
		if err := budi.XMPP.Roster(); err != nil {
			t.Fatal(err)
		}
		budi.XMPP.RequestSubscription("bot@localhost")
		deadline := time.After(5 * time.Second)
		for {
			select {
			case p := <-budi.Presence:
				if (p.Type == "subscribed" || p.Type == "") && bareJID(p.From) == "bot@localhost" {
					return
				}
			case <-deadline:
				t.Fatal("the bot did not approve budi's subscription in 5 s")
			}
		}
	})

	send := func(stanza string) {
		t.Helper()
		if _, err := budi.XMPP.SendOrg(stanza); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("message with an id", func(t *testing.T) {
		send(`<message to='bot@localhost' type='chat' id='order-1'><body>T10.081234567890.1234</body></message>`)
		m := nextMessage(t, got)
		if m.Channel != "xmpp" || m.ID != "budi@localhost:order-1" || m.From != "budi@localhost" || m.Text != "T10.081234567890.1234" || m.Name != "" {
			t.Errorf("got %+v", m)
		}
		if d := time.Since(m.At); d < 0 || d > 10*time.Second {
			t.Errorf("At = %v, want about now", m.At)
		}
	})

	t.Run("chats side by side, each in order, ids apart", func(t *testing.T) {
		// budi's "hold" waits for sari's "release", sent after it: taken one at a time,
		// "hold" would wait its 5 s out first. budi's next message waits for "hold".
		send(`<message to='bot@localhost' type='chat' id='h-1'><body>hold</body></message>`)
		send(`<message to='bot@localhost' type='chat' id='h-2'><body>after hold</body></message>`)
		sari := srv.Dial(t, "sari@localhost", "saripass")
		start := time.Now()
		// sari's client chose the id budi's did: the ids of two senders stay apart.
		if _, err := sari.XMPP.SendOrg(`<message to='bot@localhost' type='chat' id='h-1'><body>release</body></message>`); err != nil {
			t.Fatal(err)
		}
		var order, ids []string
		for range 3 {
			m := nextMessage(t, got)
			order, ids = append(order, m.Text), append(ids, m.ID)
		}
		if !slices.Equal(ids, []string{"sari@localhost:h-1", "budi@localhost:h-1", "budi@localhost:h-2"}) {
			t.Errorf("ids %q", ids)
		}
		if want := []string{"release", "hold", "after hold"}; !slices.Equal(order, want) {
			t.Errorf("taken %q in %v, want %q", order, time.Since(start), want)
		}
	})

	t.Run("ignored stanzas", func(t *testing.T) {
		send(`<message to='bot@localhost' type='chat' id='cs-1'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`)
		send(`<message to='bot@localhost' type='chat' id='rc-1'><received xmlns='urn:xmpp:receipts' id='x'/></message>`)
		send(`<message to='bot@localhost' type='headline' id='hl-1'><body>news</body></message>`)
		send(`<message to='bot@localhost' type='chat'><body>no id</body></message>`)
		m := nextMessage(t, got)
		if !strings.HasPrefix(m.ID, "noid:") || m.Text != "no id" {
			t.Errorf("after the ignored stanzas got %+v, want the message without an id", m)
		}
	})

	t.Run("same id twice is delivered twice", func(t *testing.T) {
		send(`<message to='bot@localhost' type='chat' id='dup-1'><body>refuse me</body></message>`)
		send(`<message to='bot@localhost' type='normal' id='dup-1'><body>refuse me</body></message>`)
		a, b := nextMessage(t, got), nextMessage(t, got)
		if a.ID != "budi@localhost:dup-1" || b.ID != a.ID {
			t.Errorf("ids %q, %q; want budi@localhost:dup-1 twice", a.ID, b.ID)
		}
	})

	t.Run("send reaches budi", func(t *testing.T) {
		if err := ch.Send(ctx, chat.Reply{To: "budi@localhost", Text: "Saldo Rp 100.000 <ok> & 'done'"}); err != nil {
			t.Fatal(err)
		}
		m := budi.NextChat(t, 5*time.Second)
		if m.Text != "Saldo Rp 100.000 <ok> & 'done'" || bareJID(m.Remote) != "bot@localhost" || m.Type != "chat" {
			t.Errorf("budi got %+v", m)
		}
	})

	t.Run("photo goes as its URL", func(t *testing.T) {
		r := chat.Reply{To: "budi@localhost", Text: "Bayar dengan QRIS", Photo: []byte("\x89PNG"), PhotoURL: "https://loket.example/qr/D1.png"}
		if err := ch.Send(ctx, r); err != nil {
			t.Fatal(err)
		}
		if m := budi.NextChat(t, 5*time.Second); m.Text != "Bayar dengan QRIS\nhttps://loket.example/qr/D1.png" {
			t.Errorf("budi got %q", m.Text)
		}
	})

	t.Run("concurrent sends", func(t *testing.T) {
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if err := ch.Send(ctx, chat.Reply{To: "budi@localhost", Text: fmt.Sprintf("reply %d", i)}); err != nil {
					t.Error(err)
				}
			})
		}
		// meanwhile budi writes to the bot, so Receive reads as Send writes
		send(`<message to='bot@localhost' type='chat' id='during'><body>during</body></message>`)
		wg.Wait()
		seen := map[string]bool{}
		for range n {
			seen[budi.NextChat(t, 5*time.Second).Text] = true
		}
		if len(seen) != n {
			t.Errorf("budi got %d distinct replies, want %d", len(seen), n)
		}
		if m := nextMessage(t, got); m.ID != "budi@localhost:during" {
			t.Errorf("got %+v", m)
		}
	})

	t.Run("keepalive pings are answered", func(t *testing.T) {
		deadline := time.Now().Add(5 * time.Second)
		for iqs.n.Load() < 3 {
			if time.Now().After(deadline) {
				t.Fatalf("%d answers to the keepalive pings in 5 s", iqs.n.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
	})

	t.Run("cancel ends Receive with nil", func(t *testing.T) {
		cancel()
		select {
		case err := <-recvErr:
			if err != nil {
				t.Errorf("Receive = %v, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Receive did not return in 5 s after cancel")
		}
		if err := ch.Send(context.Background(), chat.Reply{To: "budi@localhost", Text: "late"}); err == nil {
			t.Error("Send after Receive ended: no error")
		}
	})

	t.Run("server going away fails Receive", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		recvErr := make(chan error, 1)
		go func() { recvErr <- ch.Receive(ctx, deliver) }()
		waitConnected(t, ch, recvErr)
		srv.Stop()
		select {
		case err := <-recvErr:
			if err == nil {
				t.Error("Receive = nil after the server died, want an error")
			} else {
				t.Logf("Receive: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Receive did not return in 5 s after the server died")
		}
		// and connecting to no server fails fast too
		if err := ch.Receive(ctx, deliver); err == nil {
			t.Error("Receive with no server = nil, want an error")
		}
	})
}

// TestTLSAgainstProsody logs in with STARTTLS and with direct TLS, against a
// self-signed certificate (InsecureSkipVerify), and refuses that certificate
// without it.
func TestTLSAgainstProsody(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.WithTLS(), xmpptest.WithUser("bot", "botpass"), xmpptest.WithUser("budi", "budipass"))
	budi := srv.Dial(t, "budi@localhost", "budipass")
	for _, tc := range []struct {
		mode, addr string
	}{
		{"", srv.Addr}, // the default: STARTTLS
		{"tls", srv.TLSAddr},
	} {
		t.Run("mode "+tc.mode, func(t *testing.T) {
			ch, err := New(Config{JID: "bot@localhost", Password: "botpass", Server: tc.addr, TLS: tc.mode, InsecureSkipVerify: true}, testLog())
			if err != nil {
				t.Fatal(err)
			}
			got := make(chan chat.Message, 8)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			recvErr := make(chan error, 1)
			go func() {
				recvErr <- ch.Receive(ctx, func(_ context.Context, m chat.Message) error { got <- m; return nil })
			}()
			waitConnected(t, ch, recvErr)
			if !ch.client.IsEncrypted() {
				t.Error("connected without TLS")
			}
			id := "tls-" + tc.mode
			// to the bot's resource: the server may not have seen its
			// presence yet, and a message to the bare JID would find no
			// available resource (no offline storage here)
			if _, err := budi.XMPP.SendOrg("<message to='bot@localhost/loket' type='chat' id='" + id + "'><body>cek</body></message>"); err != nil {
				t.Fatal(err)
			}
			if m := nextMessage(t, got); m.ID != "budi@localhost:"+id || m.From != "budi@localhost" {
				t.Errorf("got %+v", m)
			}
			if err := ch.Send(ctx, chat.Reply{To: "budi@localhost", Text: "ok " + id}); err != nil {
				t.Fatal(err)
			}
			if m := budi.NextChat(t, 5*time.Second); m.Text != "ok "+id {
				t.Errorf("budi got %q", m.Text)
			}
			cancel()
			if err := <-recvErr; err != nil {
				t.Errorf("Receive = %v", err)
			}

			// the same without InsecureSkipVerify: the self-signed certificate is refused
			ch, err = New(Config{JID: "bot@localhost", Password: "botpass", Server: tc.addr, TLS: tc.mode}, testLog())
			if err != nil {
				t.Fatal(err)
			}
			err = ch.Receive(context.Background(), func(context.Context, chat.Message) error { return nil })
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("Receive with an untrusted certificate = %v, want a certificate error", err)
			}
		})
	}
	t.Run("starttls refuses a server without it", func(t *testing.T) {
		plain := xmpptest.Start(t, xmpptest.WithUser("bot", "botpass"))
		ch, err := New(Config{JID: "bot@localhost", Password: "botpass", Server: plain.Addr}, testLog())
		if err != nil {
			t.Fatal(err)
		}
		err = ch.Receive(context.Background(), func(context.Context, chat.Message) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "StartTLS") {
			t.Errorf("Receive = %v, want a StartTLS error", err)
		}
	})
}

// TestSilentServer: a connection that goes quiet without closing (a NAT that
// dropped it) ends Receive with an error once the pings go unanswered.
func TestSilentServer(t *testing.T) {
	srv := xmpptest.Start(t, xmpptest.WithUser("bot", "botpass"))
	px := startFreezer(t, srv.Addr)
	defer func(k, p time.Duration) { keepalive, pingTimeout = k, p }(keepalive, pingTimeout)
	keepalive, pingTimeout = 50*time.Millisecond, 200*time.Millisecond
	ch, err := New(Config{JID: "bot@localhost", Password: "botpass", Server: px.addr, TLS: "none"}, testLog())
	if err != nil {
		t.Fatal(err)
	}
	recvErr := make(chan error, 1)
	go func() {
		recvErr <- ch.Receive(context.Background(), func(context.Context, chat.Message) error { return nil })
	}()
	waitConnected(t, ch, recvErr)
	time.Sleep(4 * keepalive) // answered pings keep it alive
	select {
	case err := <-recvErr:
		t.Fatalf("Receive ended while the server answered: %v", err)
	default:
	}
	px.frozen.Store(true)
	start := time.Now()
	select {
	case err := <-recvErr:
		if err == nil || !strings.Contains(err.Error(), "dead") {
			t.Errorf("Receive = %v, want a dead connection error", err)
		}
		t.Logf("Receive after %v: %v", time.Since(start).Round(time.Millisecond), err)
	case <-time.After(5 * time.Second):
		t.Fatal("Receive did not notice the silent server in 5 s")
	}
}

// freezer is a TCP proxy that can stop passing bytes without closing anything.
type freezer struct {
	addr   string
	frozen atomic.Bool
}

func startFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{addr: l.Addr().String()}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	pipe := func(dst, src net.Conn) {
		defer dst.Close()
		defer src.Close()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if err != nil {
				return
			}
			for f.frozen.Load() {
				time.Sleep(10 * time.Millisecond) // hold the bytes; the cleanup's Close ends the read
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, u)
			mu.Unlock()
			go pipe(u, c)
			go pipe(c, u)
		}
	}()
	return f
}
