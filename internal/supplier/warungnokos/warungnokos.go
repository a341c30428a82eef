// Package warungnokos buys virtual phone numbers for OTP from WarungNokos (seed 000):
// otp/order, otp/status, otp/set_status, the catalog (otp/services, otp/countries,
// otp/operators) and user/profile for the balance, under {base}/api/, authenticated
// with the x-api-key header. It also works against another Loket's seed 000 surface
// (base URL http://other-loket/compat/warungnokos).
//
// The upstream sells only virtual numbers, so the adapter implements
// supplier.VNSupplier; its Order and Status answer every ordinary product Failed
// without calling out. otp/order takes no client reference: the adapter remembers
// (in memory) the number it got for each activation Ref and never sends a Ref twice
// when the first send may have gone through. docs/supplier-warungnokos.md has the
// outcome tables and the risks this leaves.
package warungnokos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// Kind is the name this adapter registers under.
const Kind = "warungnokos"

const (
	defaultTimeout = 20 * time.Second
	maxBody        = 1 << 20 // profile, order, status answers
	maxListBody    = 8 << 20 // services, countries, operators
	// How many activation Refs the adapter remembers the upstream id of.
	maxRemembered = 50000
	// The catalog walk: at most catalogWorkers requests at once, and the whole walk
	// within catalogTimeout (or the caller's deadline, if earlier).
	catalogWorkers = 4
	catalogTimeout = 3 * time.Minute
)

func init() {
	supplier.Register(Kind, func(cfg supplier.Config) (supplier.Supplier, error) { return New(cfg) })
}

// Client is a WarungNokos supplier. It is safe for concurrent use.
type Client struct {
	name string
	base string // scheme, host and path up to and including /api, no trailing slash
	key  string
	http *http.Client
	now  func() time.Time

	workers     int
	walkTimeout time.Duration

	mu   sync.Mutex
	sent map[string]*rental // by VNRequest.Ref
	fifo []string           // Refs in the order they were remembered, for eviction
}

// rental is what this process knows about an activation Ref it sent.
type rental struct {
	state  sendState
	number supplier.VNNumber
}

type sendState int

const (
	inFlight sendState = iota // otp/order is being called
	accepted                  // the upstream answered with a number
	unsure                    // the call ended without a usable answer: a number may be rented
)

// New makes a client from an operator's configuration. BaseURL is the seed's
// https://warungnokos.web.id, with or without the trailing /api.
func New(cfg supplier.Config) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("warungnokos: base URL must be an http or https URL with a host")
	}
	if u.User != nil {
		return nil, errors.New("warungnokos: base URL must not carry credentials; use --api-key")
	}
	key := strings.TrimSpace(cfg.APIKey)
	if key == "" {
		return nil, errors.New("warungnokos: an API key is required (--api-key)")
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	base := strings.TrimRight(u.String(), "/")
	if !strings.HasSuffix(strings.ToLower(base), "/api") {
		base += "/api"
	}
	hc := &http.Client{Timeout: defaultTimeout}
	if cfg.HTTP != nil {
		c := *cfg.HTTP
		hc = &c
	}
	// A redirect would turn otp/order's POST into a GET; never follow one.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{
		name:        cfg.Name,
		base:        base,
		key:         key,
		http:        hc,
		now:         time.Now,
		workers:     catalogWorkers,
		walkTimeout: catalogTimeout,
		sent:        map[string]*rental{},
	}, nil
}

var (
	_ supplier.Supplier   = (*Client)(nil)
	_ supplier.VNSupplier = (*Client)(nil)
	_ supplier.RefLess    = (*Client)(nil)
	_ supplier.VNFinder   = (*Client)(nil)
)

// RefLess tells Loket that otp/order takes no client reference: an activation that
// may have gone out is never sent again.
func (c *Client) RefLess() bool { return true }

// notSold is the answer to every ordinary order: this upstream sells only virtual
// numbers, through VNSupplier.
const notSold = "not sent: not sold by this upstream (WarungNokos sells only virtual numbers)"

// Order answers Failed without calling the upstream: WarungNokos sells no ordinary
// products, so an attempt routed here can go to the next route at once.
func (c *Client) Order(_ context.Context, _ supplier.Request) (supplier.Result, error) {
	return supplier.Result{Outcome: supplier.Failed, Message: notSold}, nil
}

// Status answers Failed without calling the upstream: Order never sends anything, so
// no ordinary attempt can exist upstream. An attempt that carries an upstream id
// contradicts that (it did not come from this adapter's Order); it is Unknown, for the
// operator, rather than refunded on a guess.
func (c *Client) Status(_ context.Context, r supplier.Request) (supplier.Result, error) {
	if t := strings.TrimSpace(r.TrxID); t != "" {
		return supplier.Result{Outcome: supplier.Unknown, TrxID: t,
			Message: "warungnokos sells only virtual numbers, yet this attempt has upstream id " + clip(c.redact(t)) + "; check it by hand"}, nil
	}
	return supplier.Result{Outcome: supplier.Failed, Message: notSold}, nil
}

// Prices is nil: the upstream's catalog is virtual numbers only (VNCatalog).
func (c *Client) Prices(context.Context) ([]supplier.Price, error) { return nil, nil }

// Balance is user/profile's data.balance. A fraction of a rupiah is dropped: the
// balance is what can be spent.
func (c *Client) Balance(ctx context.Context) (loket.Money, error) {
	const what = "user/profile"
	a, err := c.call(ctx, http.MethodGet, "/user/profile", nil, maxBody)
	if err != nil {
		return 0, c.scrub(what, err)
	}
	if err := c.check(what, a); err != nil {
		return 0, err
	}
	var d struct {
		Balance json.RawMessage `json:"balance"`
	}
	if json.Unmarshal(a.env.Data, &d) != nil || len(d.Balance) == 0 {
		return 0, errors.New("warungnokos: user/profile: no balance in the answer")
	}
	n, _, err := parseAmount(d.Balance)
	if err != nil {
		return 0, fmt.Errorf("warungnokos: user/profile: balance: %w", err)
	}
	return n, nil
}

// envelope is every answer's outer shape: {"success":true,"data":...} or
// {"success":false,"message":"..."}. otp/status puts status and otp_code beside
// success rather than in data.
type envelope struct {
	Success json.RawMessage `json:"success"`
	Data    json.RawMessage `json:"data"`
	Message json.RawMessage `json:"message"`
	Msg     json.RawMessage `json:"msg"`
	Error   json.RawMessage `json:"error"`
	Status  json.RawMessage `json:"status"`
	OTPCode json.RawMessage `json:"otp_code"`
	TrxID   json.RawMessage `json:"trxId"`
	RefID   json.RawMessage `json:"ref_id"` // Loket's otp/orders: the ref it looked up
}

// ok reads success: true (or "true") is 1, false (or "false") is 0, anything else
// (absent, null, another word) is -1.
func (e *envelope) ok() int {
	raw := bytes.TrimSpace(e.Success)
	switch {
	case bytes.Equal(raw, []byte("true")):
		return 1
	case bytes.Equal(raw, []byte("false")):
		return 0
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			return 1
		case "false":
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
	parsed     bool // the body is a JSON object
	retryAfter time.Duration
}

// call sends one request and reads the answer's envelope. A transport error, an
// over-long body or a redirect is an error; the HTTP status and the envelope are left
// to the caller.
func (c *Client) call(ctx context.Context, method, path string, body any, limit int64) (*answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("x-api-key", c.key)
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
		return nil, fmt.Errorf("reading the answer (HTTP %d): %w", res.StatusCode, err)
	}
	a := &answer{code: res.StatusCode, retryAfter: parseRetryAfter(res.Header.Get("Retry-After"), c.now())}
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		return nil, fmt.Errorf("redirected (HTTP %d) to %q; check the base URL", res.StatusCode, clip(res.Header.Get("Location")))
	}
	if int64(len(raw)) > limit {
		return nil, fmt.Errorf("answer larger than %d bytes (HTTP %d)", limit, res.StatusCode)
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' && json.Unmarshal(t, &a.env) == nil {
		a.parsed = true
	}
	return a, nil
}

// check is the common handling of answers that carry no order: anything but a
// readable success:true under HTTP 2xx is an error.
func (c *Client) check(what string, a *answer) error {
	msg := clip(c.redact(a.env.message()))
	switch {
	case a.code >= 500:
		return fmt.Errorf("warungnokos: %s: HTTP %d: %s", what, a.code, msg)
	case !a.parsed:
		return fmt.Errorf("warungnokos: %s: unreadable answer (HTTP %d)", what, a.code)
	case a.code >= 300 || a.env.ok() == 0:
		return fmt.Errorf("warungnokos: %s: refused (HTTP %d): %s", what, a.code, msg)
	case a.env.ok() != 1:
		return fmt.Errorf("warungnokos: %s: unexpected answer (HTTP %d)", what, a.code)
	}
	return nil
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
	if p := url.PathEscape(c.key); p != c.key {
		s = strings.ReplaceAll(s, p, "[redacted]")
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

func (c *Client) scrub(what string, err error) error {
	return &scrubbed{msg: "warungnokos: " + what + ": " + c.redact(err.Error()), err: err}
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}
