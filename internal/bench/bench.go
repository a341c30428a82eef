// Package bench is the load generator behind `loket bench`: it fires orders at a
// running server through the native API, then checks the books in the database the
// server uses.
//
// Setup opens that database directly (as the operator commands do) and creates N fresh
// resellers bench-<runid>-<i> with an opening balance. The load is C concurrent
// clients for T seconds, either as fast as they can (closed loop) or at a fixed rate
// (open loop: order i is due at start + i/R, whichever client is free sends it, and its
// latency runs from when it was due, so a slow server cannot hide its queueing delay).
// A share of the orders may go to one hot reseller. Targets end in 0, which the
// simulator supplier settles as a success at once.
//
// Afterwards it waits (bounded) for the bench resellers' pending orders to settle and
// checks that every acknowledged order exists exactly once, that the ledger invariants
// hold, and that each bench reseller's balance is its opening balance less what its
// successful and pending orders cost.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

// options are the bench's own flags.
type options struct {
	url       string
	resellers int
	clients   int
	duration  time.Duration
	rate      float64
	hot       float64
	product   string
	balance   loket.Money
	prefix    string
	timeout   time.Duration
	settle    time.Duration
	json      bool
	pid       int
}

const usageHead = `usage: loket bench [flags]

Fires orders at a running server (POST /v1/orders), then checks the books in the
database the server uses: set --database-url (or LOKET_DATABASE_URL) to the same one.
The product catalog must be loaded (loket demo loads HSA5, routed to the simulator).
loket bench grow -h: the growth benchmark (fill to N orders, time intake and reads).

Flags:
`

// Main runs `loket bench`. It prints the report on out and returns an error when a
// check fails.
func Main(args []string, out io.Writer) error {
	if len(args) > 0 && args[0] == "grow" {
		return GrowMain(args[1:], out)
	}
	fs := flag.NewFlagSet("loket bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var o options
	fs.StringVar(&o.url, "url", "", "base URL of the running server (default: LOKET_ADDR on this machine)")
	fs.IntVar(&o.resellers, "resellers", 50, "fresh resellers to create and spread the orders over")
	fs.IntVar(&o.clients, "clients", 64, "concurrent clients (and keep-alive connections)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to fire orders")
	fs.Float64Var(&o.rate, "rate", 0, "orders per second to aim at (open loop); 0: as fast as the clients can")
	fs.Float64Var(&o.hot, "hot", 0, "share of the orders (0..1) that go to one hot reseller")
	fs.StringVar(&o.product, "product", "HSA5", "product code to order")
	fs.Int64Var((*int64)(&o.balance), "balance", 1_000_000_000, "opening balance of each bench reseller")
	fs.StringVar(&o.prefix, "prefix", "0812", "first digits of the targets (digits follow, then a final 0: success at once in the simulator)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "timeout of one request")
	fs.DurationVar(&o.settle, "settle", 30*time.Second, "how long to wait for pending orders to settle before checking")
	fs.BoolVar(&o.json, "json", false, "print the report as one JSON object")
	fs.IntVar(&o.pid, "pid", 0, "the server's process id (same machine): its CPU time per order over the run, and its peak memory, from /proc/PID")
	build := config.Register(fs)
	if help, err := parse(fs, args, out, "bench", usageHead); help || err != nil {
		return err
	}
	cfg, err := build()
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if o.url == "" {
		o.url = server.LocalURL(cfg)
	}
	if err := o.check(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, stop, cfg, o, out)
}

// loadTransport is the HTTP transport of a load of clients: a kept-alive connection
// each, nothing compressed.
func loadTransport(clients int) *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        clients,
		MaxIdleConnsPerHost: clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

func (o *options) check() error {
	o.url = strings.TrimRight(strings.TrimSpace(o.url), "/")
	o.product = strings.ToUpper(strings.TrimSpace(o.product))
	switch {
	case !strings.HasPrefix(o.url, "http://") && !strings.HasPrefix(o.url, "https://"):
		return fmt.Errorf("--url must be an http:// or https:// URL, got %q", o.url)
	case o.resellers < 1 || o.resellers > 10000:
		return fmt.Errorf("--resellers must be 1-10000")
	case o.clients < 1 || o.clients > 100000:
		return fmt.Errorf("--clients must be 1-100000")
	case o.duration <= 0:
		return fmt.Errorf("--duration must be positive")
	case o.rate < 0 || math.IsNaN(o.rate) || math.IsInf(o.rate, 0):
		return fmt.Errorf("--rate must be >= 0")
	case o.pid < 0:
		return fmt.Errorf("--pid must be a process id")
	case !(o.hot >= 0 && o.hot <= 1):
		return fmt.Errorf("--hot must be between 0 and 1")
	case o.product == "":
		return fmt.Errorf("--product is required")
	case o.balance <= 0 || o.balance > loket.MaxAmount:
		return fmt.Errorf("--balance must be between 1 and %d", loket.MaxAmount)
	case o.timeout <= 0 || o.settle < 0:
		return fmt.Errorf("--timeout must be positive and --settle not negative")
	}
	if len(o.prefix) < 2 || len(o.prefix) > 5 || !strings.HasPrefix(o.prefix, "08") || strings.Trim(o.prefix, "0123456789") != "" {
		return fmt.Errorf("--prefix must be 2-5 digits starting with 08 (targets are the prefix, 7 digits and a 0)")
	}
	return nil
}

// reseller is one bench reseller.
type reseller struct {
	id       int64
	username string
	key      string
	opening  loket.Money
}

// ack is an acknowledged order: HTTP 200 or 201 with an id.
type ack struct {
	reseller int
	ref      string
	id       int64
	price    loket.Money
}

type errCount struct {
	n       int
	example string
}

// worker's tallies; merged when the load ends.
type tally struct {
	sent     int
	replayed int // 200: the server had seen the ref_id (never expected: every ref is new)
	lat      []time.Duration
	acks     []ack
	errs     map[string]*errCount
}

func (t *tally) fail(key, example string) {
	if t.errs == nil {
		t.errs = map[string]*errCount{}
	}
	e := t.errs[key]
	if e == nil {
		e = &errCount{example: example}
		t.errs[key] = e
	}
	e.n++
}

// Report is what a run found. Printed as text, or with --json as one JSON object.
type Report struct {
	RunID        string       `json:"run_id"`
	URL          string       `json:"url"`
	Product      string       `json:"product"`
	Price        int64        `json:"price"`
	Resellers    int          `json:"resellers"`
	Clients      int          `json:"clients"`
	Duration     float64      `json:"duration_s"`
	Rate         float64      `json:"rate"`
	Hot          float64      `json:"hot"`
	Wall         float64      `json:"wall_s"`
	Interrupted  bool         `json:"interrupted,omitempty"` // the load was cut short by a signal
	Sent         int          `json:"sent"`
	Unsent       int          `json:"unsent"` // open loop: due before the end but not sent (the clients fell behind)
	Acknowledged int          `json:"acknowledged"`
	Replayed     int          `json:"replayed"`
	ErrorTotal   int          `json:"error_total"`
	Errors       []ErrorCount `json:"errors"`
	OrdersPerSec float64      `json:"orders_per_s"`
	LatencyMS    Latency      `json:"latency_ms"`
	// With --pid: the server's CPU time (user and system) over the run per order
	// acknowledged, and its peak resident memory. Steadier than orders/s on a machine
	// whose speed varies: what an order costs, not how fast the machine was meanwhile.
	ServerCPUPerOrderUS float64 `json:"server_cpu_per_order_us,omitempty"`
	ServerPeakRSSMB     float64 `json:"server_peak_rss_mb,omitempty"`
	// The load generator's own CPU time over the run per order acknowledged: on a
	// machine where it shares the cores with the server, what it takes from them.
	BenchCPUPerOrderUS float64       `json:"bench_cpu_per_order_us,omitempty"`
	Final              Final         `json:"final"`
	ViolationsPre      int           `json:"violations_before"`
	Checks             []CheckResult `json:"checks"`
	OK                 bool          `json:"ok"`
}

// ErrorCount is how many requests failed one way.
type ErrorCount struct {
	Kind    string `json:"kind"` // "409 duplicate_pending", "transport timeout"...
	Count   int    `json:"count"`
	Example string `json:"example"`
}

// Latency of acknowledged orders, from when each was due (open loop) or sent.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Final is the state of the bench resellers' orders in the database after settling.
type Final struct {
	Orders         int `json:"orders"`
	Success        int `json:"success"`
	Failed         int `json:"failed"`
	Pending        int `json:"pending"`
	Unacknowledged int `json:"unacknowledged"` // in the database but not acknowledged (timeouts, cut connections)
}

// CheckResult is one check after the run.
type CheckResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

type bench struct {
	o      options
	client *http.Client
	rs     []reseller
	runID  string
	base   uint64 // first target number of this run

	start, end time.Time
	stop       <-chan struct{}
	next       atomic.Int64 // open loop: next due order
	seq        atomic.Int64 // ref_id and target sequence

	// The growth benchmark's fill: stop after order seq limit (0: no limit), and
	// give targets the mix of endings of mixDigit rather than all 0.
	limit int64
	mix   bool
}

func run(ctx context.Context, stopSignals func(), cfg *config.Config, o options, out io.Writer) error {
	rep := &Report{RunID: strings.ToLower(auth.RandomCode(6)), URL: o.url, Product: o.product, Resellers: o.resellers,
		Clients: o.clients, Duration: o.duration.Seconds(), Rate: o.rate, Hot: o.hot}
	db, err := server.OpenDB(ctx, cfg)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer db.Close()

	rs, price, err := setup(ctx, cfg, db, o, rep.RunID)
	if err != nil {
		return fmt.Errorf("bench: setup: %w", err)
	}
	rep.Price = int64(price)
	pre, err := db.Verify(ctx)
	if err != nil {
		return fmt.Errorf("bench: verify ledger before the run: %w", err)
	}
	rep.ViolationsPre = len(pre)

	tr := loadTransport(o.clients)
	defer tr.CloseIdleConnections()
	b := &bench{o: o, client: &http.Client{Transport: tr, Timeout: o.timeout}, rs: rs, runID: rep.RunID,
		base: rand.Uint64N(10_000_000), stop: ctx.Done()}
	if err := b.probe(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}

	fmt.Fprintf(os.Stderr, "loket bench %s: %d resellers ready, firing %s for %s at %s\n", rep.RunID, len(rs), o.product, o.duration, o.url)
	cpu0, cpuOK := procCPU(o.pid)
	self0, selfOK := procCPU(os.Getpid())
	tallies := b.load()
	cpu1, _ := procCPU(o.pid)
	self1, _ := procCPU(os.Getpid())
	rep.Interrupted = ctx.Err() != nil
	stopSignals() // from here on an interrupt ends the process
	wall := time.Since(b.start)
	rep.Wall = wall.Seconds()

	var lat []time.Duration
	var acks []ack
	errs := map[string]*errCount{}
	for _, t := range tallies {
		rep.Sent += t.sent
		rep.Replayed += t.replayed
		lat = append(lat, t.lat...)
		acks = append(acks, t.acks...)
		for k, e := range t.errs {
			if m := errs[k]; m != nil {
				m.n += e.n
			} else {
				errs[k] = &errCount{n: e.n, example: e.example}
			}
		}
	}
	rep.Acknowledged = len(acks)
	if cpuOK && rep.Acknowledged > 0 {
		rep.ServerCPUPerOrderUS = math.Round((cpu1 - cpu0) * 1e6 / float64(rep.Acknowledged))
		rep.ServerPeakRSSMB, _ = procMem(o.pid)
	}
	if selfOK && rep.Acknowledged > 0 {
		rep.BenchCPUPerOrderUS = math.Round((self1 - self0) * 1e6 / float64(rep.Acknowledged))
	}
	for k, e := range errs {
		rep.ErrorTotal += e.n
		rep.Errors = append(rep.Errors, ErrorCount{Kind: k, Count: e.n, Example: e.example})
	}
	sort.Slice(rep.Errors, func(i, j int) bool {
		if rep.Errors[i].Count != rep.Errors[j].Count {
			return rep.Errors[i].Count > rep.Errors[j].Count
		}
		return rep.Errors[i].Kind < rep.Errors[j].Kind
	})
	if rep.Errors == nil {
		rep.Errors = []ErrorCount{}
	}
	if o.rate > 0 {
		due := int(math.Ceil(o.rate * o.duration.Seconds()))
		rep.Unsent = max(0, due-rep.Sent)
	}
	if wall > 0 {
		rep.OrdersPerSec = float64(len(acks)) / wall.Seconds()
	}
	rep.LatencyMS = percentiles(lat)

	// The books, read from the database the server writes.
	cctx := context.Background()
	if err := settle(cctx, db, rs, o.settle); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := check(cctx, db, rs, acks, rep, pre); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	rep.OK = true
	var failed []string
	for _, c := range rep.Checks {
		if !c.OK {
			rep.OK = false
			failed = append(failed, c.Name)
		}
	}
	if o.json {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printText(out, rep)
	}
	if !rep.OK {
		return fmt.Errorf("bench: check failed: %s", strings.Join(failed, "; "))
	}
	return nil
}

// setup creates the bench resellers and returns them with the product's price for them.
func setup(ctx context.Context, cfg *config.Config, db *store.DB, o options, runID string) ([]reseller, loket.Money, error) {
	c, err := server.NewCore(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)), metrics.NewRegistry(), cfg)
	if err != nil {
		return nil, 0, err
	}
	p, err := c.Catalog.Product(o.product, "reseller")
	if err != nil {
		return nil, 0, fmt.Errorf("product %s is not in the catalog of this database (load one: loket demo, or loket catalog import)", o.product)
	}
	if !p.Active {
		return nil, 0, fmt.Errorf("product %s is not active", o.product)
	}
	if p.TargetKind != loket.TargetMSISDN {
		return nil, 0, fmt.Errorf("product %s takes %s targets; the bench sends mobile numbers (pick a pulsa or data product)", o.product, p.TargetKind)
	}
	// One at a time: a handful of seconds for thousands.
	rs := make([]reseller, o.resellers)
	for i := range rs {
		name := fmt.Sprintf("bench-%s-%d", runID, i)
		r, creds, err := c.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: name, Name: "loket bench " + runID, Level: "reseller", Balance: o.balance})
		if err != nil {
			return nil, 0, fmt.Errorf("create reseller %s: %w", name, err)
		}
		rs[i] = reseller{id: r.ID, username: r.Username, key: creds.APIKey, opening: r.Balance}
	}
	return rs, p.Price, nil
}

// probe asks the server who the first bench reseller is: it fails when the server
// runs on another database than the one the bench set up.
func (b *bench) probe() error {
	req, err := http.NewRequest(http.MethodGet, b.o.url+"/v1/me", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+b.rs[0].key)
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("server at %s does not answer: %w", b.o.url, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	var me struct {
		Username string `json:"username"`
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("server at %s does not know the bench reseller %s: does it use the same database (--database-url, LOKET_DATABASE_URL)?", b.o.url, b.rs[0].username)
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &me) != nil || me.Username != b.rs[0].username {
		return fmt.Errorf("server at %s: GET /v1/me answered %d %s", b.o.url, resp.StatusCode, clip(string(body)))
	}
	return nil
}

// load runs the clients until the duration is over (or an interrupt), and returns
// their tallies.
func (b *bench) load() []*tally {
	tallies := make([]*tally, b.o.clients)
	b.start = time.Now()
	b.end = b.start.Add(b.o.duration)
	var wg sync.WaitGroup
	for i := range tallies {
		t := &tally{}
		tallies[i] = t
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.client1(i, t)
		}()
	}
	wg.Wait()
	return tallies
}

func (b *bench) stopped() bool {
	select {
	case <-b.stop:
		return true
	default:
		return false
	}
}

// client1 is one client: it sends orders one after another.
func (b *bench) client1(n int, t *tally) {
	rng := rand.New(rand.NewPCG(rand.Uint64(), uint64(n)))
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var due time.Time
		if b.o.rate > 0 {
			i := b.next.Add(1) - 1
			due = b.start.Add(time.Duration(float64(i) * float64(time.Second) / b.o.rate))
			if !due.Before(b.end) {
				return
			}
			if d := time.Until(due); d > 0 {
				timer.Reset(d)
				select {
				case <-timer.C:
				case <-b.stop:
					return
				}
			} else if !time.Now().Before(b.end) || b.stopped() {
				return // behind schedule at the end: the rest counts as unsent
			}
		} else {
			due = time.Now()
			if !due.Before(b.end) || b.stopped() {
				return
			}
		}
		seq := b.seq.Add(1)
		if b.limit > 0 && seq > b.limit {
			return
		}
		ri := b.pick(rng)
		ref := fmt.Sprintf("bench-%s-%d", b.runID, seq)
		last := 0
		if b.mix {
			last = mixDigit(seq)
		}
		target := fmt.Sprintf("%s%07d%d", b.o.prefix, (b.base+uint64(seq))%10_000_000, last)
		b.send(t, ri, ref, target, due)
	}
}

// pick chooses the reseller of the next order: the hot one (index 0) with
// probability --hot, otherwise any other one.
func (b *bench) pick(rng *rand.Rand) int {
	n := len(b.rs)
	switch {
	case n == 1:
		return 0
	case b.o.hot > 0 && rng.Float64() < b.o.hot:
		return 0
	case b.o.hot > 0:
		return 1 + rng.IntN(n-1)
	}
	return rng.IntN(n)
}

type orderBody struct {
	Product string `json:"product"`
	Target  string `json:"target"`
	RefID   string `json:"ref_id"`
}

type orderReply struct {
	ID     int64       `json:"id"`
	RefID  string      `json:"ref_id"`
	Price  loket.Money `json:"price"`
	Status string      `json:"status"`
}

type errorReply struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (b *bench) send(t *tally, ri int, ref, target string, due time.Time) {
	body, _ := json.Marshal(orderBody{Product: b.o.product, Target: target, RefID: ref})
	req, err := http.NewRequest(http.MethodPost, b.o.url+"/v1/orders", bytes.NewReader(body))
	if err != nil {
		t.fail("request", err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+b.rs[ri].key)
	t.sent++
	resp, err := b.client.Do(req)
	if err != nil {
		t.fail(transportKind(err), err.Error())
		return
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	done := time.Now()
	if err != nil {
		t.fail(transportKind(err), err.Error())
		return
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated {
		var o orderReply
		if err := json.Unmarshal(data, &o); err != nil || o.ID <= 0 || o.RefID != ref {
			t.fail(fmt.Sprintf("%d unexpected body", resp.StatusCode), clip(string(data)))
			return
		}
		if resp.StatusCode == http.StatusOK {
			t.replayed++
		}
		t.acks = append(t.acks, ack{reseller: ri, ref: ref, id: o.ID, price: o.Price})
		t.lat = append(t.lat, done.Sub(due))
		return
	}
	var e errorReply
	code := "?"
	if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
		code = e.Error.Code
	}
	t.fail(fmt.Sprintf("%d %s", resp.StatusCode, code), clip(string(data)))
}

func transportKind(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "transport timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "transport connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "transport connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "transport connection closed"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "transport out of local ports"
	}
	return "transport error"
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func percentiles(lat []time.Duration) Latency {
	if len(lat) == 0 {
		return Latency{}
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(lat)))) - 1
		i = min(max(i, 0), len(lat)-1)
		return ms(lat[i])
	}
	return Latency{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(lat[len(lat)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Millisecond)*1000) / 1000 }

// settle waits, up to limit, until no bench reseller has a pending order.
func settle(ctx context.Context, db *store.DB, rs []reseller, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	left := slices.Clone(rs)
	for {
		var still []reseller
		for _, r := range left {
			p, err := db.ListOrders(ctx, loket.OrderFilter{ResellerID: r.id, Status: loket.StatusPending, Limit: 1})
			if err != nil {
				return fmt.Errorf("list pending orders: %w", err)
			}
			if len(p) > 0 {
				still = append(still, r)
			}
		}
		left = still
		if len(left) == 0 || !time.Now().Before(deadline) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func allOrders(ctx context.Context, db *store.DB, resellerID int64) ([]*loket.Order, error) {
	const page = 5000
	var out []*loket.Order
	var before int64
	for {
		batch, err := db.ListOrders(ctx, loket.OrderFilter{ResellerID: resellerID, Before: before, Limit: page})
		if err != nil {
			return nil, err
		}
		out = append(out, batch...)
		if len(batch) < page {
			return out, nil
		}
		before = batch[len(batch)-1].ID
	}
}

// problems collects a bounded list of what a check found wrong.
type problems struct {
	n    int
	list []string
}

func (p *problems) add(format string, args ...any) {
	p.n++
	if len(p.list) < 5 {
		p.list = append(p.list, fmt.Sprintf(format, args...))
	}
}

func (p *problems) String() string {
	s := strings.Join(p.list, "; ")
	if p.n > len(p.list) {
		s += fmt.Sprintf("; and %d more", p.n-len(p.list))
	}
	return s
}

// check runs the three checks on the database and fills the report.
func check(ctx context.Context, db *store.DB, rs []reseller, acks []ack, rep *Report, pre []loket.Violation) error {
	byRef := make([]map[string][]*loket.Order, len(rs))
	var balance problems
	for i, r := range rs {
		orders, err := allOrders(ctx, db, r.id)
		if err != nil {
			return fmt.Errorf("list orders of %s: %w", r.username, err)
		}
		m := make(map[string][]*loket.Order, len(orders))
		var spent loket.Money
		for _, o := range orders {
			m[o.RefID] = append(m[o.RefID], o)
			rep.Final.Orders++
			switch o.Status {
			case loket.StatusSuccess:
				rep.Final.Success++
				spent += o.Price
			case loket.StatusPending:
				rep.Final.Pending++
				spent += o.Price
			case loket.StatusFailed:
				rep.Final.Failed++
			}
		}
		byRef[i] = m
		now, err := db.Reseller(ctx, r.id, "")
		if err != nil {
			return fmt.Errorf("read reseller %s: %w", r.username, err)
		}
		if want := r.opening - spent; now.Balance != want {
			balance.add("%s has %d, want %d (opening %d - %d spent on %d orders)", r.username, now.Balance, want, r.opening, spent, len(orders))
		}
	}

	// (a) Every acknowledged order exists exactly once, under distinct ids.
	var once problems
	ids := make(map[int64]string, len(acks))
	acked := make([]map[string]bool, len(rs))
	for i := range acked {
		acked[i] = map[string]bool{}
	}
	for _, a := range acks {
		name := rs[a.reseller].username
		if prev, dup := ids[a.id]; dup {
			once.add("id %d acknowledged for both %s and %s/%s", a.id, prev, name, a.ref)
		}
		ids[a.id] = name + "/" + a.ref
		acked[a.reseller][a.ref] = true
		got := byRef[a.reseller][a.ref]
		switch {
		case len(got) == 0:
			once.add("%s/%s (id %d) is not in the database", name, a.ref, a.id)
		case len(got) > 1:
			once.add("%s/%s is in the database %d times", name, a.ref, len(got))
		case got[0].ID != a.id:
			once.add("%s/%s was acknowledged as id %d but is id %d in the database", name, a.ref, a.id, got[0].ID)
		case got[0].Price != a.price:
			once.add("%s/%s was acknowledged at price %d but costs %d in the database", name, a.ref, a.price, got[0].Price)
		}
	}
	for i, m := range byRef {
		for ref, list := range m {
			if !acked[i][ref] {
				rep.Final.Unacknowledged += len(list)
			}
		}
	}
	detail := fmt.Sprintf("%d acknowledged orders, each once in the database, ids distinct", len(acks))
	if once.n > 0 {
		detail = once.String()
	}
	rep.Checks = append(rep.Checks, CheckResult{Name: "acknowledged orders exist exactly once", OK: once.n == 0, Detail: detail})

	// (b) The ledger invariants.
	vs, err := db.Verify(ctx)
	if err != nil {
		return fmt.Errorf("verify ledger: %w", err)
	}
	var inv problems
	for _, v := range vs {
		inv.add("%s: %s", v.Invariant, v.Detail)
	}
	detail = "entries sum to zero, balances equal entries, none below zero, holds match orders"
	if inv.n > 0 {
		detail = inv.String()
		if len(pre) > 0 {
			detail += fmt.Sprintf(" (%d violations were there before the run)", len(pre))
		}
	}
	rep.Checks = append(rep.Checks, CheckResult{Name: "ledger invariants", OK: inv.n == 0, Detail: detail})

	// (c) Nothing lost or charged twice.
	detail = fmt.Sprintf("%d resellers: balance = opening - successful - pending", len(rs))
	if rep.Final.Pending > 0 {
		detail += fmt.Sprintf(" (%d still pending after the settle wait)", rep.Final.Pending)
	}
	if balance.n > 0 {
		detail = balance.String()
	}
	rep.Checks = append(rep.Checks, CheckResult{Name: "balances match orders", OK: balance.n == 0, Detail: detail})
	return nil
}

func printText(w io.Writer, r *Report) {
	rate := "as fast as possible"
	if r.Rate > 0 {
		rate = strconv.FormatFloat(r.Rate, 'f', -1, 64) + "/s (open loop)"
	}
	fmt.Fprintf(w, "loket bench %s: %s at %s (price %d)\n", r.RunID, r.Product, r.URL, r.Price)
	fmt.Fprintf(w, "  load        %d resellers (hot share %.2f), %d clients, %gs, rate %s\n", r.Resellers, r.Hot, r.Clients, r.Duration, rate)
	fmt.Fprintf(w, "  orders      sent %d, acknowledged %d, errors %d", r.Sent, r.Acknowledged, r.ErrorTotal)
	if r.Replayed > 0 {
		fmt.Fprintf(w, ", replayed (200) %d", r.Replayed)
	}
	if r.Unsent > 0 {
		fmt.Fprintf(w, ", unsent %d (behind schedule)", r.Unsent)
	}
	fmt.Fprintln(w)
	for _, e := range r.Errors {
		fmt.Fprintf(w, "    %6d  %s  e.g. %s\n", e.Count, e.Kind, e.Example)
	}
	cut := ""
	if r.Interrupted {
		cut = " (interrupted)"
	}
	fmt.Fprintf(w, "  throughput  %.1f orders/s over %.2fs%s\n", r.OrdersPerSec, r.Wall, cut)
	fmt.Fprintf(w, "  latency ms  p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n", r.LatencyMS.P50, r.LatencyMS.P95, r.LatencyMS.P99, r.LatencyMS.Max)
	if r.ServerCPUPerOrderUS > 0 {
		fmt.Fprintf(w, "  server      CPU %.0f µs an order, peak RSS (VmHWM) %.1f MB\n", r.ServerCPUPerOrderUS, r.ServerPeakRSSMB)
	}
	if r.BenchCPUPerOrderUS > 0 {
		fmt.Fprintf(w, "  bench       CPU %.0f µs an order (this load generator's own, on the same cores as the server if run beside it)\n", r.BenchCPUPerOrderUS)
	}
	fmt.Fprintf(w, "  database    %d orders: %d success, %d failed, %d pending; %d not acknowledged\n",
		r.Final.Orders, r.Final.Success, r.Final.Failed, r.Final.Pending, r.Final.Unacknowledged)
	fmt.Fprintln(w, "  checks")
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "    %s  %s: %s\n", mark, c.Name, c.Detail)
	}
}

// parse parses the flags of the command name; with -h it prints head and the flags
// on out and says so (help), and it refuses arguments that are not flags.
func parse(fs *flag.FlagSet, args []string, out io.Writer, name, head string) (help bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(out, head)
			fs.SetOutput(out)
			fs.PrintDefaults()
			return true, nil
		}
		return false, fmt.Errorf("%s: %w", name, err)
	}
	if fs.NArg() > 0 {
		return false, fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	return false, nil
}
