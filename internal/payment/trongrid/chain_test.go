package trongrid_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/payment"
	"github.com/loket/loket/internal/payment/trongrid"
	"github.com/loket/loket/internal/payment/tronsim"
	"github.com/loket/loket/internal/payment/usdt"
	"github.com/loket/loket/internal/server"
)

// The tests below run a whole Loket on each engine, its USDT watcher reading a
// stand-in TronGrid (the simulated chain) over HTTP, the deposits opened through the
// native API.

const rate = 16250

// chain is the stand-in TronGrid: the simulated chain over real HTTP, which can be
// taken down, or made to ignore the token and direction filters as a careless
// TronGrid-compatible API might.
type chain struct {
	*tronsim.Sim
	URL  string
	down atomic.Bool
	lax  atomic.Bool
	key  atomic.Value // the API key of the last request
}

func newChain(t *testing.T) *chain {
	c := &chain{Sim: tronsim.New(func() string { return operator })}
	h := c.Sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.key.Store(r.Header.Get(trongrid.APIKeyHeader))
		if c.down.Load() {
			http.Error(w, "upstream down", http.StatusServiceUnavailable)
			return
		}
		if c.lax.Load() {
			q := r.URL.Query()
			q.Del("contract_address")
			q.Del("only_to")
			r.URL.RawQuery = q.Encode()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// loketOn is a Loket taking USDT deposits to the operator's address, with the watcher
// as loket serve builds it (the payment registry) pointed at the chain; tests poll it
// by hand, as the server's loop would, so that they know when it has read.
type loketOn struct {
	t      *testing.T
	s      *server.Server
	chain  *chain
	src    loket.PaymentSource
	cursor string
	key    string // a reseller's API key
	id     int64  // and id
}

func start(t *testing.T, engine string) *loketOn {
	s := loketest.Start(t, engine)
	ctx := context.Background()
	if err := s.Core.Deposits.SetUSDT(ctx, loket.USDTConfig{Address: operator, Rate: rate}); err != nil {
		t.Fatal(err)
	}
	c := newChain(t)
	srcs, err := payment.Build(ctx, payment.Env{Settings: s.DB, Sealer: s.Core.Sealer, Log: loketest.Log(),
		Tron: payment.Tron{URL: c.URL, Every: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	l := &loketOn{t: t, s: s, chain: c}
	for _, p := range srcs {
		if p.Source.Name() == usdt.SourceName {
			l.src = p.Source
		}
	}
	if l.src == nil {
		t.Fatal("no tron source in the registry")
	}
	r := loketest.NewReseller(t, s, 0)
	l.key, l.id = r.Creds.APIKey, r.ID
	return l
}

// poll has the watcher read the chain once, as the server's loop does.
func (l *loketOn) poll() {
	l.cursor = l.s.Core.Deposits.PollSource(context.Background(), l.src, l.cursor)
}

// deposit opens a USDT deposit of amount for key through the native API.
func (l *loketOn) deposit(key string, amount int) (id int64, pay loket.MicroUSDT) {
	t := l.t
	t.Helper()
	r := loketest.DoJSON(t, "POST", l.s.URL+"/v1/deposits", `{"method":"usdt","amount":`+strconv.Itoa(amount)+`}`, "Authorization", "Bearer "+key)
	if r.Status != http.StatusCreated {
		t.Fatalf("deposit: %d %s", r.Status, r.Raw)
	}
	pay, err := usdt.Parse(loketest.Str(t, r.Body, "usdt_amount"))
	if err != nil || r.Body["address"] != operator {
		t.Fatalf("deposit: %v %s", err, r.Raw)
	}
	return int64(loketest.Num(t, r.Body, "id")), pay
}

// send puts a confirmed USDT transfer of pay to the operator on the chain.
func (l *loketOn) send(pay loket.MicroUSDT) tronsim.Transfer {
	l.t.Helper()
	tr, err := l.chain.Send(tronsim.Transfer{Value: int64(pay), Confirmed: true})
	if err != nil {
		l.t.Fatal(err)
	}
	return tr
}

func (l *loketOn) status(id int64) string {
	l.t.Helper()
	d, err := l.s.Core.Deposits.Deposit(context.Background(), id, 0)
	if err != nil {
		l.t.Fatal(err)
	}
	return d.Status
}

func (l *loketOn) balance() loket.Money { return loketest.Balance(l.t, l.s, l.id) }

// payments are the USDT payments kept, by ref.
func (l *loketOn) payments() map[string]*loket.Payment {
	l.t.Helper()
	ps, err := l.s.DB.Payments(context.Background(), "", 1000)
	if err != nil {
		l.t.Fatal(err)
	}
	out := map[string]*loket.Payment{}
	for _, p := range ps {
		if p.Source == usdt.SourceName {
			if out[p.Ref] != nil {
				l.t.Errorf("payment %s kept twice", p.Ref)
			}
			out[p.Ref] = p
		}
	}
	return out
}

// A transfer of a deposit's exact amount credits it once: read twice, listed twice,
// or confirmed by hand before or after the watcher saw it.
func TestChainCreditsExactAmountOnce(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		l := start(t, engine)
		ctx := context.Background()
		id, pay := l.deposit(l.key, 50000)
		tr := l.send(pay)
		l.poll()
		if st := l.status(id); st != loket.DepositSuccess {
			t.Fatalf("deposit %s after the transfer", st)
		}
		d, _ := l.s.Core.Deposits.Deposit(ctx, id, 0)
		if d.Brand != "TRON" || d.BuyerRef != tr.From {
			t.Errorf("paid deposit: brand %q, buyer %q (sender %s)", d.Brand, d.BuyerRef, tr.From)
		}
		// The same transfer listed again, and the whole history read again.
		if _, err := l.chain.Send(tr); err != nil {
			t.Fatal(err)
		}
		l.poll()
		l.cursor = ""
		l.poll()
		if b := l.balance(); b != 50000 {
			t.Errorf("balance %d, want 50000", b)
		}
		// Confirmed by hand after the watcher credited it: refused.
		if _, err := l.s.Core.Deposits.ConfirmDeposit(ctx, id, "", tr.TxID); loket.ErrorCode(err) != loket.ECONFLICT {
			t.Errorf("confirmed by hand again: %v", err)
		}

		// Confirmed by hand first, then seen on chain: once.
		id2, pay2 := l.deposit(l.key, 20000)
		tr2, err := l.chain.Send(tronsim.Transfer{Value: int64(pay2), Confirmed: true, TxID: strings.Repeat("5e", 32)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.s.Core.Deposits.ConfirmDeposit(ctx, id2, "", strings.ToUpper(tr2.TxID)); err != nil {
			t.Fatal(err)
		}
		l.poll()
		if b := l.balance(); b != 70000 {
			t.Errorf("balance %d, want 70000", b)
		}
		ps := l.payments()
		if len(ps) != 2 || ps[tr.TxID] == nil || ps[tr2.TxID] == nil || ps[tr.TxID].Amount != loket.Money(pay) {
			t.Errorf("payments %v", ps)
		}
		loketest.VerifyLedger(t, l.s)
	})
}

// A transfer of any other amount credits nothing: it is kept, unmatched, for the
// operator, and the deposit stays open.
func TestChainKeepsWrongAmountUnmatched(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		l := start(t, engine)
		id, pay := l.deposit(l.key, 50000)
		more, less := l.send(pay+usdt.Step), l.send(pay-1)
		l.poll()
		if st := l.status(id); st != loket.DepositPending {
			t.Errorf("deposit %s", st)
		}
		if b := l.balance(); b != 0 {
			t.Errorf("balance %d", b)
		}
		ps := l.payments()
		for _, tr := range []tronsim.Transfer{more, less} {
			p := ps[tr.TxID]
			if p == nil || p.State != "unmatched" || p.Amount != loket.Money(tr.Value) || p.Buyer != tr.From || p.DepositID != nil {
				t.Errorf("payment of %d: %+v", tr.Value, p)
			}
		}
		// The right amount after them still pays it.
		l.send(pay)
		l.poll()
		if st, b := l.status(id), l.balance(); st != loket.DepositSuccess || b != 50000 {
			t.Errorf("then the exact amount: %s, balance %d", st, b)
		}
		loketest.VerifyLedger(t, l.s)
	})
}

// An unconfirmed transfer is not read; once confirmed it is.
func TestChainIgnoresUnconfirmed(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		l := start(t, engine)
		id, pay := l.deposit(l.key, 30000)
		tr, err := l.chain.Send(tronsim.Transfer{Value: int64(pay)})
		if err != nil {
			t.Fatal(err)
		}
		l.poll()
		l.poll()
		if st, n := l.status(id), len(l.payments()); st != loket.DepositPending || n != 0 {
			t.Fatalf("unconfirmed: deposit %s, %d payments", st, n)
		}
		l.chain.Confirm(tr.TxID)
		l.poll()
		if st, b := l.status(id), l.balance(); st != loket.DepositSuccess || b != 30000 {
			t.Errorf("confirmed: %s, balance %d", st, b)
		}
	})
}

// Another token (calling itself USDT) of the exact amount, and the operator's own
// outgoing transfer of it, credit nothing and are not kept: also when the API
// ignores the filters.
func TestChainIgnoresOtherTokens(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		l := start(t, engine)
		id, pay := l.deposit(l.key, 40000)
		const fake = "TKJYdTAwsJjMWB2Yt51d5jp1yFhp4hNzGA"
		for _, tr := range []tronsim.Transfer{
			{Value: int64(pay), Contract: fake, Confirmed: true},
			{Value: int64(pay), From: operator, To: payer1, Confirmed: true},
		} {
			if _, err := l.chain.Send(tr); err != nil {
				t.Fatal(err)
			}
		}
		l.poll()
		l.chain.lax.Store(true)
		l.cursor = ""
		l.poll()
		if st, n := l.status(id), len(l.payments()); st != loket.DepositPending || n != 0 {
			t.Errorf("other tokens: deposit %s, %d payments", st, n)
		}
		l.send(pay)
		l.poll()
		if st := l.status(id); st != loket.DepositSuccess {
			t.Errorf("USDT after them: %s", st)
		}
	})
}

// More transfers than a page, and than a poll reads: every one is read, once, over
// the polls that follow, the cursor moving forward.
func TestChainPages(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		l := start(t, engine)
		l.chain.SetMaxLimit(2)  // 5 pages of 2: 10 entries a poll
		l.chain.lax.Store(true) // the other token's transfers listed too
		keys := []string{l.key, loketest.NewReseller(t, l.s, 0).Creds.APIKey, loketest.NewReseller(t, l.s, 0).Creds.APIKey}
		type dep struct {
			id  int64
			pay loket.MicroUSDT
		}
		var deps []dep
		for i := 0; i < 8; i++ {
			id, pay := l.deposit(keys[i%3], 10000+1000*i)
			deps = append(deps, dep{id, pay})
		}
		// Two transfers a block, a deposit's amount and noise, half an hour ago.
		at := time.Now().Add(-30 * time.Minute).Truncate(3 * time.Second)
		for i, d := range deps {
			block := at.Add(time.Duration(i) * 3 * time.Second)
			for _, tr := range []tronsim.Transfer{
				{Value: int64(d.pay), At: block, Confirmed: true},
				{Value: int64(d.pay), At: block, Confirmed: true, Contract: "TKJYdTAwsJjMWB2Yt51d5jp1yFhp4hNzGA"},
			} {
				if _, err := l.chain.Send(tr); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The first poll reads blocks 0 to 4 and leaves block 4 to the next.
		l.poll()
		cursors := []string{l.cursor}
		for i, d := range deps {
			if st := l.status(d.id); (st == loket.DepositSuccess) != (i < 4) {
				t.Errorf("after one poll, the deposit of block %d is %s", i, st)
			}
		}
		for poll := 0; poll < 3; poll++ {
			l.poll()
			cursors = append(cursors, l.cursor)
		}
		for _, d := range deps {
			if st := l.status(d.id); st != loket.DepositSuccess {
				t.Errorf("deposit %d (%s USDT): %s", d.id, usdt.Format(d.pay), st)
			}
		}
		if n := len(l.payments()); n != len(deps) {
			t.Errorf("%d payments, want %d", n, len(deps))
		}
		for i := 1; i < len(cursors); i++ {
			if cursors[i] < cursors[i-1] {
				t.Errorf("cursor went back: %v", cursors)
			}
		}
		if cursors[0] == cursors[1] {
			t.Errorf("the second poll did not go on from the first: %v", cursors)
		}
		loketest.VerifyLedger(t, l.s)
	})
}

// While the API is down nothing is recorded and the kept cursor stays; once it is up
// the transfer made meanwhile credits its deposit.
func TestChainAPIDown(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		l := start(t, engine)
		ctx := context.Background()
		id, pay := l.deposit(l.key, 25000)
		l.poll()
		kept, err := l.s.DB.Setting(ctx, "payment.cursor."+usdt.SourceName)
		if err != nil || kept == "" || kept != l.cursor {
			t.Fatalf("cursor kept %q (%v), polled %q", kept, err, l.cursor)
		}
		l.chain.down.Store(true)
		l.send(pay)
		before := l.cursor
		l.poll()
		l.poll()
		if now, _ := l.s.DB.Setting(ctx, "payment.cursor."+usdt.SourceName); l.cursor != before || now != kept {
			t.Errorf("cursor moved while the API was down: %q, kept %q", l.cursor, now)
		}
		if st := l.status(id); st != loket.DepositPending {
			t.Errorf("deposit %s", st)
		}
		l.chain.down.Store(false)
		l.poll()
		if st, b := l.status(id), l.balance(); st != loket.DepositSuccess || b != 25000 {
			t.Errorf("API back: %s, balance %d", st, b)
		}
	})
}

// loket serve polls the watcher by itself with the settings LOKET_TRON_API_URL and
// LOKET_TRON_POLL, and keeps its cursor.
func TestServeWatchesChain(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := newChain(t)
		s := loketest.Start(t, engine, "--tron-api-url="+c.URL, "--tron-poll=100ms", "--tron-api-key=k-42")
		ctx := context.Background()
		if err := s.Core.Deposits.SetUSDT(ctx, loket.USDTConfig{Address: operator, Rate: rate}); err != nil {
			t.Fatal(err)
		}
		l := &loketOn{t: t, s: s, chain: c}
		r := loketest.NewReseller(t, s, 0)
		l.key, l.id = r.Creds.APIKey, r.ID
		id, pay := l.deposit(l.key, 15000)
		l.send(pay)
		deadline := time.Now().Add(10 * time.Second)
		for l.status(id) != loket.DepositSuccess {
			if time.Now().After(deadline) {
				t.Fatal("the deposit was not credited by the server's watcher")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if b := l.balance(); b != 15000 {
			t.Errorf("balance %d", b)
		}
		// The cursor is saved after the poll that reported the payment (a crash in
		// between reads the transfer again; its hash credits it once): wait for it.
		for cur := ""; !strings.HasPrefix(cur, operator+"@"); time.Sleep(50 * time.Millisecond) {
			if cur, _ = s.DB.Setting(ctx, "payment.cursor."+usdt.SourceName); time.Now().After(deadline.Add(5 * time.Second)) {
				t.Fatalf("cursor kept: %q", cur)
			}
		}
		if k := c.key.Load(); k != "k-42" {
			t.Errorf("API key sent: %v", k)
		}
	})
}
