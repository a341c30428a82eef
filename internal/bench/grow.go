package bench

// The growth benchmark (`loket bench grow`, issue 21): fill a database to N orders
// through the native API, and at each checkpoint on the way time a short burst of
// intake and each read an operator or reseller does: /metrics, the operator's pages,
// the reseller's dashboard, and the CLI's lists and ledger verify (run as processes).
// It only uses public surfaces (HTTP, the CLI, the database URL), so the same tool
// measures the binary before and after a change to the store.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

// mixDigit is the last digit of the target of fill order seq: of every 100 orders
// 92 end in 0 (success at once), 4 in 2 (failed at once), 2 in 3 (pending, then
// success within LOKET_SIM_DELAY) and 2 in 4 (pending, then failed). None end in 5
// (no answer): those hold a dispatch worker until the supplier timeout.
func mixDigit(seq int64) int {
	switch r := seq % 100; {
	case r < 4:
		return 2
	case r < 6:
		return 3
	case r < 8:
		return 4
	}
	return 0
}

type growOptions struct {
	url       string
	orders    int64
	at        []int64
	clients   int
	resellers int
	balance   loket.Money
	product   string
	prefix    string
	intake    time.Duration
	quiet     time.Duration
	gap       time.Duration
	settle    time.Duration
	repeat    int
	pid       int
	loketBin  string
	readsOnly bool
	json      bool
	timeout   time.Duration
	chunk     int64
}

const growUsageHead = `usage: loket bench grow [flags]

The growth benchmark: fills the database a running server uses to N orders through
the native API (POST /v1/orders, with 50 fresh resellers bench-<runid>-<i>), and at
each checkpoint (--at) times:
  - intake: a closed-loop burst of --intake (targets ending in 0), orders/s, p50, p99,
    and with --pid the server's CPU time per order;
  - each read, --repeat times in a row (first and median): GET /metrics, the operator's
    overview (/admin), order searches (/admin/orders by an existing ref, an existing
    target, a target no order has, status pending, status failed), the 31-day report
    (/admin/reports), the reseller's dashboard (/app, /app/orders), and as processes of
    --loket: order list --status pending, order list --flagged, ledger verify;
  - the server's peak and current memory (VmHWM, VmRSS of --pid).
Fill orders are a mix: 92% succeed at once, 4% fail at once, 4% stay pending for
LOKET_SIM_DELAY (then 2% succeed, 2% fail). The searched ref and target are the oldest
order's (the last one a newest-first scan would reach); before the reads it waits
(--settle) until no order is pending. The first GET /metrics is the
first scrape after the quiet pause: a server that caches its gauges (30 s) answers the
repeats from the cache. Sessions for the pages are stored directly in the database,
so set --database-url (or LOKET_DATABASE_URL) to the server's. Only point it at a test
database: the resellers, sessions and orders stay behind.

Flags:
`

// GrowMain runs `loket bench grow`.
func GrowMain(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loket bench grow", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var o growOptions
	var at string
	fs.StringVar(&o.url, "url", "", "base URL of the running server (default: LOKET_ADDR on this machine)")
	fs.Int64Var(&o.orders, "orders", 0, "fill until the database holds at least this many orders (default: the last checkpoint)")
	fs.StringVar(&at, "at", "", "checkpoints: order counts at which to measure, comma-separated (default: 0 and --orders); 0 is the database as it is")
	fs.IntVar(&o.clients, "clients", 64, "concurrent clients of the fill and the intake burst")
	fs.IntVar(&o.resellers, "resellers", 50, "fresh resellers the orders are spread over")
	fs.Int64Var((*int64)(&o.balance), "balance", 100_000_000_000, "opening balance of each reseller")
	fs.StringVar(&o.product, "product", "HSA5", "product code to order")
	fs.StringVar(&o.prefix, "prefix", "0812", "first digits of the targets")
	fs.DurationVar(&o.intake, "intake", 10*time.Second, "length of the intake burst at each checkpoint (0: none)")
	fs.DurationVar(&o.quiet, "quiet", 5*time.Second, "pause before the reads (pending orders settle, the server goes idle)")
	fs.DurationVar(&o.gap, "metrics-gap", 31*time.Second, "at least this long between the last GET /metrics of a checkpoint and the first of the next (past the server's cache)")
	fs.DurationVar(&o.settle, "settle", time.Minute, "before the reads, wait at most this long for no order to be pending (the searches for pending ones then find none)")
	fs.IntVar(&o.repeat, "repeat", 5, "times each read is timed")
	fs.IntVar(&o.pid, "pid", 0, "the server's process id: its VmHWM and VmRSS are read from /proc/PID/status")
	fs.StringVar(&o.loketBin, "loket", "", "the loket binary whose CLI reads are timed (default: this one; \"none\": skip them)")
	fs.BoolVar(&o.readsOnly, "reads-only", false, "do not fill or burst: time the reads at the database's current size")
	fs.BoolVar(&o.json, "json", false, "print the report as one JSON object")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "timeout of one read (and 30s of one order)")
	fs.Int64Var(&o.chunk, "chunk", 50_000, "orders per fill round (progress on stderr after each)")
	build := config.Register(fs)
	if help, err := parse(fs, args, out, "bench grow", growUsageHead); help || err != nil {
		return err
	}
	if err := o.check(at); err != nil {
		return fmt.Errorf("bench grow: %w", err)
	}
	cfg, err := build()
	if err != nil {
		return fmt.Errorf("bench grow: %w", err)
	}
	if o.url == "" {
		o.url = server.LocalURL(cfg)
	}
	o.url = strings.TrimRight(strings.TrimSpace(o.url), "/")
	if !strings.HasPrefix(o.url, "http://") && !strings.HasPrefix(o.url, "https://") {
		return fmt.Errorf("bench grow: --url must be an http:// or https:// URL, got %q", o.url)
	}
	if o.loketBin == "" {
		if o.loketBin, err = os.Executable(); err != nil {
			return fmt.Errorf("bench grow: this binary's path: %w (set --loket)", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return grow(ctx, cfg, o, out)
}

func (o *growOptions) check(at string) error {
	o.product = strings.ToUpper(strings.TrimSpace(o.product))
	for _, f := range strings.Split(at, ",") {
		f = strings.ReplaceAll(strings.TrimSpace(f), "_", "")
		if f == "" {
			continue
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("--at: %q is not an order count", f)
		}
		o.at = append(o.at, n)
	}
	slices.Sort(o.at)
	o.at = slices.Compact(o.at)
	switch {
	case o.orders < 0:
		return fmt.Errorf("--orders must not be negative")
	case len(o.at) == 0:
		o.at = []int64{0}
		if o.orders > 0 {
			o.at = append(o.at, o.orders)
		}
	case o.orders > o.at[len(o.at)-1]:
		o.at = append(o.at, o.orders)
	}
	o.orders = o.at[len(o.at)-1]
	if o.readsOnly {
		o.at, o.orders, o.intake = []int64{0}, 0, 0
	}
	switch {
	case o.clients < 1 || o.clients > 100000:
		return fmt.Errorf("--clients must be 1-100000")
	case o.resellers < 1 || o.resellers > 10000:
		return fmt.Errorf("--resellers must be 1-10000")
	case o.balance <= 0 || o.balance > loket.MaxAmount:
		return fmt.Errorf("--balance must be between 1 and %d", loket.MaxAmount)
	case o.product == "":
		return fmt.Errorf("--product is required")
	case o.intake < 0 || o.quiet < 0 || o.gap < 0 || o.settle < 0 || o.timeout <= 0:
		return fmt.Errorf("--intake, --quiet and --metrics-gap must not be negative, --timeout positive")
	case o.repeat < 1 || o.repeat > 1000:
		return fmt.Errorf("--repeat must be 1-1000")
	case o.pid < 0:
		return fmt.Errorf("--pid must be a process id")
	case o.chunk < 1:
		return fmt.Errorf("--chunk must be positive")
	}
	if len(o.prefix) < 2 || len(o.prefix) > 5 || !strings.HasPrefix(o.prefix, "08") || strings.Trim(o.prefix, "0123456789") != "" {
		return fmt.Errorf("--prefix must be 2-5 digits starting with 08 (targets are the prefix, 7 digits and a last digit)")
	}
	return nil
}

// GrowReport is what `loket bench grow` found. Printed as text, or with --json as one
// JSON object.
type GrowReport struct {
	RunID       string       `json:"run_id"`
	URL         string       `json:"url"`
	Engine      string       `json:"engine"`
	PID         int          `json:"pid,omitempty"`
	Loket       string       `json:"loket"`
	Repeat      int          `json:"repeat"`
	Clients     int          `json:"clients"`
	Interrupted bool         `json:"interrupted,omitempty"`
	Checkpoints []Checkpoint `json:"checkpoints"`
}

// Checkpoint is one measurement at a size.
type Checkpoint struct {
	At        int64         `json:"at"`      // the checkpoint asked for
	Orders    int64         `json:"orders"`  // orders in the database when the reads ran
	Pending   int64         `json:"pending"` // of which pending
	DBBytes   int64         `json:"db_bytes"`
	LoadAvg   string        `json:"load_avg"`       // /proc/loadavg's first three, before the intake burst
	ReadsLoad string        `json:"reads_load_avg"` // and before the reads
	Fill      *FillResult   `json:"fill,omitempty"`
	Intake    *IntakeResult `json:"intake,omitempty"`
	Reads     []ReadResult  `json:"reads"`
	PeakRSSMB float64       `json:"peak_rss_mb,omitempty"` // VmHWM: the server's peak since it started
	RSSMB     float64       `json:"rss_mb,omitempty"`      // VmRSS after the reads
	Time      string        `json:"time"`
}

// FillResult is the filling before a checkpoint.
type FillResult struct {
	Acknowledged int     `json:"acknowledged"`
	Errors       int     `json:"errors"`
	Seconds      float64 `json:"seconds"`
	OrdersPerSec float64 `json:"orders_per_s"`
}

// IntakeResult is a checkpoint's burst of orders.
type IntakeResult struct {
	Seconds      float64      `json:"seconds"`
	Acknowledged int          `json:"acknowledged"`
	ErrorTotal   int          `json:"error_total"`
	Errors       []ErrorCount `json:"errors,omitempty"`
	OrdersPerSec float64      `json:"orders_per_s"`
	LatencyMS    Latency      `json:"latency_ms"`
	// The server's CPU time over the burst per order acknowledged (with --pid).
	ServerCPUPerOrderUS float64 `json:"server_cpu_per_order_us,omitempty"`
}

// ReadResult is one read timed --repeat times.
type ReadResult struct {
	Name     string    `json:"name"`
	FirstMS  float64   `json:"first_ms"`
	MedianMS float64   `json:"median_ms"`
	MaxMS    float64   `json:"max_ms"`
	Bytes    int       `json:"bytes"`
	Error    string    `json:"error,omitempty"`
	TimesMS  []float64 `json:"times_ms"`
}

type grower struct {
	o       growOptions
	cfg     *config.Config
	db      *store.DB
	b       *bench // nil with --reads-only
	client  *http.Client
	admin   string    // the operator's session token
	seller  string    // the reseller session's token
	sellerN int64     // and whose it is
	scraped time.Time // the last GET /metrics
}

func grow(ctx context.Context, cfg *config.Config, o growOptions, out io.Writer) error {
	rep := &GrowReport{RunID: strings.ToLower(auth.RandomCode(6)), URL: o.url, PID: o.pid, Loket: o.loketBin, Repeat: o.repeat, Clients: o.clients}
	db, err := server.OpenDB(ctx, cfg)
	if err != nil {
		return fmt.Errorf("bench grow: %w", err)
	}
	defer db.Close()
	rep.Engine = "sqlite"
	if db.Path == "" {
		rep.Engine = "postgres"
	}
	tr := loadTransport(o.clients)
	defer tr.CloseIdleConnections()
	g := &grower{o: o, cfg: cfg, db: db, client: &http.Client{Transport: tr, Timeout: o.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

	if !o.readsOnly {
		bo := options{url: o.url, resellers: o.resellers, clients: o.clients, duration: o.intake, product: o.product,
			balance: o.balance, prefix: o.prefix, timeout: 30 * time.Second}
		rs, _, err := setup(ctx, cfg, db, bo, rep.RunID)
		if err != nil {
			return fmt.Errorf("bench grow: setup: %w", err)
		}
		g.b = &bench{o: bo, client: &http.Client{Transport: tr, Timeout: bo.timeout}, rs: rs, runID: rep.RunID,
			base: rand.Uint64N(10_000_000), stop: ctx.Done()}
		if err := g.b.probe(); err != nil {
			return fmt.Errorf("bench grow: %w", err)
		}
	}
	if g.admin, err = g.session(ctx, loket.SessionAdmin, 0, "bench-grow-"+rep.RunID); err != nil {
		return fmt.Errorf("bench grow: operator session: %w", err)
	}

	count, err := g.count(ctx)
	if err != nil {
		return fmt.Errorf("bench grow: %w", err)
	}
	fmt.Fprintf(os.Stderr, "loket bench grow %s: %s, %d orders now, checkpoints %v, server %s\n", rep.RunID, rep.Engine, count, o.at, o.url)
	measured := false
	for _, at := range o.at {
		if ctx.Err() != nil {
			break
		}
		cp := Checkpoint{At: at}
		if count < at && g.b != nil {
			f, err := g.fill(ctx, count, at)
			cp.Fill = f
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("bench grow: fill to %d: %w", at, err)
			}
		} else if measured {
			continue // already measured at this size
		}
		if ctx.Err() != nil {
			break
		}
		measured = true
		if err := g.measure(ctx, &cp); err != nil {
			return fmt.Errorf("bench grow: %w", err)
		}
		count = cp.Orders
		rep.Checkpoints = append(rep.Checkpoints, cp)
		if !o.json {
			printCheckpoint(out, rep, len(rep.Checkpoints)-1)
		}
	}
	rep.Interrupted = ctx.Err() != nil
	if o.json {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	printGrowSummary(out, rep)
	for _, cp := range rep.Checkpoints {
		for _, r := range cp.Reads {
			if r.Error != "" {
				return fmt.Errorf("bench grow: %s at %d orders: %s", r.Name, cp.Orders, r.Error)
			}
		}
	}
	return nil
}

// session stores a web session of kind for subject directly in the database and
// returns its token (the cookie's value).
func (g *grower) session(ctx context.Context, kind string, subject int64, username string) (string, error) {
	token := auth.NewKey("")
	err := g.db.CreateWebSession(ctx, auth.Digest(token), loket.WebSession{Kind: kind, SubjectID: subject, Username: username,
		CSRF: auth.NewKey(""), IP: "127.0.0.1", UserAgent: "loket bench grow", ExpiresAt: time.Now().Add(24 * time.Hour)})
	return token, err
}

func (g *grower) count(ctx context.Context) (int64, error) {
	var n int64
	if err := g.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count orders: %w", err)
	}
	return n, nil
}

// fill sends orders until the database holds at least target (it holds have now).
func (g *grower) fill(ctx context.Context, have, target int64) (*FillResult, error) {
	f := &FillResult{}
	start := time.Now()
	b := g.b
	b.mix = true
	b.o.duration = 1000 * time.Hour
	b.o.rate = 0
	defer func() { b.mix, b.limit = false, 0 }()
	for have < target && ctx.Err() == nil {
		n := min(target-have, g.o.chunk)
		b.limit = b.seq.Load() + n
		t0 := time.Now()
		var acked, errs int
		var example string
		for _, t := range b.load() {
			acked += len(t.acks)
			for k, e := range t.errs {
				errs += e.n
				example = k + ": " + e.example
			}
		}
		f.Acknowledged += acked
		f.Errors += errs
		if errs > int(n/10) {
			return f, fmt.Errorf("%d of %d orders refused or lost, e.g. %s", errs, n, example)
		}
		c, err := g.count(ctx)
		if err != nil {
			return f, err
		}
		have = c
		fmt.Fprintf(os.Stderr, "  fill: %d orders (+%d in %.1fs, %.0f/s, %d errors), load average %s\n",
			have, acked, time.Since(t0).Seconds(), float64(acked)/time.Since(t0).Seconds(), errs, loadAvg())
	}
	f.Seconds = round3(time.Since(start).Seconds())
	if f.Seconds > 0 {
		f.OrdersPerSec = math.Round(float64(f.Acknowledged) / f.Seconds)
	}
	return f, ctx.Err()
}

// intake is the checkpoint's burst: the existing bench's closed loop, targets ending in 0.
func (g *grower) intake() *IntakeResult {
	b := g.b
	b.o.duration = g.o.intake
	cpu0, cpuOK := procCPU(g.o.pid)
	tallies := b.load()
	cpu1, _ := procCPU(g.o.pid)
	wall := time.Since(b.start)
	r := &IntakeResult{Seconds: round3(wall.Seconds())}
	var lat []time.Duration
	errs := map[string]*errCount{}
	for _, t := range tallies {
		r.Acknowledged += len(t.acks)
		lat = append(lat, t.lat...)
		for k, e := range t.errs {
			if m := errs[k]; m != nil {
				m.n += e.n
			} else {
				errs[k] = &errCount{n: e.n, example: e.example}
			}
		}
	}
	for k, e := range errs {
		r.ErrorTotal += e.n
		r.Errors = append(r.Errors, ErrorCount{Kind: k, Count: e.n, Example: e.example})
	}
	if wall > 0 {
		r.OrdersPerSec = math.Round(float64(r.Acknowledged)/wall.Seconds()*10) / 10
	}
	r.LatencyMS = percentiles(lat)
	if cpuOK && r.Acknowledged > 0 {
		r.ServerCPUPerOrderUS = math.Round((cpu1 - cpu0) * 1e6 / float64(r.Acknowledged))
	}
	return r
}

// read is one timed read: an HTTP GET (with a session cookie or none) or a process.
type read struct {
	name   string
	path   string // HTTP
	cookie string
	want   string   // HTTP: the page must show it in an element of its own (a search finds the oldest order)
	args   []string // CLI
}

func (g *grower) measure(ctx context.Context, cp *Checkpoint) error {
	cp.LoadAvg = loadAvg()
	if g.b != nil && g.o.intake > 0 {
		fmt.Fprintf(os.Stderr, "  intake burst %s, load average %s\n", g.o.intake, cp.LoadAvg)
		cp.Intake = g.intake()
	}
	wait := g.o.quiet
	if !g.scraped.IsZero() {
		wait = max(wait, g.o.gap-time.Since(g.scraped))
	}
	if wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil
		}
	}
	// Pending orders settle within LOKET_SIM_DELAY once the server catches up.
	var err error
	for deadline := time.Now().Add(g.o.settle); ; {
		if err = g.db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE status = 'pending'`).Scan(&cp.Pending); err != nil {
			return fmt.Errorf("count pending orders: %w", err)
		}
		if cp.Pending == 0 || !time.Now().Before(deadline) {
			break
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return nil
		}
	}
	if cp.Orders, err = g.count(ctx); err != nil {
		return err
	}
	cp.DBBytes = g.dbBytes(ctx)
	cp.Time = time.Now().UTC().Format(time.RFC3339)

	// The oldest order: its ref and target are searched for, its reseller's dashboard read.
	var ref, target string
	var seller int64
	err = g.db.R.QueryRowContext(ctx, `SELECT ref_id, target, reseller_id FROM orders ORDER BY id LIMIT 1`).Scan(&ref, &target, &seller)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("the oldest order: %w", err)
	}
	if seller != 0 && seller != g.sellerN {
		if g.seller, err = g.session(ctx, loket.SessionReseller, seller, ""); err != nil {
			return fmt.Errorf("reseller session: %w", err)
		}
		g.sellerN = seller
	}

	wib := time.FixedZone("WIB", 7*3600)
	today := time.Now().In(wib)
	report := url.Values{"from": {today.AddDate(0, 0, -30).Format(time.DateOnly)}, "to": {today.Format(time.DateOnly)},
		"by": {loket.ReportByDay}, "kind": {loket.ReportPrepaid}}
	reads := []read{
		{name: "GET /metrics", path: "/metrics"},
		{name: "GET /admin", path: "/admin", cookie: g.admin},
		{name: "GET /admin/orders", path: "/admin/orders", cookie: g.admin},
		{name: "GET /admin/orders ref=oldest", path: "/admin/orders?" + url.Values{"ref": {ref}}.Encode(), cookie: g.admin, want: ref},
		{name: "GET /admin/orders target=oldest", path: "/admin/orders?" + url.Values{"target": {target}}.Encode(), cookie: g.admin, want: target},
		{name: "GET /admin/orders target=none", path: "/admin/orders?target=0819000000000", cookie: g.admin},
		{name: "GET /admin/orders status=pending", path: "/admin/orders?status=pending", cookie: g.admin},
		{name: "GET /admin/orders status=failed", path: "/admin/orders?status=failed", cookie: g.admin},
		{name: "GET /admin/reports 31 days", path: "/admin/reports?" + report.Encode(), cookie: g.admin},
	}
	if g.seller != "" {
		reads = append(reads,
			read{name: "GET /app", path: "/app", cookie: g.seller},
			read{name: "GET /app/orders", path: "/app/orders", cookie: g.seller})
	}
	if g.o.loketBin != "none" {
		reads = append(reads,
			read{name: "CLI order list --status pending", args: []string{"order", "list", "--status", "pending"}},
			read{name: "CLI order list --flagged", args: []string{"order", "list", "--flagged"}},
			read{name: "CLI ledger verify", args: []string{"ledger", "verify"}})
	}
	cp.ReadsLoad = loadAvg()
	fmt.Fprintf(os.Stderr, "  reads at %d orders, load average %s\n", cp.Orders, cp.ReadsLoad)
	for _, rd := range reads {
		if ctx.Err() != nil {
			return nil
		}
		cp.Reads = append(cp.Reads, g.time(ctx, rd))
		if rd.path == "/metrics" {
			g.scraped = time.Now()
		}
	}
	cp.PeakRSSMB, cp.RSSMB = procMem(g.o.pid)
	return nil
}

// time runs one read --repeat times.
func (g *grower) time(ctx context.Context, rd read) ReadResult {
	r := ReadResult{Name: rd.name}
	for range g.o.repeat {
		t0 := time.Now()
		n, err := g.do(ctx, rd)
		d := time.Since(t0)
		if err != nil {
			r.Error = err.Error()
			return r
		}
		r.Bytes = n
		r.TimesMS = append(r.TimesMS, ms(d))
	}
	r.FirstMS = r.TimesMS[0]
	sorted := slices.Sorted(slices.Values(r.TimesMS))
	r.MedianMS, r.MaxMS = sorted[len(sorted)/2], sorted[len(sorted)-1]
	if len(sorted)%2 == 0 {
		r.MedianMS = ms(time.Duration((sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2 * float64(time.Millisecond)))
	}
	return r
}

func (g *grower) do(ctx context.Context, rd read) (int, error) {
	if rd.args != nil {
		ctx, cancel := context.WithTimeout(ctx, g.o.timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, g.o.loketBin, rd.args...)
		cmd.Env = append(os.Environ(), "LOKET_DATABASE_URL="+g.cfg.DatabaseURL)
		var stdout counter
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return 0, fmt.Errorf("%s %s: %v: %s", g.o.loketBin, strings.Join(rd.args, " "), err, clip(stderr.String()))
		}
		return int(stdout), nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.o.url+rd.path, nil)
	if err != nil {
		return 0, err
	}
	if rd.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "loket_session", Value: rd.cookie})
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, err
	}
	var body bytes.Buffer
	n, err := io.Copy(&body, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s answered %d %s", rd.path, resp.StatusCode, resp.Header.Get("Location"))
	}
	if rd.want != "" && !bytes.Contains(body.Bytes(), []byte(">"+html.EscapeString(rd.want)+"<")) {
		return 0, fmt.Errorf("GET %s: the page does not show %s", rd.path, rd.want)
	}
	return int(n), nil
}

type counter int

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }

// dbBytes is the database's size on disk: the SQLite file and its WAL, or
// pg_database_size.
func (g *grower) dbBytes(ctx context.Context) int64 {
	if g.db.Path != "" {
		var n int64
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(g.db.Path + suffix); err == nil {
				n += fi.Size()
			}
		}
		return n
	}
	var n int64
	if err := g.db.R.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
		return 0
	}
	return n
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// procCPU reads the CPU time pid has used (user and system), in seconds; ok is false
// without a pid or where /proc cannot tell.
func procCPU(pid int) (float64, bool) {
	if pid <= 0 {
		return 0, false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// pid (comm) state ppid ...: utime and stime are the 14th and 15th fields, the
	// 12th and 13th after the command's name (which may hold spaces).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (utime + stime) / clockTicks, true
}

// clockTicks is Linux's USER_HZ, the unit of /proc's CPU times: 100 on every
// architecture Go runs Linux on.
const clockTicks = 100

// procMem reads the peak (VmHWM) and current (VmRSS) resident memory of pid, in MB.
func procMem(pid int) (peak, rss float64) {
	if pid <= 0 {
		return 0, 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[0], 64)
		mb := math.Round(kb/1024*10) / 10
		if k == "VmHWM" {
			peak = mb
		} else {
			rss = mb
		}
	}
	return peak, rss
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func printCheckpoint(w io.Writer, rep *GrowReport, i int) {
	cp := rep.Checkpoints[i]
	fmt.Fprintf(w, "loket bench grow %s: checkpoint %d (at %d): %s orders (%d pending), %s on disk, %s, load average %s (burst), %s (reads)\n",
		rep.RunID, i+1, cp.At, thousands(cp.Orders), cp.Pending, sizeMB(cp.DBBytes), rep.Engine, cp.LoadAvg, cp.ReadsLoad)
	if f := cp.Fill; f != nil {
		fmt.Fprintf(w, "  fill        %d orders in %.0fs (%.0f/s), errors %d\n", f.Acknowledged, f.Seconds, f.OrdersPerSec, f.Errors)
	}
	if in := cp.Intake; in != nil {
		fmt.Fprintf(w, "  intake      %.1f orders/s over %.2fs, p50 %.2f ms, p99 %.2f ms, errors %d",
			in.OrdersPerSec, in.Seconds, in.LatencyMS.P50, in.LatencyMS.P99, in.ErrorTotal)
		if in.ServerCPUPerOrderUS > 0 {
			fmt.Fprintf(w, ", server CPU %.0f µs an order", in.ServerCPUPerOrderUS)
		}
		fmt.Fprintln(w)
		for _, e := range in.Errors {
			fmt.Fprintf(w, "    %6d  %s  e.g. %s\n", e.Count, e.Kind, e.Example)
		}
	}
	fmt.Fprintf(w, "  reads (ms, %d times each)                first     median        max      bytes\n", rep.Repeat)
	for _, r := range cp.Reads {
		if r.Error != "" {
			fmt.Fprintf(w, "    %-40s FAIL: %s\n", r.Name, r.Error)
			continue
		}
		fmt.Fprintf(w, "    %-40s %7.1f  %9.1f  %9.1f  %9d\n", r.Name, r.FirstMS, r.MedianMS, r.MaxMS, r.Bytes)
	}
	if rep.PID > 0 {
		fmt.Fprintf(w, "  server      peak RSS (VmHWM) %.1f MB, RSS %.1f MB\n", cp.PeakRSSMB, cp.RSSMB)
	}
}

// printGrowSummary prints each figure per checkpoint with its ratio to the first.
func printGrowSummary(w io.Writer, rep *GrowReport) {
	if len(rep.Checkpoints) == 0 {
		fmt.Fprintln(w, "no checkpoint measured")
		return
	}
	cps := rep.Checkpoints
	fmt.Fprintf(w, "\nsummary (%s, %s; in brackets: the ratio to the first column)\n", rep.Engine, rep.URL)
	row := func(name string, vals []float64, format string) {
		fmt.Fprintf(w, "  %-42s", name)
		for i, v := range vals {
			cell := "-"
			if !math.IsNaN(v) {
				cell = fmt.Sprintf(format, v)
				if i > 0 && !math.IsNaN(vals[0]) && vals[0] > 0 {
					cell += fmt.Sprintf(" (%.1fx)", v/vals[0])
				}
			}
			fmt.Fprintf(w, " %18s", cell)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  %-42s", "orders")
	for _, cp := range cps {
		fmt.Fprintf(w, " %18s", thousands(cp.Orders))
	}
	fmt.Fprintln(w)
	fig := func(f func(cp Checkpoint) (float64, bool)) []float64 {
		out := make([]float64, len(cps))
		for i, cp := range cps {
			v, ok := f(cp)
			if !ok {
				v = math.NaN()
			}
			out[i] = v
		}
		return out
	}
	row("database MB", fig(func(cp Checkpoint) (float64, bool) { return float64(cp.DBBytes) / 1e6, cp.DBBytes > 0 }), "%.0f")
	row("intake orders/s", fig(func(cp Checkpoint) (float64, bool) {
		return orNaN(cp.Intake, func(r *IntakeResult) float64 { return r.OrdersPerSec })
	}), "%.0f")
	row("intake p50 ms", fig(func(cp Checkpoint) (float64, bool) {
		return orNaN(cp.Intake, func(r *IntakeResult) float64 { return r.LatencyMS.P50 })
	}), "%.1f")
	row("intake p99 ms", fig(func(cp Checkpoint) (float64, bool) {
		return orNaN(cp.Intake, func(r *IntakeResult) float64 { return r.LatencyMS.P99 })
	}), "%.1f")
	row("intake server CPU µs an order", fig(func(cp Checkpoint) (float64, bool) {
		if cp.Intake == nil || cp.Intake.ServerCPUPerOrderUS == 0 {
			return 0, false
		}
		return cp.Intake.ServerCPUPerOrderUS, true
	}), "%.0f")
	var names []string
	for _, cp := range cps {
		for _, r := range cp.Reads {
			if !slices.Contains(names, r.Name) {
				names = append(names, r.Name)
			}
		}
	}
	for _, name := range names {
		for _, which := range []string{"first", "median"} {
			row(name+" "+which, fig(func(cp Checkpoint) (float64, bool) {
				for _, r := range cp.Reads {
					if r.Name == name && r.Error == "" {
						if which == "first" {
							return r.FirstMS, true
						}
						return r.MedianMS, true
					}
				}
				return 0, false
			}), "%.1f")
		}
	}
	if rep.PID > 0 {
		row("server peak RSS MB (VmHWM)", fig(func(cp Checkpoint) (float64, bool) { return cp.PeakRSSMB, cp.PeakRSSMB > 0 }), "%.0f")
		row("server RSS MB", fig(func(cp Checkpoint) (float64, bool) { return cp.RSSMB, cp.RSSMB > 0 }), "%.0f")
	}
	for _, l := range []struct {
		name string
		f    func(Checkpoint) string
	}{{"load average (1, 5, 15 min), burst", func(cp Checkpoint) string { return cp.LoadAvg }},
		{"load average (1, 5, 15 min), reads", func(cp Checkpoint) string { return cp.ReadsLoad }}} {
		fmt.Fprintf(w, "  %-42s", l.name)
		for _, cp := range cps {
			fmt.Fprintf(w, " %18s", l.f(cp))
		}
		fmt.Fprintln(w)
	}
}

func orNaN(r *IntakeResult, f func(*IntakeResult) float64) (float64, bool) {
	if r == nil {
		return 0, false
	}
	return f(r), true
}

func sizeMB(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }

// thousands writes n with commas: 1,000,000.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[0] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
