// Package tokowendigg is the supplier adapter for TokoWendigg (seed 001), a game
// top-up seller: providers with input forms, products, orders under
// /api/prepaid/transaction/create, status by the upstream's reference, balance, the
// price list, and the transaction_status webhook. docs/supplier-tokowendigg.md says
// how its words map to Loket's outcomes and what the upstream cannot promise.
package tokowendigg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
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
const Kind = "tokowendigg"

const (
	// catalogTTL is how long the provider list and product->provider lookups are
	// trusted: forms and product codes change rarely.
	catalogTTL = 10 * time.Minute
	// placedTTL is how long this process remembers the references of orders it placed.
	placedTTL = 48 * time.Hour
	// maxBody bounds an answer read from the upstream (price lists are the largest).
	maxBody = 8 << 20
	// priceWorkers bounds concurrent product-list requests in Prices.
	priceWorkers = 4
)

func init() {
	supplier.Register(Kind, func(cfg supplier.Config) (supplier.Supplier, error) { return New(cfg) })
}

// Client talks to one TokoWendigg account. It is safe for concurrent use.
type Client struct {
	base   string
	key    string
	secret string
	http   *http.Client
	allow  []*net.IPNet
	now    func() time.Time

	mu        sync.Mutex
	providers map[string]provider // by code
	provAt    time.Time
	products  map[string]cachedCode // product code -> provider code
	placed    map[string]placedOrder
	refOf     map[string]string    // upstream reference -> Ref, for the placed orders
	inFlight  map[string]time.Time // Ref -> when its send began
}

type cachedCode struct {
	provider string
	name     string // the product's name, which status answers repeat
	at       time.Time
}

type placedOrder struct {
	reference string
	at        time.Time
}

// New makes a client from an operator's registration. cfg.MemberID, when set, is the
// webhook source allowlist (comma-separated IPs or CIDRs).
func New(cfg supplier.Config) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tokowendigg: base URL must be http(s)://host[/path], got %q", cfg.BaseURL)
	}
	if cfg.APIKey == "" || cfg.Secret == "" {
		return nil, errors.New("tokowendigg: an API key and a secret key are required")
	}
	allow, err := parseAllow(cfg.MemberID)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	return &Client{base: base, key: cfg.APIKey, secret: cfg.Secret, http: hc, allow: allow, now: time.Now,
		products: map[string]cachedCode{}, placed: map[string]placedOrder{}, refOf: map[string]string{}, inFlight: map[string]time.Time{}}, nil
}

// envelope is every answer's shape: {"status":200,"data":...} or {"status":400,"message":"..."}.
type envelope struct {
	Status  json.RawMessage `json:"status"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// answer is one exchange with the upstream that produced a readable envelope.
type answer struct {
	code   int // HTTP status
	status int // the body's status (0 if absent or unreadable)
	env    envelope
}

// errNotSent marks a failure that happened before the order request left: nothing was
// bought, so the attempt is definitely failed.
type errNotSent struct{ msg string }

func (e *errNotSent) Error() string { return e.msg }

// redact keeps the credentials out of anything that may reach a log.
func (c *Client) redact(s string) string {
	for _, secret := range []string{c.key, c.secret} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// call sends one request and reads its envelope. An error means there is no usable
// answer: transport failure, 5xx, an unreadable body.
func (c *Client) call(ctx context.Context, method, path string, q url.Values, body []byte, signed bool) (*answer, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("tokowendigg: %s %s: %s", method, path, c.redact(err.Error()))
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	if signed {
		req.Header.Set("Signature", c.secret)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("tokowendigg: %s %s: %s", method, path, c.redact(err.Error()))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("tokowendigg: %s %s: reading answer: %s", method, path, c.redact(err.Error()))
	}
	if len(raw) > maxBody {
		return nil, fmt.Errorf("tokowendigg: %s %s: answer over %d bytes", method, path, maxBody)
	}
	if resp.StatusCode >= 500 {
		return nil, fmt.Errorf("tokowendigg: %s %s: HTTP %d: %s", method, path, resp.StatusCode, c.redact(clip(string(raw))))
	}
	a := &answer{code: resp.StatusCode}
	if err := json.Unmarshal(raw, &a.env); err != nil {
		return nil, fmt.Errorf("tokowendigg: %s %s: HTTP %d: unreadable answer: %s", method, path, resp.StatusCode, c.redact(clip(string(raw))))
	}
	a.env.Message = c.redact(clip(a.env.Message))
	a.status = int(intOf(a.env.Status))
	return a, nil
}

// ok reports a success envelope with data.
func (a *answer) ok() bool {
	return a.code == http.StatusOK && a.status == http.StatusOK && len(a.env.Data) > 0 && string(a.env.Data) != "null"
}

// refused reports the upstream's documented refusal: {"status":400,"message":...}
// without data, under HTTP 400 (or 200, for a server that always answers 200).
func (a *answer) refused() bool {
	noData := len(a.env.Data) == 0 || string(a.env.Data) == "null"
	return (a.code == http.StatusBadRequest || a.code == http.StatusOK) && a.status == http.StatusBadRequest && noData && a.env.Message != ""
}

func (a *answer) err(method, path string) error {
	return fmt.Errorf("tokowendigg: %s %s: HTTP %d status %d: %s", method, path, a.code, a.status, a.env.Message)
}

// intOf reads a JSON number or numeric string; anything else is 0.
func intOf(raw json.RawMessage) int64 {
	m, err := money(raw)
	if err != nil {
		return 0
	}
	return int64(m)
}

// money reads an amount given as a JSON number (1000, 1000.00) or a string ("1000",
// "1.000", "1.000,50", "Rp 10.575", "1000.00"). Fractions round to the rupiah.
func money(raw json.RawMessage) (loket.Money, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, errors.New("no amount")
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return 0, err
		}
		return moneyText(str)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: not a number", clip(s))
	}
	return rounded(f)
}

func rounded(f float64) (loket.Money, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > float64(loket.MaxAmount) {
		return 0, fmt.Errorf("amount %v out of range", f)
	}
	return loket.Money(math.Round(f)), nil
}

// moneyText reads an amount written by a person: Indonesian style uses '.' for
// thousands and ',' for decimals; "1000.00" (one dot, not three digits after it) is a
// decimal point.
func moneyText(s string) (loket.Money, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(strings.TrimPrefix(t, "Rp."), "Rp")
	t = strings.ReplaceAll(strings.TrimSpace(t), " ", "")
	if t == "" {
		return 0, fmt.Errorf("amount %q: empty", clip(s))
	}
	switch {
	case strings.Contains(t, ","):
		t = strings.ReplaceAll(t, ".", "")
		t = strings.Replace(t, ",", ".", 1)
	case strings.Count(t, ".") > 1:
		t = strings.ReplaceAll(t, ".", "")
	case strings.Contains(t, "."):
		if i := strings.LastIndex(t, "."); len(t)-i-1 == 3 {
			t = strings.ReplaceAll(t, ".", "")
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: not a number", clip(s))
	}
	return rounded(f)
}

// flag reads "active": 1, "1", true.
func flag(raw json.RawMessage) bool {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	return s == "1" || strings.EqualFold(s, "true")
}

// outcome maps the upstream's status word (data.status, and the webhook's status):
//
//	unpaid, processing -> Pending (accepted, not done)
//	success            -> Success (sn "N/A" means there is no serial number)
//	failed, refund     -> Failed (not delivered; refund says the money came back)
//	expired            -> Failed: the transaction lapsed without being done; the seed
//	                      names it a final state next to failed. An expired answer that
//	                      carries a serial number contradicts itself and is Unknown.
//	anything else      -> Unknown
func outcome(status, sn string) (supplier.Outcome, string) {
	sn = strings.TrimSpace(sn)
	if strings.EqualFold(sn, "N/A") || sn == "-" {
		sn = ""
	}
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "unpaid", "processing":
		return supplier.Pending, ""
	case "success":
		return supplier.Success, sn
	case "failed", "refund":
		return supplier.Failed, ""
	case "expired":
		if sn != "" {
			return supplier.Unknown, sn
		}
		return supplier.Failed, ""
	}
	return supplier.Unknown, sn
}

// ambiguous are words in a refusal that may mean an earlier identical order is under
// way (the upstream's duplicate guard): such a refusal is not a failure of the order.
var ambiguous = []string{"diproses", "proses", "ganda", "duplik", "duplicate", "sama", "sudah", "already", "pending"}

func isAmbiguous(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range ambiguous {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// orderData is transaction/create's and transaction/{reference}'s data.
type orderData struct {
	Type      string          `json:"type"`
	Reference string          `json:"reference"`
	Product   string          `json:"product"`
	Price     json.RawMessage `json:"price"`
	Status    string          `json:"status"`
	SN        string          `json:"sn"`
	Note      string          `json:"note"`
}

func (c *Client) result(d orderData) supplier.Result {
	out, sn := outcome(d.Status, d.SN)
	res := supplier.Result{Outcome: out, SN: sn, TrxID: d.Reference, Message: c.redact(clip(strings.TrimSpace(d.Status + " " + d.Note)))}
	if p, err := money(d.Price); err == nil && p > 0 {
		res.Price = p
	}
	if out == supplier.Pending {
		res.RetryAfter = 30 * time.Second
	}
	return res
}

// Order places an order. TokoWendigg has no client reference, so the same order sent
// twice is bought twice: the adapter never retries, and remembers (in this process) the
// reference of every Ref it placed, so a second Order for a Ref asks about the first
// instead. Form fields whose keys start with "_" are Loket's own and never sent.
func (c *Client) Order(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	c.mu.Lock()
	if p, ok := c.placed[r.Ref]; ok {
		c.mu.Unlock()
		return c.status(ctx, p.reference)
	}
	if _, busy := c.inFlight[r.Ref]; busy {
		c.mu.Unlock()
		return supplier.Result{}, fmt.Errorf("tokowendigg: order %s is being sent already", r.Ref)
	}
	c.inFlight[r.Ref] = c.now()
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.inFlight, r.Ref)
		c.mu.Unlock()
	}()

	body, err := c.orderBody(ctx, r)
	if err != nil {
		// Nothing was sent: the attempt failed here, and Loket may try another route.
		return supplier.Result{Outcome: supplier.Failed, Message: "not sent: " + c.redact(err.Error())}, nil
	}
	const path = "/api/prepaid/transaction/create"
	a, err := c.call(ctx, http.MethodPost, path, nil, body, true)
	if err != nil {
		return supplier.Result{}, err
	}
	if a.refused() {
		if isAmbiguous(a.env.Message) {
			return supplier.Result{}, a.err(http.MethodPost, path)
		}
		return supplier.Result{Outcome: supplier.Failed, Message: a.env.Message}, nil
	}
	if !a.ok() {
		return supplier.Result{}, a.err(http.MethodPost, path)
	}
	var d orderData
	if err := json.Unmarshal(a.env.Data, &d); err != nil || strings.TrimSpace(d.Reference) == "" {
		return supplier.Result{}, fmt.Errorf("tokowendigg: POST %s: answer without a reference", path)
	}
	d.Reference = strings.TrimSpace(d.Reference)
	c.remember(r.Ref, d.Reference)
	return c.result(d), nil
}

func (c *Client) remember(ref, reference string) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, p := range c.placed {
		if now.Sub(p.at) > placedTTL {
			delete(c.placed, k)
			delete(c.refOf, p.reference)
		}
	}
	c.placed[ref] = placedOrder{reference: reference, at: now}
	c.refOf[reference] = ref
}

// orderBody is {"target_product_code": code, <first form key>: target, <other keys>: fields}.
// The form keys are the upstream provider's, found through the product's provider.
func (c *Client) orderBody(ctx context.Context, r supplier.Request) ([]byte, error) {
	code := strings.TrimSpace(r.Code)
	if code == "" {
		return nil, errors.New("no product code")
	}
	if strings.TrimSpace(r.Target) == "" {
		return nil, errors.New("no target")
	}
	forms, err := c.forms(ctx, code)
	if err != nil {
		return nil, err
	}
	body := map[string]string{"target_product_code": code}
	for i, f := range forms {
		if f.Key == "target_product_code" || strings.HasPrefix(f.Key, "_") {
			return nil, fmt.Errorf("provider form key %q is reserved", f.Key)
		}
		v := strings.TrimSpace(r.Target)
		if i > 0 {
			v = strings.TrimSpace(r.Fields[f.Key])
		}
		if v == "" {
			return nil, fmt.Errorf("no value for the provider's form field %q", f.Key)
		}
		body[f.Key] = v
	}
	return json.Marshal(body)
}

type form struct {
	Label string `json:"label"`
	Key   string `json:"key"`
	Type  string `json:"type"`
}

type provider struct {
	Code   string          `json:"code"`
	Name   string          `json:"name"`
	Active json.RawMessage `json:"active"`
	Forms  []form          `json:"forms"`
}

// forms finds the form keys of a product's provider: product/{code} names the
// provider, the provider list has its forms. Both are cached for catalogTTL.
func (c *Client) forms(ctx context.Context, code string) ([]form, error) {
	prov, err := c.providerOf(ctx, code)
	if err != nil {
		return nil, err
	}
	for fresh := false; ; fresh = true {
		ps, err := c.providerList(ctx, fresh)
		if err != nil {
			return nil, err
		}
		if p, ok := ps[strings.ToUpper(prov)]; ok {
			if len(p.Forms) == 0 || strings.TrimSpace(p.Forms[0].Key) == "" {
				return nil, fmt.Errorf("provider %q has no form to put the target in", prov)
			}
			return p.Forms, nil
		}
		if fresh {
			return nil, fmt.Errorf("provider %q of product %q is not in the provider list", prov, code)
		}
	}
}

func (c *Client) providerOf(ctx context.Context, code string) (string, error) {
	cc, err := c.product(ctx, code)
	return cc.provider, err
}

// product looks a product up (product/{code}), cached for catalogTTL.
func (c *Client) product(ctx context.Context, code string) (cachedCode, error) {
	c.mu.Lock()
	cc, ok := c.products[code]
	c.mu.Unlock()
	if ok && c.now().Sub(cc.at) < catalogTTL {
		return cc, nil
	}
	path := "/api/prepaid/product/" + url.PathEscape(code)
	a, err := c.call(ctx, http.MethodGet, path, nil, nil, false)
	if err != nil {
		return cachedCode{}, err
	}
	if !a.ok() {
		return cachedCode{}, a.err(http.MethodGet, path)
	}
	var d struct {
		Code     string `json:"code"`
		Name     string `json:"name"`
		Provider struct {
			Code string `json:"code"`
		} `json:"provider"`
	}
	if err := json.Unmarshal(a.env.Data, &d); err != nil || strings.TrimSpace(d.Provider.Code) == "" {
		return cachedCode{}, fmt.Errorf("tokowendigg: GET %s: answer without a provider", path)
	}
	cc = cachedCode{provider: strings.TrimSpace(d.Provider.Code), name: strings.TrimSpace(d.Name), at: c.now()}
	c.mu.Lock()
	c.products[code] = cc
	c.mu.Unlock()
	return cc, nil
}

// providerList returns every provider by upper-cased code (cached unless fresh).
func (c *Client) providerList(ctx context.Context, fresh bool) (map[string]provider, error) {
	c.mu.Lock()
	ps, at := c.providers, c.provAt
	c.mu.Unlock()
	if ps != nil && !fresh && c.now().Sub(at) < catalogTTL {
		return ps, nil
	}
	const path = "/api/prepaid/provider"
	a, err := c.call(ctx, http.MethodGet, path, nil, nil, false)
	if err != nil {
		return nil, err
	}
	if !a.ok() {
		return nil, a.err(http.MethodGet, path)
	}
	var list []provider
	if err := json.Unmarshal(a.env.Data, &list); err != nil {
		return nil, fmt.Errorf("tokowendigg: GET %s: unreadable provider list", path)
	}
	ps = make(map[string]provider, len(list))
	for _, p := range list {
		p.Code = strings.TrimSpace(p.Code)
		if p.Code != "" {
			ps[strings.ToUpper(p.Code)] = p
		}
	}
	c.mu.Lock()
	c.providers, c.provAt = ps, c.now()
	c.mu.Unlock()
	return ps, nil
}

// Status asks about an order by the upstream's reference: the one this process got
// when it placed Ref or, failing that, Request.TrxID (the Result.TrxID Loket stored,
// until Request carries it). Without either there is nothing to ask with, and the
// answer is Unknown. A reference from Fields is checked against the product: the
// answer must name the product r.Code names, so that a reference slipped into an
// order's fields cannot settle it with another product's success.
func (c *Client) Status(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	c.mu.Lock()
	trx := c.placed[r.Ref].reference
	c.mu.Unlock()
	if trx != "" {
		return c.status(ctx, trx)
	}
	trx = strings.TrimSpace(r.TrxID)
	if trx == "" {
		return supplier.Result{}, fmt.Errorf("tokowendigg: no upstream reference for %s (TokoWendigg has no client reference)", r.Ref)
	}
	res, name, err := c.statusOf(ctx, trx)
	if err != nil || res.Outcome == supplier.Unknown || res.Outcome == supplier.Pending {
		return res, err
	}
	p, err := c.product(ctx, strings.TrimSpace(r.Code))
	if err != nil {
		return supplier.Result{Outcome: supplier.Unknown, TrxID: trx, Message: "checking the product of " + trx + ": " + err.Error()}, nil
	}
	if !strings.EqualFold(strings.TrimSpace(name), p.name) {
		return supplier.Result{Outcome: supplier.Unknown, TrxID: trx,
			Message: fmt.Sprintf("tokowendigg: %s is for %q, not %q (%s)", trx, clip(name), clip(p.name), clip(r.Code))}, nil
	}
	return res, nil
}

func (c *Client) status(ctx context.Context, trx string) (supplier.Result, error) {
	res, _, err := c.statusOf(ctx, trx)
	return res, err
}

// statusOf asks about a reference, and returns the product name the answer gives. A
// check that gets no usable answer is Unknown and still names the reference.
func (c *Client) statusOf(ctx context.Context, trx string) (supplier.Result, string, error) {
	path := "/api/prepaid/transaction/" + url.PathEscape(trx)
	unknown := func(msg string) (supplier.Result, string, error) {
		return supplier.Result{Outcome: supplier.Unknown, TrxID: trx, Message: msg}, "", nil
	}
	a, err := c.call(ctx, http.MethodGet, path, nil, nil, false)
	if err != nil {
		return unknown(err.Error())
	}
	if !a.ok() {
		// "Transaksi tidak ditemukan" for a reference the upstream gave us is not a
		// failure of the order: a wrong account or address says the same.
		return unknown(a.err(http.MethodGet, path).Error())
	}
	var d orderData
	if err := json.Unmarshal(a.env.Data, &d); err != nil {
		return unknown("tokowendigg: GET " + path + ": unreadable transaction")
	}
	if got := strings.TrimSpace(d.Reference); got != "" && !strings.EqualFold(got, trx) {
		return unknown(fmt.Sprintf("tokowendigg: asked about %s, answered about %s", trx, clip(got)))
	}
	if strings.EqualFold(strings.TrimSpace(d.Type), "deposit") {
		return unknown("tokowendigg: " + trx + " is a deposit, not an order")
	}
	d.Reference = trx
	return c.result(d), d.Product, nil
}

// Balance is the account's balance (transaction/balance, signed).
func (c *Client) Balance(ctx context.Context) (loket.Money, error) {
	const path = "/api/prepaid/transaction/balance"
	a, err := c.call(ctx, http.MethodPost, path, nil, []byte("{}"), true)
	if err != nil {
		return 0, err
	}
	if !a.ok() {
		return 0, a.err(http.MethodPost, path)
	}
	var d struct {
		Balance json.RawMessage `json:"balance"`
	}
	if err := json.Unmarshal(a.env.Data, &d); err != nil {
		return 0, fmt.Errorf("tokowendigg: POST %s: unreadable balance", path)
	}
	b, err := money(d.Balance)
	if err != nil {
		return 0, fmt.Errorf("tokowendigg: POST %s: balance: %w", path, err)
	}
	return b, nil
}

type productItem struct {
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	Active   json.RawMessage `json:"active"`
	Price    json.RawMessage `json:"price"`
	Provider struct {
		Active json.RawMessage `json:"active"`
	} `json:"provider"`
}

// Prices lists the products of every active provider. A product is active when it and
// its provider are. Products of inactive providers are not listed. Any page that fails
// fails the whole list: a partial list would read as products gone.
func (c *Client) Prices(ctx context.Context) ([]supplier.Price, error) {
	const path = "/api/prepaid/provider"
	a, err := c.call(ctx, http.MethodGet, path, url.Values{"active": {"1"}}, nil, false)
	if err != nil {
		return nil, err
	}
	if !a.ok() {
		return nil, a.err(http.MethodGet, path)
	}
	var list []provider
	if err := json.Unmarshal(a.env.Data, &list); err != nil {
		return nil, fmt.Errorf("tokowendigg: GET %s: unreadable provider list", path)
	}
	var codes []string
	for _, p := range list {
		if code := strings.TrimSpace(p.Code); code != "" && flag(p.Active) {
			codes = append(codes, code)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make([][]supplier.Price, len(codes))
	errs := make([]error, len(codes))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(priceWorkers, len(codes)) {
		wg.Go(func() {
			for i := range next {
				pages[i], errs[i] = c.productPage(ctx, codes[i])
				if errs[i] != nil {
					cancel()
				}
			}
		})
	}
feed:
	for i := range codes {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	var out []supplier.Price
	for i := range codes {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if pages[i] == nil && ctx.Err() != nil {
			return nil, fmt.Errorf("tokowendigg: price list: %w", ctx.Err())
		}
		out = append(out, pages[i]...)
	}
	return out, nil
}

func (c *Client) productPage(ctx context.Context, prov string) ([]supplier.Price, error) {
	const path = "/api/prepaid/product"
	a, err := c.call(ctx, http.MethodGet, path, url.Values{"provider": {prov}}, nil, false)
	if err != nil {
		return nil, err
	}
	if !a.ok() {
		return nil, fmt.Errorf("%w (provider %s)", a.err(http.MethodGet, path), prov)
	}
	var items []productItem
	if err := json.Unmarshal(a.env.Data, &items); err != nil {
		return nil, fmt.Errorf("tokowendigg: GET %s: unreadable product list of %s", path, prov)
	}
	out := make([]supplier.Price, 0, len(items))
	for _, it := range items {
		code := strings.TrimSpace(it.Code)
		if code == "" {
			continue
		}
		p, err := money(it.Price)
		if err != nil {
			return nil, fmt.Errorf("tokowendigg: GET %s: product %s: %w", path, clip(code), err)
		}
		active := flag(it.Active) && (len(it.Provider.Active) == 0 || flag(it.Provider.Active))
		out = append(out, supplier.Price{Code: code, Name: strings.TrimSpace(it.Name), Price: p, Active: active && p > 0})
	}
	return out, nil
}

// RefLess tells Loket that the upstream takes no client reference: an attempt that may
// have gone out is never sent again.
func (c *Client) RefLess() bool { return true }
