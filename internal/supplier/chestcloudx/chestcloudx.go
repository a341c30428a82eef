// Package chestcloudx buys from a ChestCloudX reseller API (seed 004): order/create in
// saldo mode, order/status, user/me and services, under {base}/api/, authenticated with
// the X-API-Key header. It also works against another Loket's seed 004 surface
// (base URL http://other-loket/compat/chestcloudx).
//
// The upstream takes no client reference, so an order cannot be found again by Loket's
// Ref: the adapter remembers the upstream id of each Ref it placed (in memory) and
// accepts it from Request.TrxID when the core passes it. See
// docs/supplier-chestcloudx.md for the outcome table and the risks this leaves.
package chestcloudx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/ratelimit"
	"github.com/loket/loket/internal/supplier"
)

// Kind is the name this adapter registers under.
const Kind = "chestcloudx"

const (
	defaultTimeout = 20 * time.Second
	maxBody        = 1 << 20 // order, status, user answers
	maxPricesBody  = 8 << 20 // the whole price list
	// The seed allows 60 requests a minute per API key; stay a little below it.
	defaultLimit  = 55
	defaultWindow = time.Minute
	// An order is only sent if at least this much of the caller's deadline is left
	// after waiting for the rate limit: one sent with too little time turns into an
	// unknown outcome, which with this upstream can only be settled by the operator.
	minSendBudget = 5 * time.Second
	// How many Refs the adapter remembers the upstream id of.
	maxRemembered = 50000
)

func init() {
	supplier.Register(Kind, func(cfg supplier.Config) (supplier.Supplier, error) { return New(cfg) })
}

// Client is a ChestCloudX supplier. It is safe for concurrent use.
type Client struct {
	name string
	base string // scheme, host and path prefix, without a trailing slash
	key  string
	http *http.Client
	lim  *ratelimit.Limiter // paces calls; nil does not
	// limKey is the upstream account in lim: two suppliers registered with the same
	// key, or one made again after a config change, share the upstream's allowance.
	limKey string
	now    func() time.Time

	mu   sync.Mutex
	sent map[string]*sentOrder // by Request.Ref
	fifo []string              // Refs in the order they were remembered, for eviction
}

// sentOrder is what this process knows about a Ref it sent.
type sentOrder struct {
	state sendState
	trx   string
}

type sendState int

const (
	inFlight sendState = iota // order/create is being called
	accepted                  // the upstream answered with an id
	unsure                    // the call ended without a usable answer: it may have been placed
)

// New makes a client from an operator's configuration.
func New(cfg supplier.Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("chestcloudx: base URL must be an http or https URL with a host")
	}
	if u.User != nil {
		return nil, errors.New("chestcloudx: base URL must not carry credentials; use --api-key")
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("chestcloudx: an API key is required (--api-key)")
	}
	u.RawQuery, u.Fragment = "", ""
	base := strings.TrimRight(u.String(), "/")
	hc := &http.Client{Timeout: defaultTimeout}
	if cfg.HTTP != nil {
		c := *cfg.HTTP
		hc = &c
	}
	// A redirect would turn order/create's POST into a GET; never follow one.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{
		name:   cfg.Name,
		base:   base,
		key:    strings.TrimSpace(cfg.APIKey),
		http:   hc,
		lim:    pacer,
		limKey: accountKey(base, cfg.APIKey),
		now:    time.Now,
		sent:   map[string]*sentOrder{},
	}, nil
}

// envelope is every answer's outer shape: {"status":true,"data":...} or
// {"status":false,"message":"..."}.
type envelope struct {
	Status  json.RawMessage `json:"status"`
	Data    json.RawMessage `json:"data"`
	Message json.RawMessage `json:"message"`
	Msg     json.RawMessage `json:"msg"`
	Error   json.RawMessage `json:"error"`
}

// ok reads status: true (or "true"/"success") is 1, false (or "false"/"error"/"failed"/
// "gagal") is 0, anything else -1.
func (e *envelope) ok() int {
	var b bool
	if json.Unmarshal(e.Status, &b) == nil && len(e.Status) > 0 && e.Status[0] != 'n' {
		if b {
			return 1
		}
		return 0
	}
	var s string
	if json.Unmarshal(e.Status, &s) == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "success", "ok":
			return 1
		case "false", "error", "failed", "gagal":
			return 0
		}
	}
	return -1
}

func (e *envelope) message() string {
	for _, raw := range []json.RawMessage{e.Message, e.Msg, e.Error} {
		if s := rawString(raw); s != "" {
			return s
		}
	}
	return ""
}

// rawString is a JSON string or number as text; anything else is "".
func rawString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// answer is one HTTP exchange's result.
type answer struct {
	code       int
	env        envelope
	parsed     bool
	retryAfter time.Duration
}

// notSent is an error met before the request left: the upstream never saw it.
type notSent struct{ err error }

func (e *notSent) Error() string { return "not sent: " + e.err.Error() }
func (e *notSent) Unwrap() error { return e.err }

// pacer keeps calls to at most defaultLimit in any window per upstream account, so that
// the upstream's 60 requests a minute per API key are never exceeded by this process.
// Calls wait for their slot rather than draw a 429.
var pacer = ratelimit.New(defaultLimit, defaultWindow)

// accountKey names an upstream account in pacer without keeping its API key.
func accountKey(base, key string) string {
	id := sha256.Sum256([]byte(base + "\x00" + key))
	return hex.EncodeToString(id[:])
}

// errRateLimited is returned when the local pacing leaves too little time to call.
var errRateLimited = errors.New("rate limit (60 requests a minute per API key): no slot before the deadline")

// pace waits for the account's next slot in lim. If it must wait and the slot would
// leave less than minLeft before ctx's deadline, it returns errRateLimited at once.
func (c *Client) pace(ctx context.Context, minLeft time.Duration) error {
	if c.lim == nil {
		return ctx.Err()
	}
	err := c.lim.Wait(ctx, c.limKey, minLeft)
	if loket.ErrorCode(err) == loket.ERATELIMIT {
		return errRateLimited
	}
	return err
}

// call sends one request and reads the answer's envelope. A transport error, an
// unreadable body or a redirect is an error; the HTTP status is left to the caller.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body any, limit int64, minLeft time.Duration) (*answer, error) {
	if err := c.pace(ctx, minLeft); err != nil {
		return nil, &notSent{err}
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &notSent{err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &notSent{err}
	}
	req.Header.Set("X-API-Key", c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "loket")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer (HTTP %d): %w", method, path, res.StatusCode, err)
	}
	a := &answer{code: res.StatusCode, retryAfter: parseRetryAfter(res.Header.Get("Retry-After"), c.now())}
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		return a, fmt.Errorf("%s %s: redirected (HTTP %d) to %q; check the base URL", method, path, res.StatusCode, c.redact(res.Header.Get("Location")))
	}
	if int64(len(raw)) > limit {
		return a, fmt.Errorf("%s %s: answer larger than %d bytes (HTTP %d)", method, path, limit, res.StatusCode)
	}
	if json.Unmarshal(raw, &a.env) == nil {
		a.parsed = true
	}
	return a, nil
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return min(time.Duration(n)*time.Second, 10*time.Minute)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), 10*time.Minute)
	}
	return 0
}

// redact removes the API key from text that may echo it (errors, upstream messages).
func (c *Client) redact(s string) string {
	if c.key == "" {
		return s
	}
	s = strings.ReplaceAll(s, c.key, "[redacted]")
	if q := url.QueryEscape(c.key); q != c.key {
		s = strings.ReplaceAll(s, q, "[redacted]")
	}
	return s
}

// scrubbed is an error whose text has had the API key removed; it still unwraps to
// the original, so errors.Is(err, context.DeadlineExceeded) keeps working.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

func (c *Client) scrub(err error) error {
	if err == nil {
		return nil
	}
	return &scrubbed{msg: "chestcloudx: " + c.redact(err.Error()), err: err}
}

// nometer picks the one further form field order/create can carry. Request.Fields
// holds the product's form fields after the first (which is Target), keyed by the
// form's keys; keys starting with "_" are Loket's own. With one field, it is nometer;
// with more, the order cannot be expressed in this API.
func nometer(fields map[string]string) (string, error) {
	var keys []string
	for k, v := range fields {
		if strings.HasPrefix(k, "_") || strings.TrimSpace(v) == "" {
			continue
		}
		keys = append(keys, k)
	}
	switch len(keys) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(fields[keys[0]]), nil
	}
	sort.Strings(keys)
	return "", fmt.Errorf("the product needs fields %s, but order/create takes only target and nometer", strings.Join(keys, ", "))
}

type createBody struct {
	Layanan string `json:"layanan"`
	Target  string `json:"target"`
	Nometer string `json:"nometer,omitempty"`
}

// Order places an order in saldo mode. The upstream has no client reference, so the
// adapter guards against sending the same Ref twice from this process: a Ref it got an
// id for answers Pending with that id, one whose send is in flight or ended without
// an answer is not sent again (Unknown). A re-send from another process (after a
// crash) cannot be told apart: the upstream's anti double-order rule then refuses it
// while the first is pending (reported as Unknown).
func (c *Client) Order(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	if strings.TrimSpace(r.Ref) == "" {
		return supplier.Result{}, errors.New("chestcloudx: order without a ref")
	}
	nm, err := nometer(r.Fields)
	if err != nil {
		// Decided before anything is sent: this upstream can never take the order.
		return supplier.Result{Outcome: supplier.Failed, Message: "not sent: " + err.Error()}, nil
	}
	if strings.TrimSpace(r.Code) == "" || strings.TrimSpace(r.Target) == "" {
		return supplier.Result{Outcome: supplier.Failed, Message: "not sent: product code and target are required"}, nil
	}
	if prev, ok := c.claim(r.Ref); !ok {
		switch prev.state {
		case accepted:
			return supplier.Result{Outcome: supplier.Pending, TrxID: prev.trx, Message: "already placed as upstream order " + prev.trx}, nil
		case inFlight:
			return supplier.Result{Outcome: supplier.Unknown, Message: "this ref is being sent already; not sent twice"}, nil
		default:
			return supplier.Result{Outcome: supplier.Unknown, Message: "an earlier send of this ref got no answer and may have been placed; not sent again (the upstream takes no client reference)"}, nil
		}
	}
	res, err := c.order(ctx, r, nm)
	switch {
	case err != nil:
		c.settleSent(r.Ref, unsure, "")
	case res.Outcome == supplier.Pending:
		c.settleSent(r.Ref, accepted, res.TrxID)
	case res.Outcome == supplier.Failed:
		c.forget(r.Ref)
	default:
		// Unknown (a duplicate refusal, a 429): keep it as unsure so this process does
		// not send it again.
		c.settleSent(r.Ref, unsure, "")
	}
	return res, err
}

func (c *Client) order(ctx context.Context, r supplier.Request, nm string) (supplier.Result, error) {
	body := createBody{Layanan: strings.TrimSpace(r.Code), Target: strings.TrimSpace(r.Target), Nometer: nm}
	a, err := c.call(ctx, http.MethodPost, "/api/order/create", nil, body, maxBody, minSendBudget)
	var ns *notSent
	if errors.As(err, &ns) {
		// Nothing left this process (no rate-limit slot in time, or the caller gave
		// up first): the attempt can go to another supplier.
		return supplier.Result{Outcome: supplier.Failed, Message: c.redact(err.Error())}, nil
	}
	if err != nil {
		return supplier.Result{}, c.scrub(fmt.Errorf("order/create: %w", err))
	}
	msg := c.redact(a.env.message())
	switch {
	case a.code == http.StatusTooManyRequests:
		return supplier.Result{Outcome: supplier.Unknown, Message: "rate limited by the upstream (HTTP 429): " + msg, RetryAfter: a.retryAfter}, nil
	case a.code >= 500:
		return supplier.Result{}, fmt.Errorf("chestcloudx: order/create: HTTP %d: %s", a.code, clip(msg))
	case !a.parsed:
		return supplier.Result{}, fmt.Errorf("chestcloudx: order/create: unreadable answer (HTTP %d)", a.code)
	}
	switch a.env.ok() {
	case 1:
		var d struct {
			ID      json.RawMessage `json:"id"`
			Invoice json.RawMessage `json:"invoice"`
			Pesan   json.RawMessage `json:"pesan"`
		}
		if a.code >= 300 || json.Unmarshal(a.env.Data, &d) != nil {
			return supplier.Result{}, fmt.Errorf("chestcloudx: order/create: unexpected answer (HTTP %d)", a.code)
		}
		id := rawString(d.ID)
		if id == "" {
			return supplier.Result{}, fmt.Errorf("chestcloudx: order/create: accepted without an order id (HTTP %d, invoice %q); check the upstream dashboard", a.code, clip(rawString(d.Invoice)))
		}
		m := c.redact(rawString(d.Pesan))
		if inv := rawString(d.Invoice); inv != "" {
			m = strings.TrimSpace("invoice " + inv + ": " + m)
		}
		return supplier.Result{Outcome: supplier.Pending, TrxID: id, Message: clip(m)}, nil
	case 0:
		return supplier.Result{Outcome: classifyRefusal(msg), Message: clip(fmt.Sprintf("HTTP %d: %s", a.code, msg))}, nil
	}
	return supplier.Result{}, fmt.Errorf("chestcloudx: order/create: unexpected answer (HTTP %d)", a.code)
}

// classifyRefusal decides what order/create's {"status":false,"message":...} means.
// Only refusals that say this order can never be filled are Failed; an anti
// double-order refusal ("pending ... ditolak") most likely means an earlier send of
// this same attempt went through, and anything not recognised is Unknown.
func classifyRefusal(msg string) supplier.Outcome {
	m := strings.ToLower(msg)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(m, w) {
				return true
			}
		}
		return false
	}
	switch {
	case m == "":
		return supplier.Unknown
	// Duplicate refusals first: they win over anything else the message says.
	case has("pending", "diproses", "proses", "double", "duplikat", "duplicate", "sudah ada", "sudah dibuat", "masih", "sama"):
		return supplier.Unknown
	// Transient trouble: try again later.
	case has("terlalu banyak", "too many", "rate limit", "coba lagi", "try again", "timeout", "server"):
		return supplier.Unknown
	// Not enough balance.
	case has("saldo", "balance") && has("tidak cukup", "tidak mencukupi", "kurang", "insufficient", "not enough", "habis"):
		return supplier.Failed
	// The product cannot be bought.
	case has("layanan", "service", "produk", "product") &&
		has("tidak ditemukan", "tidak aktif", "nonaktif", "non-aktif", "non aktif", "tidak tersedia", "gangguan", "maintenance", "not found", "inactive", "unavailable", "disabled", "berubah"):
		return supplier.Failed
	case has("stok", "stock") && has("habis", "kosong", "out of"):
		return supplier.Failed
	// Validation: a required field is missing or a value is wrong; also a refused key.
	case has("wajib", "required", "tidak valid", "invalid", "tidak sesuai", "minimal", "maksimal"):
		return supplier.Failed
	}
	return supplier.Unknown
}

// Status asks about an order placed before, by the upstream id: the one this process
// got from order/create for r.Ref, else Request.TrxID. Without either there
// is no way to find the order upstream: Unknown, for the operator.
func (c *Client) Status(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	trx, known := c.trxOf(r)
	if trx == "" {
		if known == unsure {
			return supplier.Result{Outcome: supplier.Unknown, Message: "order/create got no usable answer and the upstream takes no client reference; check the upstream's orders for this target"}, nil
		}
		return supplier.Result{Outcome: supplier.Unknown, Message: "no upstream order id for ref " + clip(r.Ref) + " (the upstream takes no client reference and no order id was recorded)"}, nil
	}
	a, err := c.call(ctx, http.MethodGet, "/api/order/status", url.Values{"id": {trx}}, nil, maxBody, 0)
	if err != nil {
		return supplier.Result{}, c.scrub(fmt.Errorf("order/status %s: %w", trx, err))
	}
	msg := c.redact(a.env.message())
	switch {
	case a.code == http.StatusTooManyRequests:
		return supplier.Result{Outcome: supplier.Unknown, TrxID: trx, Message: "rate limited by the upstream (HTTP 429)", RetryAfter: a.retryAfter}, nil
	case a.code >= 500:
		return supplier.Result{}, fmt.Errorf("chestcloudx: order/status %s: HTTP %d: %s", trx, a.code, clip(msg))
	case !a.parsed:
		return supplier.Result{}, fmt.Errorf("chestcloudx: order/status %s: unreadable answer (HTTP %d)", trx, a.code)
	}
	if a.env.ok() != 1 || a.code >= 300 {
		// "Pesanan tidak ditemukan" and the like: not proof that nothing was delivered.
		return supplier.Result{Outcome: supplier.Unknown, TrxID: trx, Message: clip(fmt.Sprintf("HTTP %d: %s", a.code, msg))}, nil
	}
	var d struct {
		ID      json.RawMessage `json:"id"`
		Status  json.RawMessage `json:"status"`
		Catatan json.RawMessage `json:"catatan"`
	}
	if json.Unmarshal(a.env.Data, &d) != nil {
		return supplier.Result{}, fmt.Errorf("chestcloudx: order/status %s: unexpected answer", trx)
	}
	if id := rawString(d.ID); id != "" && id != trx {
		return supplier.Result{}, fmt.Errorf("chestcloudx: order/status %s: the answer is about order %q", trx, clip(id))
	}
	note := c.redact(rawString(d.Catatan))
	word := rawString(d.Status)
	res := supplier.Result{TrxID: trx, Message: clip(strings.TrimSpace(word + ": " + note))}
	switch strings.ToLower(word) {
	case "success", "sukses", "berhasil":
		res.Outcome, res.SN = supplier.Success, parseSN(note)
	case "pending":
		res.Outcome = supplier.Pending
	case "error", "gagal":
		res.Outcome = supplier.Failed
	default:
		res.Outcome = supplier.Unknown
	}
	return res, nil
}

// parseSN finds the serial number in a note such as "SN: ABC123": what follows the
// first "SN" token and its ":" or "=", up to the end of the line or a "|" or ";".
// A note without one gives "" (the order is still a success).
func parseSN(note string) string {
	up := strings.ToUpper(note)
	for i := 0; i+2 <= len(up); i++ {
		if up[i:i+2] != "SN" || (i > 0 && isWordByte(up[i-1])) {
			continue
		}
		j := i + 2
		if strings.HasPrefix(up[j:], "/REF") {
			j += 4
		}
		for j < len(up) && (up[j] == ' ' || up[j] == '\t' || up[j] == '.') {
			j++
		}
		if j >= len(up) || (up[j] != ':' && up[j] != '=') {
			continue
		}
		rest := note[j+1:]
		if k := strings.IndexAny(rest, "\r\n|;"); k >= 0 {
			rest = rest[:k]
		}
		return strings.TrimRight(strings.TrimSpace(rest), ".,")
	}
	return ""
}

func isWordByte(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_'
}

// Balance is user/me's data.balance.
func (c *Client) Balance(ctx context.Context) (loket.Money, error) {
	a, err := c.call(ctx, http.MethodGet, "/api/user/me", nil, nil, maxBody, 0)
	if err != nil {
		return 0, c.scrub(fmt.Errorf("user/me: %w", err))
	}
	if err := c.checkAnswer("user/me", a); err != nil {
		return 0, err
	}
	var d struct {
		Balance json.RawMessage `json:"balance"`
	}
	if json.Unmarshal(a.env.Data, &d) != nil || len(d.Balance) == 0 {
		return 0, errors.New("chestcloudx: user/me: no balance in the answer")
	}
	// A fraction of a rupiah is dropped: the balance is what can be spent.
	n, _, err := parseAmount(d.Balance)
	if err != nil {
		return 0, fmt.Errorf("chestcloudx: user/me: balance: %w", err)
	}
	return n, nil
}

// checkAnswer is the common refusal handling of Balance and Prices.
func (c *Client) checkAnswer(what string, a *answer) error {
	msg := c.redact(a.env.message())
	switch {
	case a.code == http.StatusTooManyRequests:
		return fmt.Errorf("chestcloudx: %s: rate limited (HTTP 429)", what)
	case a.code >= 400 || (a.parsed && a.env.ok() == 0):
		return fmt.Errorf("chestcloudx: %s: HTTP %d: %s", what, a.code, clip(msg))
	case !a.parsed:
		return fmt.Errorf("chestcloudx: %s: unreadable answer (HTTP %d)", what, a.code)
	case a.env.ok() != 1:
		return fmt.Errorf("chestcloudx: %s: unexpected answer (HTTP %d)", what, a.code)
	}
	return nil
}

// service is one entry of the services list.
type service struct {
	SID      json.RawMessage `json:"sid"`
	Kategori string          `json:"kategori"`
	Layanan  string          `json:"layanan"`
	Harga    json.RawMessage `json:"harga"`
	Status   string          `json:"status"`
}

// Prices is services flattened: Code is sid, Name "kategori layanan", Price harga and
// Active status == "Normal". Entries without a sid or with an unreadable price are left
// out (a wrong cost is worse than a missing one).
func (c *Client) Prices(ctx context.Context) ([]supplier.Price, error) {
	a, err := c.call(ctx, http.MethodGet, "/api/services", nil, nil, maxPricesBody, 0)
	if err != nil {
		return nil, c.scrub(fmt.Errorf("services: %w", err))
	}
	if err := c.checkAnswer("services", a); err != nil {
		return nil, err
	}
	groups := map[string][]service{}
	if err := json.Unmarshal(a.env.Data, &groups); err != nil {
		// Some builds may send a plain list.
		var list []service
		if json.Unmarshal(a.env.Data, &list) != nil {
			return nil, errors.New("chestcloudx: services: unexpected answer")
		}
		groups = map[string][]service{"": list}
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	var out []supplier.Price
	seen := map[string]bool{}
	skipped := 0
	for _, g := range names {
		for _, s := range groups[g] {
			code := rawString(s.SID)
			n, frac, err := parseAmount(s.Harga)
			if code == "" || seen[code] || err != nil {
				skipped++
				continue
			}
			if frac {
				n++ // a cost is never rounded down
			}
			seen[code] = true
			name := strings.TrimSpace(strings.TrimSpace(s.Kategori) + " " + strings.TrimSpace(s.Layanan))
			out = append(out, supplier.Price{Code: code, Name: name, Price: n,
				Active: strings.EqualFold(strings.TrimSpace(s.Status), "Normal") && n > 0})
		}
	}
	if len(out) == 0 && skipped > 0 {
		return nil, fmt.Errorf("chestcloudx: services: none of %d entries could be read", skipped)
	}
	return out, nil
}

// parseAmount is supplier.ParseAmount: 10000, "10.000", "10000.00", "Rp 10.000"...
var parseAmount = supplier.ParseAmount

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// claim marks ref as being sent; if it was sent before, it returns what is known.
func (c *Client) claim(ref string) (sentOrder, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sent[ref]; ok {
		return *s, false
	}
	c.sent[ref] = &sentOrder{state: inFlight}
	c.fifo = append(c.fifo, ref)
	for len(c.sent) > maxRemembered && len(c.fifo) > 0 {
		old := c.fifo[0]
		c.fifo = c.fifo[1:]
		if s, ok := c.sent[old]; ok && s.state != inFlight {
			delete(c.sent, old)
		}
	}
	return sentOrder{}, true
}

func (c *Client) settleSent(ref string, st sendState, trx string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sent[ref]; ok {
		s.state, s.trx = st, trx
	}
}

func (c *Client) forget(ref string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sent, ref)
}

// trxOf is the upstream id to ask about: the one this process got for r.Ref first,
// then Request.TrxID. It also says what this process knows of the send.
func (c *Client) trxOf(r supplier.Request) (string, sendState) {
	c.mu.Lock()
	s, ok := c.sent[r.Ref]
	c.mu.Unlock()
	if ok && s.trx != "" {
		return s.trx, s.state
	}
	if t := strings.TrimSpace(r.TrxID); t != "" {
		return t, accepted
	}
	if ok {
		return "", s.state
	}
	return "", -1
}

var _ supplier.Supplier = (*Client)(nil)

// RefLess tells Loket that the upstream takes no client reference: an attempt that may
// have gone out is never sent again.
func (c *Client) RefLess() bool { return true }
