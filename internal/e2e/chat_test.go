package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/chat/telegram/telegramtest"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

const tgToken = "123456789:AAH-e2e_test-token"

// startTelegram starts a server whose Telegram channel reads and writes the stand-in.
func startTelegram(t *testing.T, engine string, api *telegramtest.Server, flags ...string) *server.Server {
	t.Helper()
	return loketest.Start(t, engine, append([]string{"--telegram-token=" + tgToken, "--telegram-api-url=" + api.URL}, flags...)...)
}

// tgChat is one private Telegram chat talking to a server through the stand-in.
type tgChat struct {
	t    *testing.T
	api  *telegramtest.Server
	id   int64
	msg  int64 // the last message_id pushed
	seen int   // the messages of the stand-in's Sent already looked at
}

// push sends text as a new message (the next message_id).
func (c *tgChat) push(text string) {
	c.msg++
	c.api.Push(telegramtest.TextMessage(c.id, c.msg, "private", "Budi", "Santoso", "budis", text))
}

// answers waits for the next n messages sent (to any chat) and returns them.
func (c *tgChat) answers(n int) []telegramtest.Sent {
	c.t.Helper()
	got := c.api.WaitSent(c.t, c.seen+n, 15*time.Second)[c.seen:]
	c.seen += n
	for _, s := range got {
		checkWhiteLabel(c.t, s.Text)
		if s.ChatID != strconv.FormatInt(c.id, 10) {
			c.t.Errorf("a message to chat %s, want %d: %+v", s.ChatID, c.id, s)
		}
	}
	return got
}

// say sends text and returns its one answer.
func (c *tgChat) say(text string, want ...string) string {
	c.t.Helper()
	c.push(text)
	got := c.answers(1)[0].Text
	for _, w := range want {
		if !strings.Contains(got, w) {
			c.t.Fatalf("%q answered %q, which lacks %q", text, got, w)
		}
	}
	return got
}

// quiet checks that nothing more was sent for a while.
func (c *tgChat) quiet(d time.Duration) {
	c.t.Helper()
	time.Sleep(d)
	if got := c.api.Sent(); len(got) != c.seen {
		c.t.Fatalf("%d messages sent, want %d: %+v", len(got), c.seen, got[c.seen:])
	}
}

// checkWhiteLabel fails when a chat answer names a supplier.
func checkWhiteLabel(t *testing.T, text string) {
	t.Helper()
	low := strings.ToLower(text)
	for _, w := range []string{"sim", "simulator", "digiflazz", "chestcloudx", "socx", "tokowendigg", "supplier", "pemasok"} {
		if regexp.MustCompile(`\b` + w + `\b`).MatchString(low) {
			t.Errorf("an answer names a supplier (%q): %q", w, text)
		}
	}
}

// A reseller orders over Telegram through a whole server: linking, balance, a
// purchase and its result, a duplicated update, a QRIS deposit with its image, a
// broadcast and garbage, each answered once, in Indonesian, naming no supplier.
func TestChatTelegram(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		api := telegramtest.New(t, tgToken, "")
		s := startTelegram(t, engine, api)
		loketest.SetupPayments(t, s)
		ctx := context.Background()
		r := loketest.NewReseller(t, s, 100_000)
		c := &tgChat{t: t, api: api, id: 7000001}

		c.say("SAL.1234", "belum terhubung", "LINK")
		if err := s.Core.Chat.SetPIN(ctx, r.ID, "1234"); err != nil {
			t.Fatal(err)
		}
		link, err := s.Core.Chat.NewLink(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		c.say("LINK "+link.Code, "terhubung ke akun "+r.Username)
		c.say("SAL.1234", "Saldo Rp 100.000.")

		price := loket.Money(productPrice(t, s, "HSA5"))
		after := "Saldo " + loket.FormatRupiah(100_000-price)
		c.push("HSA5.081234567890.1234")
		buy := c.msg
		got := c.answers(2)
		// The answer is queued with the order, before any result, and replies to one
		// chat go in order: the answer first, even when the result is at once.
		for i, want := range [][]string{
			{"Diproses: HSA5 ke 081234567890", "harga " + loket.FormatRupiah(price), after},
			{"SUKSES HSA5 ke 081234567890", "SN: ", after},
		} {
			for _, w := range want {
				if !strings.Contains(got[i].Text, w) {
					t.Fatalf("answer %q lacks %q", got[i].Text, w)
				}
			}
		}
		// The same update again (Telegram gives an update twice after a restart): no
		// second order, no answer. The next message's answer shows it was read.
		api.Push(telegramtest.TextMessage(c.id, buy, "private", "Budi", "Santoso", "budis", "HSA5.081234567890.1234"))
		c.say("SAL.1234", after+".")
		c.quiet(300 * time.Millisecond)
		if n := orderCount(t, s, r.ID); n != 1 {
			t.Fatalf("%d orders, want 1", n)
		}

		// A QRIS deposit: the answer is a photo (the QR, PNG) captioned with the total.
		c.push("TIKET.50000.1234")
		dep := c.answers(1)[0]
		if dep.Method != "sendPhoto" || !bytes.HasPrefix(dep.Photo, []byte("\x89PNG\r\n\x1a\n")) || dep.ContentType != "image/png" {
			t.Fatalf("the deposit's answer: %s, %d bytes %q, caption %q", dep.Method, len(dep.Photo), dep.ContentType, dep.Text)
		}
		if !regexp.MustCompile(`Bayar tepat Rp 50\.\d{3} \(termasuk kode unik \d+\) dengan QRIS`).MatchString(dep.Text) {
			t.Fatalf("the deposit's caption: %q", dep.Text)
		}

		// A broadcast reaches the linked chat.
		if n, err := s.Core.Chat.Broadcast(ctx, "Info: gangguan Telkomsel sudah normal."); err != nil || n != 1 {
			t.Fatalf("broadcast: %d, %v", n, err)
		}
		if b := c.answers(1)[0]; b.Text != "Info: gangguan Telkomsel sudah normal." {
			t.Fatalf("broadcast sent as %+v", b)
		}

		// Garbage: a short answer in Indonesian, no order.
		for _, text := range []string{"😀🔥😀", strings.Repeat("HSA5.0812", 67)[:600], "\x00\x01\xff\xfe\x80 SAL\x1b[2J", "....", "HSA5..1234"} {
			a := c.say(text)
			if a == "" || len(a) > 700 || !strings.ContainsAny(a, "aiueo") {
				t.Errorf("%q answered %q", text, a)
			}
			t.Logf("%.20q → %q", text, a)
		}
		c.quiet(300 * time.Millisecond)
		if n := orderCount(t, s, r.ID); n != 1 {
			t.Fatalf("%d orders after garbage, want 1", n)
		}
		loketest.VerifyLedger(t, s)
	})
}

// leaseHolder is the node reading Telegram ("": none).
func leaseHolder(t *testing.T, s *server.Server) string {
	t.Helper()
	var h string
	err := s.DB.Write(context.Background(), 0, func(tx *store.Tx) error {
		err := tx.QueryRow(`SELECT holder FROM leases WHERE name = 'chat:telegram'`).Scan(&h)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Two nodes on one PostgreSQL with one bot: one reads Telegram at a time (the lease
// chat:telegram), every message is answered exactly once, and when the reading node
// stops the other takes over within the lease's TTL.
func TestChatTelegramTwoNodes(t *testing.T) {
	if len(storetest.Engines()) < 2 {
		t.Skip("needs PostgreSQL (" + storetest.EnvPostgres + ")")
	}
	t.Parallel()
	api := telegramtest.New(t, tgToken, "")
	shared := "--database-url=" + storetest.URL(t, "postgres")
	nodes := map[string]*server.Server{
		"chat-a": startTelegram(t, "postgres", api, shared, "--node=chat-a"),
		"chat-b": startTelegram(t, "postgres", api, shared, "--node=chat-b"),
	}
	a := nodes["chat-a"]
	ctx := context.Background()
	r := loketest.NewReseller(t, a, 100_000)
	if err := a.Core.Chat.SetPIN(ctx, r.ID, "1234"); err != nil {
		t.Fatal(err)
	}
	link, err := a.Core.Chat.NewLink(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := &tgChat{t: t, api: api, id: 7000002}
	c.say("LINK "+link.Code, "terhubung")
	reader := leaseHolder(t, a)
	if nodes[reader] == nil {
		t.Fatalf("the lease is held by %q", reader)
	}
	burst := func(n int) {
		t.Helper()
		for range n {
			c.push("SAL.1234")
		}
		for _, s := range c.answers(n) {
			if s.Text != "Saldo Rp 100.000." {
				t.Fatalf("answered %q", s.Text)
			}
		}
		c.quiet(500 * time.Millisecond)
	}
	burst(20)
	if h := leaseHolder(t, a); h != reader {
		t.Fatalf("the lease moved from %s to %s while both ran", reader, h)
	}

	// The reader stops (its jobs and the channel: a graceful stop gives the lease
	// back); the other reads within the lease's TTL.
	stopped := time.Now()
	closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	nodes[reader].Core.Close(closeCtx)
	cancel()
	delete(nodes, reader)
	c.push("SAL.1234")
	got := api.WaitSent(t, c.seen+1, 35*time.Second)
	c.seen = len(got)
	if d := time.Since(stopped); d > 30*time.Second {
		t.Errorf("taken over after %v", d)
	} else {
		t.Logf("taken over after %v", d.Round(time.Millisecond))
	}
	for name := range nodes {
		if h := leaseHolder(t, nodes[name]); h != name {
			t.Fatalf("the lease is held by %q, want %s", h, name)
		}
	}
	burst(10)
	if n := api.MaxPolling(); n != 1 {
		t.Errorf("%d readers of the bot at once, want 1", n)
	}
}
