package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/chat/telegram/telegramtest"
	"github.com/loket/loket/internal/chat/xmpp/xmpptest"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store/storetest"
)

// BenchmarkSurfaces times an order as a reseller's software places it on each surface
// of a real server, over HTTP, from the request to the result delivered, with 32
// resellers and 64 parties ordering at once (OrderRate's shape):
//   - api: POST /v1/orders (the answer is the response), the result by the reseller's
//     webhook to a receiver over HTTP;
//   - telegram: a purchase typed in one of 64 linked chats, two per reseller, read by
//     getUpdates from a Bot API stand-in over HTTP (telegramtest), the answer and the
//     result by sendMessage;
//   - xmpp: the same from 64 Jabber accounts through a real Prosody (xmpptest; skipped
//     without one), the answer and the result as chat messages on the bot's stream.
//
// The figure to read is orders/s: every order accepted, settled and its result
// delivered (accepted/s of telegram only says how fast the stand-in queued updates).
// Side by side they say what ordering by chat costs against the native API, each
// with its transport (docs/PERFORMANCE.md).
func BenchmarkSurfaces(b *testing.B) {
	const resellers = 32
	for _, engine := range storetest.Engines() {
		for _, hook := range []bool{true, false} {
			name := engine + "/api"
			if !hook {
				name += "-no-webhook"
			}
			b.Run(name, func(b *testing.B) {
				var hooks atomic.Int64
				recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.Copy(io.Discard, r.Body)
					hooks.Add(1)
				}))
				b.Cleanup(recv.Close)
				s := loketest.Start(b, engine)
				keys := make([]string, resellers)
				for i := range keys {
					r := loketest.NewReseller(b, s, 1_000_000_000_000)
					if hook {
						loketest.SetWebhookURL(b, s, r.ID, recv.URL)
					}
					keys[i] = r.Creds.APIKey
				}
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}
				order := func(i int64) error { // i < 0: a reseller's first, warming up
					body := fmt.Sprintf(`{"product":"HSA5","target":"0812%07d0","ref_id":"b%d"}`, i, i)
					req, err := http.NewRequest(http.MethodPost, s.Config.PublicURL+"/v1/orders", bytes.NewBufferString(body))
					if err != nil {
						return err
					}
					req.Header.Set("Authorization", "Bearer "+keys[(i+resellers)%resellers])
					req.Header.Set("Content-Type", "application/json")
					res, err := client.Do(req)
					if err != nil {
						return err
					}
					defer res.Body.Close()
					io.Copy(io.Discard, res.Body)
					if res.StatusCode != http.StatusCreated {
						return fmt.Errorf("order %d: %s", i, res.Status)
					}
					return nil
				}
				for i := range int64(resellers) { // the first of each, its key and webhook warm
					if err := order(-1 - i); err != nil {
						b.Fatal(err)
					}
				}
				delivered := func() bool { return !hook || hooks.Load() >= resellers }
				waitFor(b, delivered)
				loketest.OrderRate(b, s.Core.DB, func(i int64) error { return order(i) },
					func() bool { return !hook || hooks.Load() >= resellers+int64(b.N) }) // every result delivered
			})
		}
		b.Run(engine+"/xmpp", func(b *testing.B) { benchXMPP(b, engine, resellers) })
		b.Run(engine+"/telegram", func(b *testing.B) {
			api := telegramtest.New(b, tgToken, "")
			s := loketest.Start(b, engine, "--telegram-token="+tgToken, "--telegram-api-url="+api.URL)
			ctx := context.Background()
			// Two chats per reseller (two counter clerks): as many ordering at once as the
			// api's clients, since a chat's own messages go one after another.
			const chats = 2 * resellers
			for i := range resellers {
				r := loketest.NewReseller(b, s, 1_000_000_000_000)
				if err := s.Core.Chat.SetPIN(ctx, r.ID, "1234"); err != nil {
					b.Fatal(err)
				}
				for c := range 2 {
					link, err := s.Core.Chat.NewLink(ctx, r.ID)
					if err != nil {
						b.Fatal(err)
					}
					chat := int64(1000 + 2*i + c)
					api.Push(telegramtest.TextMessage(chat, 1, "private", "Budi", "", "", "LINK "+link.Code))
					api.WaitSent(b, 3*(2*i+c)+1, time.Minute) // linked, before the next code replaces this one
					// The first purchase checks the PIN (argon2, then kept), as a chat's
					// first of the day does.
					api.Push(telegramtest.TextMessage(chat, 2, "private", "Budi", "", "", fmt.Sprintf("HSA5.0813%07d0.1234", chat)))
					api.WaitSent(b, 3*(2*i+c)+3, time.Minute) // the purchase's answer and its result
				}
			}
			loketest.OrderRate(b, s.Core.DB, func(i int64) error {
				api.Push(telegramtest.TextMessage(1000+i%chats, 10+i, "private", "Budi", "", "", fmt.Sprintf("HSA5.0812%07d0.1234", i)))
				return nil
			}, func() bool { return api.SentCount() >= 3*chats+2*b.N }) // every answer and result sent
		})
	}
}

// benchXMPP is BenchmarkSurfaces' xmpp: 64 Jabber accounts, two per reseller, order
// through a real Prosody (skipped without one), answers and results counted as they
// come back.
func benchXMPP(b *testing.B, engine string, resellers int) {
	const bot, pin = "bot@localhost", "1234"
	chats := 2 * resellers
	opts := []xmpptest.Option{xmpptest.WithUser("bot", "botpass")}
	for c := range chats {
		opts = append(opts, xmpptest.WithUser(fmt.Sprintf("c%d", c), "pass"))
	}
	px := xmpptest.Start(b, opts...)
	s := loketest.Start(b, engine, "--xmpp-jid="+bot, "--xmpp-password=botpass", "--xmpp-server="+px.Addr, "--xmpp-tls=none")
	ctx := context.Background()
	clients := make([]*xmpptest.Client, chats)
	for c := range clients {
		clients[c] = px.Dial(b, fmt.Sprintf("c%d@localhost", c), "pass")
	}
	// Until the bot's presence is there, messages to it bounce.
	clients[0].FirstReply(b, bot, "hello", "SAL."+pin, 30*time.Second)
	for i := range resellers {
		r := loketest.NewReseller(b, s, 1_000_000_000_000)
		if err := s.Core.Chat.SetPIN(ctx, r.ID, pin); err != nil {
			b.Fatal(err)
		}
		for c := 2 * i; c < 2*i+2; c++ {
			link, err := s.Core.Chat.NewLink(ctx, r.ID)
			if err != nil {
				b.Fatal(err)
			}
			if err := clients[c].Send(bot, "link", "LINK "+link.Code); err != nil {
				b.Fatal(err)
			}
			clients[c].Next(b, 10*time.Second)
			// The first purchase checks the PIN (argon2, then kept).
			if err := clients[c].Send(bot, "warm", fmt.Sprintf("HSA5.0813%07d0.%s", c, pin)); err != nil {
				b.Fatal(err)
			}
			clients[c].Next(b, 10*time.Second) // its answer
			clients[c].Next(b, 10*time.Second) // its result
		}
	}
	var replies atomic.Int64
	for _, cl := range clients {
		go func() {
			for range cl.Chats() {
				replies.Add(1)
			}
		}()
	}
	locks := make([]sync.Mutex, chats)
	loketest.OrderRate(b, s.Core.DB, func(i int64) error {
		c := i % int64(chats)
		locks[c].Lock()
		defer locks[c].Unlock()
		return clients[c].Send(bot, fmt.Sprint("o", i), fmt.Sprintf("HSA5.0812%07d0.%s", i, pin))
	}, func() bool { return replies.Load() >= 2*int64(b.N) }) // every answer and result received
}

// waitFor waits up to a minute for ok.
func waitFor(b *testing.B, ok func() bool) {
	b.Helper()
	for deadline := time.Now().Add(time.Minute); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("not done within a minute")
		}
	}
}
