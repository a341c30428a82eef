package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/chat/xmpp/xmpptest"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestChatXMPP orders by Jabber: a whole server whose bot account logs in to a real
// Prosody (skipped without one), and a reseller's clerk on budi@localhost linking
// the chat, asking the balance, buying (once, though the message comes twice),
// asking for a deposit's QRIS, sending an emoji and getting the PIN wrong.
func TestChatXMPP(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		began := time.Now()
		const bot, pin = "bot@localhost", "1234"
		px := xmpptest.Start(t, xmpptest.WithUser("bot", "botpass"), xmpptest.WithUser("budi", "budipass"))
		s := loketest.Start(t, engine, "--xmpp-jid="+bot, "--xmpp-password=botpass", "--xmpp-server="+px.Addr, "--xmpp-tls=none")
		loketest.SetupPayments(t, s)
		ctx := context.Background()
		r := loketest.NewReseller(t, s, 1_000_000)
		if err := s.Core.Chat.SetPIN(ctx, r.ID, pin); err != nil {
			t.Fatal(err)
		}
		link, err := s.Core.Chat.NewLink(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		budi := px.Dial(t, "budi@localhost", "budipass")

		seq := 0
		send := func(id, text string) {
			t.Helper()
			if err := budi.Send(bot, id, text); err != nil {
				t.Fatal(err)
			}
		}
		next := func() string {
			t.Helper()
			from, text := budi.Next(t, 5*time.Second)
			if from != bot {
				t.Fatalf("a message from %s: %q", from, text)
			}
			return text
		}
		ask := func(text string) string {
			t.Helper()
			seq++
			send(fmt.Sprintf("m%d", seq), text)
			return next()
		}
		want := func(what, got string, parts ...string) {
			t.Helper()
			for _, p := range parts {
				if !strings.Contains(got, p) {
					t.Fatalf("%s: answer %q, want one with %q", what, got, p)
				}
			}
		}
		balance := func() string { return "Saldo " + loket.FormatRupiah(loketest.Balance(t, s, r.ID)) }

		// The bot logs in while the server starts: until its presence is
		// there, budi's messages bounce and are sent again.
		from, got := budi.FirstReply(t, bot, "hello", "SAL."+pin, 10*time.Second)
		if from != bot {
			t.Fatalf("first answer from %s: %q", from, got)
		}
		want("unlinked", got, "belum terhubung", "LINK")
		t.Logf("the bot answered %v after the start", time.Since(began).Round(time.Millisecond))

		want("link", ask("LINK "+link.Code), "terhubung ke akun "+r.Username)
		want("balance", ask("SAL."+pin), balance()+".")

		buy := "HSA5.081234567890." + pin
		send("buy-1", buy)
		// the order's acceptance, then its result (queued with the order, and
		// replies to one chat go in order), though the simulator succeeds at once
		a, b := next(), next()
		want("buy", a, "Diproses: HSA5 ke 081234567890")
		want("buy result", b, "SUKSES HSA5 ke 081234567890. SN: ", balance()+".")
		if n := orderCount(t, s, r.ID); n != 1 {
			t.Fatalf("%d orders after the purchase, want 1", n)
		}
		// the same stanza again: no order, no answer (the next answer is the balance's)
		send("buy-1", buy)
		want("after the repeated stanza", ask("SAL."+pin), balance()+".")
		if n := orderCount(t, s, r.ID); n != 1 {
			t.Fatalf("%d orders after the repeated stanza, want 1", n)
		}

		got = ask("TIKET.50000." + pin)
		ds, err := s.Core.Deposits.Deposits(ctx, r.ID, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deposits: %d, %v", len(ds), err)
		}
		url := s.Core.Deposits.PublicQRURL(ds[0])
		want("deposit", got, "Bayar tepat "+loket.FormatRupiah(ds[0].Total), "QRIS")
		if url == "" || !strings.HasSuffix(got, "\n"+url) {
			t.Fatalf("deposit: answer %q, want the QR's URL %q on its last line", got, url)
		}

		want("emoji", ask("👍"), "Emoji tidak bisa dibaca")

		want("wrong PIN 1", ask("SAL.9999"), "PIN salah.")
		want("wrong PIN 2", ask("SAL.9999"), "PIN salah.")
		want("wrong PIN 3", ask("SAL.9999"), "PIN salah. Chat ini dikunci")
		want("locked", ask("SAL."+pin), "terkunci sampai")
		want("locked buy", ask("HSA5.081234567800."+pin), "terkunci sampai")

		budi.Quiet(t, 200*time.Millisecond)
		if n := orderCount(t, s, r.ID); n != 1 {
			t.Fatalf("%d orders at the end, want 1", n)
		}
		loketest.VerifyLedger(t, s)
		t.Logf("%s: %v", engine, time.Since(began).Round(time.Millisecond))
	})
}
