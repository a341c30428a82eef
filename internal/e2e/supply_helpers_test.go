package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/supplier"
)

// The supply tests chain two Lokets: A buys from B through one of B's compatibility
// surfaces, registered on A as a supplier of the matching kind. B's products route to
// its simulator, so the last digit of a target decides what B's supplier does
// (CONTRACT.md); A's own simulator is switched off, so A has only the routes a test
// adds.

// chain is a Loket A buying from a Loket B, and A's reseller who buys.
type chain struct {
	A, B    *server.Server
	buyer   *reseller
	opening int64
	hooks   *hookSink // the buyer's webhook endpoint
}

// hookSink collects the webhooks A sends its buyer.
type hookSink struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  []string
	byOrder map[int64]int
}

func newHookSink(t *testing.T) *hookSink {
	h := &hookSink{byOrder: map[int64]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var v struct {
			Event string `json:"event"`
			Order struct {
				ID int64 `json:"id"`
			} `json:"order"`
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		if json.Unmarshal(b, &v) == nil && v.Event == "order.updated" {
			h.byOrder[v.Order.ID]++
		}
		h.mu.Unlock()
	}))
	t.Cleanup(h.Close)
	return h
}

func newChain(t *testing.T, engine string) *chain {
	t.Helper()
	// A waits up to 2s for B: B answers at once (its own supplier call is asynchronous),
	// but two servers on a busy machine can take more than the default 300ms, and a
	// purchase that times out before B records it waits for the operator (by design
	// of the socx adapter: "not found" is not proof that nothing was sent).
	c := &chain{A: loketest.Start(t, engine, "--supplier-timeout=2s"), B: loketest.Start(t, engine), opening: 1_000_000}
	loketest.DisableSupplier(t, c.A, "sim")
	c.buyer = newReseller(t, c.A, c.opening)
	c.hooks = newHookSink(t)
	loketest.SetWebhookURL(t, c.A, c.buyer.ID, c.hooks.URL)
	return c
}

// upstreamAccount is a reseller of B: the account one supplier registration of A
// logs in as.
type upstreamAccount struct {
	*loketest.Reseller
	opening int64
}

// account creates a reseller on B with an opening balance; with hookSupplier set, its
// webhook URL is A's callback URL of that supplier, so B reports results to A.
func (c *chain) account(t *testing.T, balance int64, hookSupplier string) *upstreamAccount {
	t.Helper()
	r := loketest.NewReseller(t, c.B, loket.Money(balance))
	if hookSupplier != "" {
		loketest.SetWebhookURL(t, c.B, r.ID, loketest.CallbackURL(c.A, hookSupplier))
	}
	return &upstreamAccount{Reseller: r, opening: balance}
}

var targetSeq atomic.Int64

// uniqueMSISDN is a mobile number no other order of this process has, ending in last (the
// digit that decides what B's simulator does): the anti double-order guards of both
// Lokets never see the same target twice.
func uniqueMSISDN(last int) string {
	return fmt.Sprintf("0812%06d%d", targetSeq.Add(1)%1e6, last)
}

// gameID is a game account id no other order has, ending in last.
func gameID(last int) string { return fmt.Sprintf("77%07d%d", targetSeq.Add(1)%1e7, last) }

// buy places an order on A as the buyer, through the native API.
func (c *chain) buy(t *testing.T, product, target string, fields map[string]string) *client.Order {
	t.Helper()
	o, created, err := c.buyer.C.CreateOrder(context.Background(), client.OrderRequest{Product: product, Target: target,
		RefID: fmt.Sprintf("supply-%d", targetSeq.Add(1)), Fields: fields})
	if err != nil || !created {
		t.Fatalf("order %s %s: created=%v %v", product, target, created, err)
	}
	return o
}

// expect is what an order on A must come to.
type expect struct {
	o        *client.Order
	success  bool
	attempts []string // outcomes of A's attempts, in order
}

// settleAll waits for every order to be final on A and checks its state, its SN (B's
// SN, when B delivered), and A's attempts. It returns A's orders as finally seen.
func (c *chain) settleAll(t *testing.T, within time.Duration, want []expect) map[int64]*client.Order {
	t.Helper()
	out := map[int64]*client.Order{}
	for _, w := range want {
		got := c.waitFinal(t, w.o.ID, within)
		out[got.ID] = got
		if (got.Status == client.StatusSuccess) != w.success {
			t.Errorf("order %d (target %s): %s, want success=%v", got.ID, got.Target, got.Status, w.success)
		}
		if w.success && got.SN == "" {
			t.Errorf("order %d: success without an SN", got.ID)
		}
		if !w.success && got.SN != "" {
			t.Errorf("order %d: failed with SN %q", got.ID, got.SN)
		}
		at := attemptsOf(t, c.A, got.ID)
		var outcomes []string
		for _, a := range at {
			outcomes = append(outcomes, a.Outcome)
		}
		if fmt.Sprint(outcomes) != fmt.Sprint(w.attempts) {
			t.Errorf("order %d (target %s): attempts %v, want %v", got.ID, got.Target, outcomes, w.attempts)
		}
	}
	return out
}

// waitFinal waits for an order on A to be final; at the deadline it fails the test
// with A's attempts and B's orders, which say where it got stuck.
func (c *chain) waitFinal(t *testing.T, id int64, within time.Duration) *client.Order {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		o, err := c.buyer.C.Order(context.Background(), id)
		if err != nil {
			t.Fatalf("order %d: %v", id, err)
		}
		if o.Status != client.StatusPending {
			return o
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, at := range attemptsOf(t, c.A, id) {
				fmt.Fprintf(&b, "\n  A attempt %d: %s %s trx=%q %q", at.Seq, at.SupplierRef, at.Outcome, at.SupplierTrx, at.Message)
			}
			os, _ := c.B.Core.Orders.Orders(context.Background(), loket.OrderFilter{Limit: 1000})
			for _, bo := range os {
				fmt.Fprintf(&b, "\n  B order %d: reseller %d ref %s target %s %s", bo.ID, bo.ResellerID, bo.RefID, bo.Target, bo.Status)
			}
			t.Fatalf("order %d (target %s) still pending after %v:%s", id, o.Target, within, b.String())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func attemptsOf(t testing.TB, s *server.Server, orderID int64) []loket.Attempt {
	t.Helper()
	at, err := s.DB.Attempts(context.Background(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// waitAttempt waits until an order's last attempt on s has outcome.
func waitAttempt(t testing.TB, s *server.Server, orderID int64, outcome string, within time.Duration) loket.Attempt {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		at := attemptsOf(t, s, orderID)
		if len(at) > 0 && at[len(at)-1].Outcome == outcome {
			return at[len(at)-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %d: attempts %+v, want the last %s", orderID, at, outcome)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// replays is what replayed and contradicting reports must leave as it was: the
// buyer's balance on A and the number of each order's attempts.
type replays struct {
	balance  loket.Money
	attempts map[int64]int
}

// beforeReplays records what replays must not change, for the orders in orders.
func (c *chain) beforeReplays(t *testing.T, orders map[int64]*client.Order) replays {
	t.Helper()
	r := replays{balance: loketest.Balance(t, c.A, c.buyer.ID), attempts: map[int64]int{}}
	for id := range orders {
		r.attempts[id] = len(attemptsOf(t, c.A, id))
	}
	return r
}

// afterReplays checks that each of os is as orders has it (status and SN), with as
// many attempts as before, and that the buyer's balance has not moved.
func (c *chain) afterReplays(t *testing.T, before replays, orders map[int64]*client.Order, os ...*client.Order) {
	t.Helper()
	for _, o := range os {
		was := orders[o.ID]
		got := c.waitFinal(t, o.ID, time.Second)
		if got.Status != was.Status || got.SN != was.SN {
			t.Errorf("order %d changed after replays: %s %q, was %s %q", o.ID, got.Status, got.SN, was.Status, was.SN)
		}
		if n := len(attemptsOf(t, c.A, o.ID)); n != before.attempts[o.ID] {
			t.Errorf("order %d: %d attempts after replays, was %d", o.ID, n, before.attempts[o.ID])
		}
	}
	if got := loketest.Balance(t, c.A, c.buyer.ID); got != before.balance {
		t.Errorf("A: buyer's balance %d after replays, was %d", got, before.balance)
	}
}

// checkBuyer checks the buyer's balance on A: the opening less every successful
// order's price, each charged once, each failure refunded once.
func (c *chain) checkBuyer(t *testing.T, orders map[int64]*client.Order, pending ...*client.Order) {
	t.Helper()
	want := c.opening
	for _, o := range orders {
		if o.Status == client.StatusSuccess {
			want -= o.Price
		}
	}
	for _, o := range pending {
		want -= o.Price // charged, not refunded: the order waits for the operator
	}
	if got := loketest.Balance(t, c.A, c.buyer.ID); got != loket.Money(want) {
		t.Errorf("A: buyer's balance %d, want %d", got, want)
	}
}

// upstreamOrders waits for every order of acct on B to be final and returns them.
func (c *chain) upstreamOrders(t *testing.T, acct *upstreamAccount, within time.Duration) []*loket.Order {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		os, err := c.B.Core.Orders.Orders(context.Background(), loket.OrderFilter{ResellerID: acct.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, o := range os {
			if o.Status == loket.StatusPending {
				pending++
			}
		}
		if pending == 0 {
			return os
		}
		if time.Now().After(deadline) {
			t.Fatalf("B: %d orders of %s still pending", pending, acct.Username)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// checkUpstream checks B's books for acct: n orders (one per attempt A sent there: no
// double buy), and a balance that is the opening less B's successful orders.
func (c *chain) checkUpstream(t *testing.T, acct *upstreamAccount, n int) []*loket.Order {
	t.Helper()
	os := c.upstreamOrders(t, acct, 15*time.Second)
	if len(os) != n {
		t.Errorf("B: %s has %d orders, want %d", acct.Username, len(os), n)
	}
	want := acct.opening
	for _, o := range os {
		if o.Status == loket.StatusSuccess {
			want -= int64(o.Price)
		}
	}
	if got := loketest.Balance(t, c.B, acct.ID); got != loket.Money(want) {
		t.Errorf("B: %s's balance %d, want %d (opening %d less its successful orders)", acct.Username, got, want, acct.opening)
	}
	return os
}

// upstreamOrder is B's order placed by A's attempt (B's ref_id or id is in it).
func upstreamOrderByRef(t *testing.T, os []*loket.Order, ref string) *loket.Order {
	t.Helper()
	for _, o := range os {
		if o.RefID == ref {
			return o
		}
	}
	t.Fatalf("B has no order %s", ref)
	return nil
}

// checkWhiteLabel reads, as A's buyer, every order and the order list, and fails
// when any of words (supplier names, B's address, B's transaction ids) shows.
func (c *chain) checkWhiteLabel(t *testing.T, ids []int64, words ...string) {
	t.Helper()
	bodies := []string{string(raw(t, "GET", c.A.URL+"/v1/orders?limit=200", c.buyer.Creds.APIKey, nil).Body)}
	for _, id := range ids {
		bodies = append(bodies, string(raw(t, "GET", fmt.Sprintf("%s/v1/orders/%d", c.A.URL, id), c.buyer.Creds.APIKey, nil).Body))
	}
	c.hooks.mu.Lock()
	bodies = append(bodies, c.hooks.bodies...)
	c.hooks.mu.Unlock()
	u, _ := url.Parse(c.B.URL)
	// B's address, and the words of B's dialects (its messages never reach A's buyer).
	words = append(words, u.Host, "gagal", "saldo", "transaksi", "pesanan", "rc 0", "rc 2", "rc 6")
	for _, b := range bodies {
		b = strings.ReplaceAll(b, `"mode":"saldo"`, "") // Loket's own word for an order paid from the balance
		for _, w := range words {
			if w != "" && strings.Contains(strings.ToLower(b), strings.ToLower(w)) {
				t.Errorf("A's buyer sees %q: %s", w, clip([]byte(b)))
			}
		}
	}
}

// checkBuyerHooks checks that A told its buyer of each final order exactly once
// (replayed or contradicting reports from B tell nothing again), and of the pending
// ones not at all.
func (c *chain) checkBuyerHooks(t *testing.T, final map[int64]*client.Order, pending ...*client.Order) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.hooks.mu.Lock()
		short := 0
		for id := range final {
			if c.hooks.byOrder[id] < 1 {
				short++
			}
		}
		c.hooks.mu.Unlock()
		if short == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // room for a wrong second one
	c.hooks.mu.Lock()
	defer c.hooks.mu.Unlock()
	for id, o := range final {
		if n := c.hooks.byOrder[id]; n != 1 {
			t.Errorf("A told its buyer of order %d (%s) %d times, want once", id, o.Status, n)
		}
	}
	for _, o := range pending {
		if n := c.hooks.byOrder[o.ID]; n != 0 {
			t.Errorf("A told its buyer of pending order %d %d times", o.ID, n)
		}
	}
}

// checkAfterRestart asks about each order's last attempt as a freshly started A
// would: a new adapter with no memory of the orders it placed, given only what A
// recorded (ref, code, target, fields, B's transaction id). Its answer must agree
// with the order's final state.
func (c *chain) checkAfterRestart(t *testing.T, cfg loket.Supplier, orders ...*client.Order) {
	t.Helper()
	sup, err := supplier.New(supplier.Config{Name: cfg.Name, Kind: cfg.Kind, BaseURL: cfg.BaseURL, APIKey: cfg.APIKey,
		Secret: cfg.Secret, MemberID: cfg.MemberID})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orders {
		at := attemptsOf(t, c.A, o.ID)
		last := at[len(at)-1]
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := sup.Status(ctx, supplier.Request{Ref: last.SupplierRef, Code: last.SupplierCode, Target: o.Target,
			Fields: o.Fields, PlacedAt: last.StartedAt, TrxID: last.SupplierTrx})
		cancel()
		want := supplier.Failed
		if o.Status == client.StatusSuccess {
			want = supplier.Success
		}
		if err != nil || res.Outcome != want || res.SN != o.SN {
			t.Errorf("order %d asked after a restart: %+v %v, want %s %q", o.ID, res, err, want, o.SN)
		}
	}
}

// callback posts body to A's callback URL of a supplier, signed as B signs its
// reports with the account's secret key (unsigned when secret is empty).
func (c *chain) callback(t *testing.T, name, contentType, secret string, body []byte) loketest.Response {
	t.Helper()
	h := []string{"Content-Type", contentType}
	if secret != "" {
		h = append(h, "X-Loket-Signature", auth.Sign(secret, body))
	}
	return loketest.Do(t, "POST", loketest.CallbackURL(c.A, name), body, h...)
}

// reportOf is the body of B's report (webhook) of one of B's orders to acct.
func (c *chain) reportOf(t *testing.T, acct *upstreamAccount, orderID int64) *loket.Webhook {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ws, err := c.B.Core.Webhooks.Webhooks(context.Background(), acct.ID, 200)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			if w.OrderID != nil && *w.OrderID == orderID {
				return w
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("B sent no report of order %d", orderID)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Proxy modes: what the proxy in front of B does with a request.
const (
	modePass    = iota // forward to B, return its answer
	modeLost           // forward to B, then answer 502: B did it, A never hears
	modeDown           // 502 without forwarding
	modeGarbage        // 200 with an HTML page, without forwarding
	modeHang           // no answer until the caller gives up, without forwarding
)

// flaky is a proxy in front of B that can fail in the ways an upstream does.
type flaky struct {
	*httptest.Server
	mode      atomic.Int32
	paths     sync.Map     // path suffix -> *atomic.Int32: the mode of those requests instead
	forwarded atomic.Int64 // requests that reached B
	refused   atomic.Int64 // requests answered badly
}

// setPath gives the requests whose path ends in suffix their own mode.
func (f *flaky) setPath(suffix string, mode int32) {
	m, _ := f.paths.LoadOrStore(suffix, new(atomic.Int32))
	m.(*atomic.Int32).Store(mode)
}

// modeOf is the mode of request r.
func (f *flaky) modeOf(r *http.Request) int32 {
	mode := f.mode.Load()
	f.paths.Range(func(k, v any) bool {
		if strings.HasSuffix(r.URL.Path, k.(string)) {
			mode = v.(*atomic.Int32).Load()
			return false
		}
		return true
	})
	return mode
}

func newFlaky(t *testing.T, upstream string) *flaky {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	f := &flaky{}
	stop := make(chan struct{})
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mode := f.modeOf(r)
		if mode == modePass {
			f.forwarded.Add(1)
			rp.ServeHTTP(w, r)
			return
		}
		f.refused.Add(1)
		switch mode {
		case modeLost:
			f.forwarded.Add(1)
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			http.Error(w, "Bad Gateway", http.StatusBadGateway)
		case modeDown:
			http.Error(w, "Bad Gateway", http.StatusBadGateway)
		case modeGarbage:
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body>Sedang maintenance {\"rc\":</body></html>")
		case modeHang:
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		}
	}))
	t.Cleanup(func() {
		close(stop)
		f.CloseClientConnections()
		f.Close()
	})
	return f
}

// waitRefused waits until the proxy has answered n requests badly in all.
func (f *flaky) waitRefused(t *testing.T, n int64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for f.refused.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("proxy answered %d requests badly, want %d", f.refused.Load(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stillPending checks that an order on A is pending and its price still held: never
// refunded while B gives no usable answer.
func (c *chain) stillPending(t *testing.T, id int64) {
	t.Helper()
	o, err := c.buyer.C.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != client.StatusPending {
		t.Fatalf("order %d is %s while B gives no usable answer, want pending", id, o.Status)
	}
}

func outcomes(s ...string) []string { return s }
