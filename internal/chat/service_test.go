package chat_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/chat"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

// recorder is a channel that keeps what is sent to it; messages come in through
// Service.Deliver, as a channel's Receive hands them over.
type recorder struct {
	name string
	mu   sync.Mutex
	sent []chat.Reply
}

func (r *recorder) Name() string { return r.name }

func (r *recorder) Receive(ctx context.Context, deliver func(context.Context, chat.Message) error) error {
	<-ctx.Done()
	return nil
}

func (r *recorder) Send(ctx context.Context, rep chat.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, rep)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

func (r *recorder) replies(to string) []chat.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []chat.Reply
	for _, x := range r.sent {
		if x.To == to {
			out = append(out, x)
		}
	}
	return out
}

// chatNode runs a node's services with a recording channel "telegram".
func chatNode(t testing.TB, engine string) (*server.Core, *recorder) {
	t.Helper()
	rec := &recorder{name: "telegram"}
	c := loketest.CoreWith(t, engine, func(c *server.Core) { c.Chat.AddChannel(rec) })
	return c, rec
}

// chatter is one chat address talking to the node.
type chatter struct {
	t    testing.TB
	c    *server.Core
	rec  *recorder
	from string
	n    int
}

// say delivers text as a new message and waits for its answer (the nth reply to this
// chat), which it returns.
func (ch *chatter) say(text string) string {
	ch.t.Helper()
	ch.n++
	return ch.sayAs(fmt.Sprintf("%s:%d", ch.from, ch.n), text)
}

// sayAs delivers text under a message id and returns the newest reply after it.
func (ch *chatter) sayAs(id, text string) string {
	ch.t.Helper()
	before := len(ch.rec.replies(ch.from))
	if err := ch.c.Chat.Deliver(context.Background(), chat.Message{Channel: "telegram", ID: id, From: ch.from, Name: "Budi", Text: text}); err != nil {
		ch.t.Fatal(err)
	}
	return ch.wait(before + 1)
}

// wait waits for the nth reply to this chat.
func (ch *chatter) wait(n int) string {
	ch.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if rs := ch.rec.replies(ch.from); len(rs) >= n {
			return rs[n-1].Text
		}
		if time.Now().After(deadline) {
			ch.t.Fatalf("no reply %d to %s; got %+v", n, ch.from, ch.rec.replies(ch.from))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// linked is a chatter at from whose chat is linked to ra, a buyer with PIN 1234 (its
// first reply, the link's, taken).
func linked(t *testing.T, c *server.Core, rec *recorder, ra *loket.ResellerAuth, from string) *chatter {
	t.Helper()
	ctx := context.Background()
	if err := c.Chat.SetPIN(ctx, ra.ID, "1234"); err != nil {
		t.Fatal(err)
	}
	link, err := c.Chat.NewLink(ctx, ra.ID)
	if err != nil {
		t.Fatal(err)
	}
	ch := &chatter{t: t, c: c, rec: rec, from: from}
	must(t, ch.say("LINK "+link.Code), "terhubung")
	return ch
}

func must(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("reply %q lacks %q", got, w)
		}
	}
}

// A reseller links a chat with a code from the dashboard and a PIN, then asks its
// balance, buys (the result comes back to the chat: SN and balance), checks the
// order, opens a QRIS deposit (the QR goes with the answer) and sees prices; a message
// delivered twice is one order and one answer; wrong PINs lock the chat; an unlinked
// chat gets only the linking instructions.
func TestChatOrders(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c, rec := chatNode(t, engine)
		ctx := context.Background()
		ra := loketest.Buyer(t, c, "budi", 100_000)
		ch := &chatter{t: t, c: c, rec: rec, from: "5550001"}

		must(t, ch.say("SAL.1234"), "belum terhubung", "LINK")
		if _, err := c.Chat.NewLink(ctx, ra.ID); loket.ErrorCode(err) != loket.ENOTCONFIGURED {
			t.Fatalf("a link without a PIN: %v", err)
		}
		if err := c.Chat.SetPIN(ctx, ra.ID, "12a4"); loket.ErrorCode(err) != loket.EINVALID {
			t.Fatalf("PIN 12a4: %v", err)
		}
		if err := c.Chat.SetPIN(ctx, ra.ID, "1234"); err != nil {
			t.Fatal(err)
		}
		link, err := c.Chat.NewLink(ctx, ra.ID)
		if err != nil {
			t.Fatal(err)
		}
		must(t, ch.say("LINK "+strings.ToLower(link.Code)), "terhubung ke akun budi")
		must(t, ch.say("LINK "+link.Code), "tidak dikenal") // used once
		must(t, ch.say("SAL.1234"), "Saldo Rp 100.000.")

		p, err := c.Catalog.Product("HSA5", ra.Level)
		if err != nil {
			t.Fatal(err)
		}
		price := loket.FormatRupiah(p.Price)
		first := ch.say("HSA5.081234567890.1234")
		must(t, first, "Diproses: HSA5 ke 081234567890", "harga "+price, "Saldo "+loket.FormatRupiah(100_000-p.Price))
		must(t, ch.wait(ch.n+1), "SUKSES HSA5 ke 081234567890", "SN: ", "Saldo "+loket.FormatRupiah(100_000-p.Price))
		// The same message again: nothing more.
		again := fmt.Sprintf("%s:%d", ch.from, ch.n)
		if err := c.Chat.Deliver(ctx, chat.Message{Channel: "telegram", ID: again, From: ch.from, Text: "HSA5.081234567890.1234"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(rec.replies(ch.from)); n != ch.n+1 {
			t.Fatalf("a message delivered twice got %d replies in all, want %d: %+v", n, ch.n+1, rec.replies(ch.from))
		}
		orders, err := c.Orders.Orders(ctx, loket.OrderFilter{ResellerID: ra.ID})
		if err != nil || len(orders) != 1 {
			t.Fatalf("orders %d, %v", len(orders), err)
		}
		ch.n++ // the result counted as a reply
		must(t, ch.say("CEK.1234"), "HSA5 ke 081234567890", "SUKSES", "SN: ")

		// The same order while the first is pending (the simulator answers target …3
		// pending first) is refused, unless marked a repeat (2.CODE…).
		must(t, ch.say("HSA5.081234567893.1234"), "Diproses")
		must(t, ch.say("HSA5.081234567893.1234"), "Pesanan yang sama")
		must(t, ch.say("2.HSA5.081234567893.1234"), "Diproses")
		must(t, ch.wait(ch.n+1), "SUKSES HSA5 ke 081234567893")
		must(t, ch.wait(ch.n+2), "SUKSES HSA5 ke 081234567893")
		ch.n += 2

		must(t, ch.say("HARGA.HSA"), "HSA5", price)
		dep := ch.say("TIKET.50000.1234")
		must(t, dep, "QRIS", "kode unik")
		rs := rec.replies(ch.from)
		if last := rs[len(rs)-1]; len(last.Photo) == 0 || !strings.Contains(last.PhotoURL, "/qr/") {
			t.Fatalf("the deposit's answer has no QR: %d bytes, %q", len(last.Photo), last.PhotoURL)
		}

		// The network by chat: a downline registered, balance sent to it and taken
		// back once per message; someone else's reseller is refused.
		must(t, ch.say("REG.budi_agen.1234"), "Downline budi_agen dibuat", "API key: lk_")
		must(t, ch.say("REG.budi_agen2.150.5000.1234"), "Downline budi_agen2 dibuat, markup Rp 150, saldo Rp 5.000")
		bal := loketest.Buyer(t, c, "orang_lain", 0)
		must(t, ch.say("TRF.budi_agen.10000.1234"), "Rp 10.000 dikirim ke budi_agen")
		must(t, ch.say("TARIK.budi_agen.4000.1234"), "Rp 4.000 ditarik dari budi_agen")
		must(t, ch.say("TRF.orang_lain.1000.1234"), "orang_lain bukan downline Anda.")
		must(t, ch.say("TARIK.budi_agen.999999.1234"), "Saldo tidak cukup")
		if r, err := c.Resellers.Reseller(ctx, bal.ID, ""); err != nil || r.Balance != 0 {
			t.Fatalf("someone else's balance moved: %+v %v", r, err)
		}
		if r, err := c.Resellers.Reseller(ctx, 0, "budi_agen"); err != nil || r.Balance != 6000 {
			t.Fatalf("the downline's balance: %+v %v", r, err)
		}

		// A suspended reseller's chat orders nothing.
		suspended, active := loket.ResellerSuspended, loket.ResellerActive
		if err := c.Resellers.UpdateReseller(ctx, ra.ID, loket.ResellerUpdate{Status: &suspended}); err != nil {
			t.Fatal(err)
		}
		must(t, ch.say("HSA5.081234567891.1234"), "dinonaktifkan")
		if err := c.Resellers.UpdateReseller(ctx, ra.ID, loket.ResellerUpdate{Status: &active}); err != nil {
			t.Fatal(err)
		}

		// A right PIN forgets the wrong ones before it; three wrong PINs in a row lock
		// the chat, even for the right one.
		must(t, ch.say("SAL.9999"), "PIN salah.")
		must(t, ch.say("SAL.9999"), "PIN salah.")
		must(t, ch.say("SAL.1234"), "Saldo")
		must(t, ch.say("SAL.9999"), "PIN salah.")
		must(t, ch.say("SAL.9999"), "PIN salah.")
		must(t, ch.say("SAL.9999"), "dikunci")
		must(t, ch.say("SAL.1234"), "terkunci sampai")

		if v, err := c.DB.Verify(ctx); err != nil || len(v) != 0 {
			t.Fatalf("ledger: %v %+v", err, v)
		}
	})
}

// Alerts go to the operator's chats (chat.operators) when their kind is chosen
// (chat.alerts): a supplier's balance below the threshold of the setting
// supplier.low_balance is said once, until it is above again; broadcasts reach every
// linked chat.
func TestChatAlerts(t *testing.T) {
	c, rec := chatNode(t, "sqlite")
	ctx := context.Background()
	op := &chatter{t: t, c: c, rec: rec, from: "999"}
	for k, v := range map[string]string{loket.SettingChatOperators: "telegram:999", loket.SettingChatAlerts: "stuck",
		loket.SettingLowBalance: "1.000.000.000.000"} {
		if err := c.DB.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	c.Orders.CheckBalances(ctx)
	time.Sleep(300 * time.Millisecond)
	if n := len(rec.replies("999")); n != 0 {
		t.Fatalf("an alert of a kind not chosen: %+v", rec.replies("999"))
	}
	if err := c.DB.SetSetting(ctx, loket.SettingChatAlerts, "low_balance,stuck"); err != nil {
		t.Fatal(err)
	}
	// The state was low already: said once it turns low, so make it high, then low.
	if err := c.DB.SetSetting(ctx, loket.SettingLowBalance, "0"); err != nil {
		t.Fatal(err)
	}
	c.Orders.CheckBalances(ctx)
	if err := c.DB.SetSetting(ctx, loket.SettingLowBalance, "1000000000000"); err != nil {
		t.Fatal(err)
	}
	c.Orders.CheckBalances(ctx)
	must(t, op.wait(1), "Saldo supplier", "rendah", "batas Rp 1.000.000.000.000")
	c.Orders.CheckBalances(ctx)
	time.Sleep(300 * time.Millisecond)
	if n := len(rec.replies("999")); n != 1 {
		t.Fatalf("a low balance said %d times", n)
	}
	for _, st := range c.Orders.Suppliers() {
		if st.Threshold != 1_000_000_000_000 {
			t.Fatalf("threshold %d", st.Threshold)
		}
	}
}

// The operator's chat settings: an operator's chat must be channel:address of a known
// channel, an alert a known kind; unset, every kind is on; none chosen is none.
func TestChatSettings(t *testing.T) {
	c, _ := chatNode(t, "sqlite")
	ctx := context.Background()
	got, err := c.Chat.Settings(ctx)
	if err != nil || len(got.Alerts) != len(loket.AlertKinds) || len(got.Operators) != 0 {
		t.Fatalf("defaults %+v %v", got, err)
	}
	for _, bad := range []loket.ChatSettings{{Operators: []string{"whatsapp:0812"}}, {Operators: []string{"telegram:"}}, {Alerts: []string{"banjir"}}} {
		if err := c.Chat.SetSettings(ctx, bad); loket.ErrorCode(err) != loket.EINVALID {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if err := c.Chat.SetSettings(ctx, loket.ChatSettings{Contact: "@TokoBot", Operators: []string{" telegram:999 ", "xmpp:boss@x.id"}}); err != nil {
		t.Fatal(err)
	}
	got, err = c.Chat.Settings(ctx)
	if err != nil || got.Contact != "@TokoBot" || len(got.Alerts) != 0 || len(got.Operators) != 2 || got.Operators[0] != "telegram:999" {
		t.Fatalf("saved %+v %v", got, err)
	}
}

// One chat placing many orders at once (an H2H program over Jabber does): every
// order's answer and result reach it, each answer before its result, without each
// reply waiting its turn by polling. The replies queued behind one that is sent go
// right after it.
func TestChatRepliesInOrder(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c, rec := chatNode(t, engine)
		ctx := context.Background()
		ra := loketest.Buyer(t, c, "budi", 10_000_000)
		ch := linked(t, c, rec, ra, "5550009")
		// 80 messages at once (their orders go in sets), then 40 more, each delivered
		// twice at once (one order, one answer each).
		const once, twice = 80, 40
		const n = once + twice
		deliver := func(from, to, times int) {
			var wg sync.WaitGroup
			for i := from; i < to; i++ {
				for range times {
					wg.Add(1)
					go func() {
						defer wg.Done()
						m := chat.Message{Channel: "telegram", ID: fmt.Sprint("many", i), From: ch.from, Text: fmt.Sprintf("HSA5.0812%07d0.1234", i)}
						if err := c.Chat.Deliver(ctx, m); err != nil {
							t.Error(err)
						}
					}()
				}
			}
			wg.Wait()
		}
		start := time.Now()
		deliver(0, once, 1)
		ch.wait(1 + 2*once)
		t.Logf("%d orders' answers and results in %v", once, time.Since(start).Round(time.Millisecond))
		deliver(once, n, 2)
		ch.wait(1 + 2*n)
		// Each once: a reply sent and not yet marked (chat's sentLog) is not sent again.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var pending int
			if err := c.DB.W.QueryRowContext(ctx, `SELECT count(*) FROM chat_outbox WHERE state <> 'sent'`).Scan(&pending); err != nil {
				t.Fatal(err)
			}
			if pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d replies not marked sent", pending)
			}
		}
		if got := len(rec.replies(ch.from)); got != 1+2*n {
			t.Fatalf("%d replies, want %d", got, 1+2*n)
		}
		orders, err := c.Orders.Orders(ctx, loket.OrderFilter{ResellerID: ra.ID, Limit: 2 * n})
		if err != nil || len(orders) != n {
			t.Fatalf("%d orders, %v", len(orders), err)
		}
		// Each answer says the balance right after its own order.
		balances := map[string]bool{}
		for _, r := range rec.replies(ch.from) {
			if _, b, ok := strings.Cut(r.Text, "Diproses:"); ok {
				_, b, _ = strings.Cut(b, "Saldo ")
				balances[b] = true
			}
		}
		for k := 1; k <= n; k++ {
			if want := loket.FormatRupiah(10_000_000-loket.Money(k)*orders[0].Price) + "."; !balances[want] {
				t.Fatalf("no answer says Saldo %s: %v", want, balances)
			}
		}
		// CEK.PIN: the chat's last order.
		ch.n = 1 + 2*n
		must(t, ch.say("CEK.1234"), "ke "+orders[0].Target, "ref "+orders[0].RefID)
		at := map[string]int{} // "Diproses 0812…" and "SUKSES 0812…": where each came
		for i, r := range rec.replies(ch.from)[1:] {
			kind, rest, _ := strings.Cut(r.Text, " ")
			_, target, _ := strings.Cut(rest, " ke ")
			target, _, _ = strings.Cut(target, ".")
			target, _, _ = strings.Cut(target, ",")
			at[strings.TrimSuffix(kind, ":")+" "+target] = i
		}
		for i := range n {
			target := fmt.Sprintf("0812%07d0", i)
			answer, ok1 := at["Diproses "+target]
			result, ok2 := at["SUKSES "+target]
			if !ok1 || !ok2 || answer > result {
				t.Fatalf("order %d: answer at %d (%v), result at %d (%v)", i, answer, ok1, result, ok2)
			}
		}
	})
}

// flaky is a channel whose first fails sends are refused, and every send of the text
// refuse.
type flaky struct {
	recorder
	fails  int
	refuse string
}

func (f *flaky) Send(ctx context.Context, rep chat.Reply) error {
	f.mu.Lock()
	if f.fails > 0 || (f.refuse != "" && rep.Text == f.refuse) {
		f.fails--
		f.mu.Unlock()
		return errors.New("channel down")
	}
	f.mu.Unlock()
	return f.recorder.Send(ctx, rep)
}

// The outbox is its own queue: a reply nobody sent in its time (its node stopped
// before sending it) is taken up by the node sending the channel; a channel's error is
// retried with a growing pause, holding the chat's later replies back, which then
// follow in order.
func TestChatRepliesTakenUp(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ch := &flaky{recorder: recorder{name: "xmpp"}, fails: 2}
		c := loketest.CoreWith(t, engine, func(c *server.Core) { c.Chat.AddChannel(ch) })
		ctx := context.Background()
		// left queues replies as a node that stopped before sending them leaves them
		// (aged further by set, an SQL assignment).
		left := func(set string, texts ...string) {
			t.Helper()
			err := c.DB.Write(ctx, 0, func(tx *store.Tx) error {
				for _, text := range texts {
					if err := tx.EnqueueChat("xmpp", "op1@loket", text, 0); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.DB.W.ExecContext(ctx, `UPDATE chat_outbox SET `+set+` WHERE state = 'pending'`); err != nil {
				t.Fatal(err)
			}
		}
		left("next_at = next_at - 60000000", "satu", "dua")
		deadline := time.Now().Add(15 * time.Second)
		for len(ch.replies("op1@loket")) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("replies taken up: %+v", ch.replies("op1@loket"))
			}
			time.Sleep(50 * time.Millisecond)
		}
		if rs := ch.replies("op1@loket"); rs[0].Text != "satu" || rs[1].Text != "dua" {
			t.Fatalf("out of order: %+v", rs)
		}
		// Marked sent in the node's next write of sent replies (chat's sentLog).
		for {
			var sent, attempts int
			if err := c.DB.W.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(attempts), 0) FROM chat_outbox WHERE state = 'sent'`).Scan(&sent, &attempts); err != nil {
				t.Fatal(err)
			}
			if sent == 2 && attempts == 4 { // the first tried three times, the second once
				break
			}
			if sent == 2 || time.Now().After(deadline) {
				t.Fatalf("%d sent after %d attempts", sent, attempts)
			}
			time.Sleep(10 * time.Millisecond)
		}

		// A reply its channel keeps refusing holds the ones behind it back for a minute
		// at most; after that they go on.
		ch.mu.Lock()
		ch.refuse = "rusak"
		ch.mu.Unlock()
		left("created_at = created_at - 120000000, next_at = next_at - 60000000", "rusak", "tiga")
		for len(ch.replies("op1@loket")) < 3 {
			if time.Now().After(deadline.Add(10 * time.Second)) {
				t.Fatalf("the reply behind a refused one, a minute old: %+v", ch.replies("op1@loket"))
			}
			time.Sleep(50 * time.Millisecond)
		}
		if rs := ch.replies("op1@loket"); rs[2].Text != "tiga" {
			t.Fatalf("replies: %+v", rs)
		}
	})
}

// A purchase is not looked up in the inbox before it runs: a purchase refused, then
// given again once it could pass (the balance topped up), makes no order and no second
// answer, on the inbox's key in the order's own transaction; a purchase with a wrong
// PIN given again counts once toward the lock.
func TestChatPurchaseGivenAgain(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c, rec := chatNode(t, engine)
		ctx := context.Background()
		ra := loketest.Buyer(t, c, "sari", 1_000)
		ch := linked(t, c, rec, ra, "5550009")
		const buy = "HSA5.081234567890.1234"
		must(t, ch.sayAs("m1", buy), "Saldo tidak cukup")
		if _, err := c.Resellers.Credit(ctx, ra.ID, 100_000, "top up", "sari-top-up"); err != nil {
			t.Fatal(err)
		}
		for range 2 { // given again, one after the other, then twice at once
			if err := c.Chat.Deliver(ctx, chat.Message{Channel: "telegram", ID: "m1", From: ch.from, Text: buy}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if err := c.Chat.Deliver(ctx, chat.Message{Channel: "telegram", ID: "m1", From: ch.from, Text: buy}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if orders, err := c.Orders.Orders(ctx, loket.OrderFilter{ResellerID: ra.ID}); err != nil || len(orders) != 0 {
			t.Fatalf("a refused message given again made %d orders (%v)", len(orders), err)
		}
		// Two wrong PINs, the second given three times, then a third: locked only then.
		must(t, ch.sayAs("w1", "HSA5.081234567890.9999"), "PIN salah.")
		must(t, ch.sayAs("w2", "HSA5.081234567890.9999"), "PIN salah.")
		for range 2 {
			if err := c.Chat.Deliver(ctx, chat.Message{Channel: "telegram", ID: "w2", From: ch.from, Text: "HSA5.081234567890.9999"}); err != nil {
				t.Fatal(err)
			}
		}
		must(t, ch.sayAs("m2", "SAL.1234"), "Saldo Rp 101.000")
		time.Sleep(300 * time.Millisecond)
		if n := len(rec.replies(ch.from)); n != 5 { // linked, refused, two wrong PINs, the balance
			t.Fatalf("%d replies, want 5: %+v", n, rec.replies(ch.from))
		}
		// The right PIN forgot the wrong ones: three more are needed to lock.
		must(t, ch.sayAs("w3", "HSA5.081234567890.9999"), "PIN salah.")
		must(t, ch.sayAs("w4", "HSA5.081234567890.9999"), "PIN salah.")
		must(t, ch.sayAs("w5", "HSA5.081234567890.9999"), "dikunci")
	})
}

// CEK.PIN is about the purchase the chat sent last, though a chat's purchases run side
// by side and the one sent last may be placed first: a message's Seq (given by Lanes
// as it takes messages) decides, not the order's number.
func TestChatLastOrderIsLastSent(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c, rec := chatNode(t, engine)
		ctx := context.Background()
		ra := loketest.Buyer(t, c, "budi", 10_000_000)
		ch := linked(t, c, rec, ra, "5550011")
		buy := func(seq int64, target string) {
			m := chat.Message{Channel: "telegram", ID: fmt.Sprint("seq", seq), From: ch.from, Text: "HSA5." + target + ".1234", Seq: seq}
			if err := c.Chat.Deliver(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		// Sent second, placed first; then sent first, placed second (the greater order id).
		buy(200, "081200000020")
		buy(100, "081200000010")
		ch.wait(1 + 4)
		ch.n = 1 + 4
		must(t, ch.say("CEK.1234"), "ke 081200000020")
		// Two at once, perhaps in one set of orders: the greater Seq is the last.
		var wg sync.WaitGroup
		for _, b := range []struct {
			seq    int64
			target string
		}{{400, "081200000040"}, {300, "081200000030"}} {
			wg.Go(func() { buy(b.seq, b.target) })
		}
		wg.Wait()
		ch.wait(ch.n + 4)
		ch.n += 4
		must(t, ch.say("CEK.1234"), "ke 081200000040")
	})
}
