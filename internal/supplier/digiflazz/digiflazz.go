// Package digiflazz is the supplier adapter for Digiflazz's buyer API
// (developer.digiflazz.com/api/buyer): prepaid top-ups by POST /transaction keyed by
// our ref_id, status by re-sending the same request, balance, price list, and the
// signed webhooks Digiflazz pushes. docs/supplier-digiflazz.md says where each fact
// comes from and why each response code maps to the outcome it does.
package digiflazz

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// DefaultBaseURL is used when the supplier is registered without --base-url.
const DefaultBaseURL = "https://api.digiflazz.com/v1"

// maxStatusAge bounds how old an order may be for Status to re-send it: Digiflazz
// keeps ref_ids for 90 days, after which the "status check" would place a new order.
const maxStatusAge = 85 * 24 * time.Hour

const (
	maxAnswer    = 1 << 20  // a transaction or balance answer
	maxPriceList = 64 << 20 // the full prepaid price list is a few MB
)

func init() {
	supplier.Register("digiflazz", func(cfg supplier.Config) (supplier.Supplier, error) {
		return New(cfg)
	})
}

// Digiflazz speaks to one Digiflazz buyer account.
type Digiflazz struct {
	base     string // ends in /v1, no trailing slash
	username string
	key      string
	secret   string
	testing  bool
	http     *http.Client
	now      func() time.Time

	// sent remembers when a request for each ref_id last went out, so Status keeps the
	// minute between requests for one transaction that the docs ask for ("race
	// condition atau duplikasi proses"). In memory only: after a restart PlacedAt
	// still covers the first minute.
	mu   sync.Mutex
	sent map[string]time.Time
}

// Interface checks.
var (
	_ supplier.Supplier         = (*Digiflazz)(nil)
	_ supplier.CallbackReceiver = (*Digiflazz)(nil)
)

// New makes an adapter: cfg.MemberID is the Digiflazz username, cfg.APIKey the API key
// (production or development), cfg.Secret the webhook secret.
func New(cfg supplier.Config) (*Digiflazz, error) {
	if strings.TrimSpace(cfg.MemberID) == "" {
		return nil, errors.New("digiflazz: --member-id (the Digiflazz API username) is required")
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("digiflazz: --api-key (the Digiflazz API key) is required")
	}
	base, err := baseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	return &Digiflazz{
		base:     base,
		username: strings.TrimSpace(cfg.MemberID),
		key:      strings.TrimSpace(cfg.APIKey),
		secret:   cfg.Secret,
		// Development keys ("dev-...") only work with testing=true (docs: Topup, "testing").
		testing: strings.HasPrefix(strings.TrimSpace(cfg.APIKey), "dev-"),
		http:    hc,
		now:     time.Now,
		sent:    map[string]time.Time{},
	}, nil
}

// String names the account without its credentials, for logs.
func (d *Digiflazz) String() string { return "digiflazz(" + d.username + " at " + d.base + ")" }

// GoString keeps %#v from printing the key.
func (d *Digiflazz) GoString() string { return d.String() }

// baseURL accepts what CONTRACT.md calls the scheme and host (https://api.digiflazz.com,
// or http://other-loket/compat/digiflazz) as well as the documented base ending in /v1.
func baseURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("digiflazz: base URL %q is not an http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("digiflazz: base URL must not carry a query, fragment or credentials")
	}
	p := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(p, "/v1") {
		p += "/v1"
	}
	u.Path = p
	u.RawPath = ""
	return u.String(), nil
}

// sign is md5(username + apiKey + suffix), hex: the formula of every buyer endpoint.
func (d *Digiflazz) sign(suffix string) string {
	sum := md5.Sum([]byte(d.username + d.key + suffix))
	return hex.EncodeToString(sum[:])
}

// trxRequest is the body of POST /transaction (docs: Topup).
type trxRequest struct {
	// Commands is empty for prepaid; inq-pasca, pay-pasca or status-pasca for bills.
	Commands     string `json:"commands,omitempty"`
	Username     string `json:"username"`
	BuyerSKUCode string `json:"buyer_sku_code"`
	CustomerNo   string `json:"customer_no"`
	RefID        string `json:"ref_id"`
	Sign         string `json:"sign"`
	Testing      bool   `json:"testing,omitempty"`
}

// trxData is data of a /transaction answer or of a webhook.
type trxData struct {
	TrxID        flexString `json:"trx_id"`
	RefID        flexString `json:"ref_id"`
	CustomerNo   flexString `json:"customer_no"`
	BuyerSKUCode flexString `json:"buyer_sku_code"`
	Message      flexString `json:"message"`
	Status       flexString `json:"status"`
	RC           flexString `json:"rc"`
	SN           flexString `json:"sn"`
	Price        flexAmount `json:"price"`
}

// Order places the order, with Request.Ref as ref_id: Digiflazz answers a repeated
// ref_id with the transaction it already has, so a re-send never buys twice.
func (d *Digiflazz) Order(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	return d.transaction(ctx, r, placing)
}

// Status re-sends the order's request: that is Digiflazz's status check for prepaid.
func (d *Digiflazz) Status(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	// Past 90 days Digiflazz forgets the ref_id and the re-send would buy again.
	if err := d.tooOld(r, "a status check now would place a new order"); err != nil {
		return supplier.Result{}, err
	}
	return d.transaction(ctx, r, checking)
}

func (d *Digiflazz) transaction(ctx context.Context, r supplier.Request, ph phase) (supplier.Result, error) {
	if strings.TrimSpace(r.Ref) == "" || strings.TrimSpace(r.Code) == "" || strings.TrimSpace(r.Target) == "" {
		return supplier.Result{}, errors.New("digiflazz: request needs a ref, a product code and a target")
	}
	if extra := extraFields(r.Fields); len(extra) > 0 {
		// Digiflazz takes one customer_no; where a product needs a zone or server it is
		// written into customer_no in the SKU's own format, which only the route knows.
		// Sending the target alone could top up the wrong account, so nothing is sent.
		res := supplier.Result{Message: fmt.Sprintf("digiflazz: not sent: fields %s have no place in a Digiflazz request (compose them into the target)", strings.Join(extra, ", "))}
		if ph == placing {
			res.Outcome = supplier.Failed
			return res, nil
		}
		return supplier.Result{}, errors.New(res.Message)
	}
	if ph == checking {
		if res, wait := d.hold(r); wait {
			return res, nil
		}
	}
	d.markSent(r.Ref)
	body := trxRequest{
		Username:     d.username,
		BuyerSKUCode: r.Code,
		CustomerNo:   r.Target,
		RefID:        r.Ref,
		Sign:         d.sign(r.Ref),
		Testing:      d.testing,
	}
	return d.send(ctx, body, r, ph)
}

// send posts a transaction request about r and reads the answer as its outcome.
func (d *Digiflazz) send(ctx context.Context, body trxRequest, r supplier.Request, ph phase) (supplier.Result, error) {
	var t trxData
	status, err := d.exchange(ctx, body, &t)
	if err != nil {
		return supplier.Result{}, err
	}
	res := result(t, ph)
	if msg := mismatch(t, r); msg != "" {
		// The answer is about some other transaction (a reused ref_id after a reset,
		// say): it proves nothing about this order.
		return supplier.Result{Outcome: supplier.Unknown, TrxID: res.TrxID, Message: msg, RetryAfter: recheckAfter}, nil
	}
	if status < 200 || status > 299 {
		// A refusal may come with a 4xx; a claim of success may not.
		if res.Outcome == supplier.Success || res.Outcome == supplier.Pending {
			res.Outcome, res.SN, res.RetryAfter = supplier.Unknown, "", recheckAfter
		}
		res.Message = fmt.Sprintf("HTTP %d: %s", status, res.Message)
	}
	return res, nil
}

// exchange posts body to /transaction and decodes the answer's data object into v. A
// 5xx, or an answer without a data object, is an error: no usable answer.
func (d *Digiflazz) exchange(ctx context.Context, body trxRequest, v any) (int, error) {
	status, raw, err := d.post(ctx, "/transaction", body, maxAnswer)
	if err != nil {
		return status, err
	}
	if status >= 500 {
		return status, fmt.Errorf("digiflazz: /transaction answered HTTP %d", status)
	}
	var ans struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || !bytes.HasPrefix(bytes.TrimSpace(ans.Data), []byte("{")) || json.Unmarshal(ans.Data, v) != nil {
		return status, fmt.Errorf("digiflazz: /transaction answered HTTP %d with an unreadable body (%d bytes)", status, len(raw))
	}
	return status, nil
}

// wait is how long Status must hold off before re-sending r.
func (d *Digiflazz) wait(r supplier.Request) time.Duration {
	d.mu.Lock()
	last := d.sent[r.Ref]
	d.mu.Unlock()
	if r.PlacedAt.After(last) {
		last = r.PlacedAt
	}
	if last.IsZero() {
		return 0
	}
	if el := d.now().Sub(last); el < recheckAfter {
		return recheckAfter - el
	}
	return 0
}

func (d *Digiflazz) markSent(ref string) {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.sent) >= 4096 {
		for k, t := range d.sent {
			if now.Sub(t) >= recheckAfter {
				delete(d.sent, k)
			}
		}
	}
	d.sent[ref] = now
}

// extraFields lists the non-empty fields the request would have to drop.
func extraFields(f map[string]string) []string {
	var out []string
	for k, v := range f {
		if strings.TrimSpace(v) != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// mismatch says why an answer does not describe the order r, or "".
func mismatch(t trxData, r supplier.Request) string {
	switch {
	case t.RefID != "" && string(t.RefID) != r.Ref:
		return fmt.Sprintf("answer is for ref_id %q, not %q", t.RefID, r.Ref)
	case t.BuyerSKUCode != "" && !strings.EqualFold(string(t.BuyerSKUCode), r.Code):
		return fmt.Sprintf("ref_id %s is known to Digiflazz with product %q, not %q", r.Ref, t.BuyerSKUCode, r.Code)
	case t.CustomerNo != "" && alnum(string(t.CustomerNo)) != alnum(r.Target):
		return fmt.Sprintf("ref_id %s is known to Digiflazz with another customer_no", r.Ref)
	}
	return ""
}

// alnum keeps letters and digits, lowercased, so formatting does not count as a difference.
func alnum(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// result reads one transaction's data.
func result(t trxData, ph phase) supplier.Result {
	rc := string(t.RC)
	out, retry := decide(string(t.Status), rc, ph)
	res := supplier.Result{
		Outcome:    out,
		TrxID:      string(t.TrxID),
		RetryAfter: retry,
		Message:    describe(t),
	}
	if out == supplier.Success {
		res.SN = string(t.SN)
	}
	if t.Price.ok {
		res.Price = t.Price.v
	}
	return res
}

func describe(t trxData) string {
	msg := strings.TrimSpace(string(t.Message))
	if text := rcText(string(t.RC)); text != "" && !strings.EqualFold(text, msg) {
		msg = strings.TrimSpace(msg + " (" + text + ")")
	}
	return fmt.Sprintf("%s rc=%s: %s", t.Status, t.RC, msg)
}

// Balance is the deposit left (docs: Cek Saldo).
func (d *Digiflazz) Balance(ctx context.Context) (loket.Money, error) {
	body := map[string]string{"cmd": "deposit", "username": d.username, "sign": d.sign("depo")}
	status, raw, err := d.post(ctx, "/cek-saldo", body, maxAnswer)
	if err != nil {
		return 0, err
	}
	var ans struct {
		Data struct {
			Deposit *flexAmount `json:"deposit"`
			RC      flexString  `json:"rc"`
			Message flexString  `json:"message"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return 0, fmt.Errorf("digiflazz: /cek-saldo answered HTTP %d with an unreadable body (%d bytes)", status, len(raw))
	}
	if status < 200 || status > 299 || ans.Data.Deposit == nil {
		return 0, refusal("/cek-saldo", status, ans.Data.RC, ans.Data.Message)
	}
	if !ans.Data.Deposit.ok {
		return 0, errors.New("digiflazz: /cek-saldo: unreadable deposit amount")
	}
	return ans.Data.Deposit.v, nil
}

type priceItem struct {
	BuyerSKUCode        flexString `json:"buyer_sku_code"`
	ProductName         flexString `json:"product_name"`
	Price               flexAmount `json:"price"`
	BuyerProductStatus  bool       `json:"buyer_product_status"`
	SellerProductStatus bool       `json:"seller_product_status"`
}

// Prices is the prepaid price list (docs: Daftar Harga). Digiflazz allows the full
// list about once per 5 minutes (rc 83 otherwise). Entries without a readable code or
// price are left out rather than listed at 0.
func (d *Digiflazz) Prices(ctx context.Context) ([]supplier.Price, error) {
	var items []priceItem
	if err := d.priceList(ctx, "prepaid", &items); err != nil {
		return nil, err
	}
	out := make([]supplier.Price, 0, len(items))
	for _, it := range items {
		if it.BuyerSKUCode == "" || !it.Price.ok {
			continue
		}
		out = append(out, supplier.Price{
			Code:   string(it.BuyerSKUCode),
			Name:   string(it.ProductName),
			Price:  it.Price.v,
			Active: it.BuyerProductStatus && it.SellerProductStatus,
		})
	}
	return out, nil
}

// priceList fetches the price list of cmd ("prepaid" or "pasca") into items.
func (d *Digiflazz) priceList(ctx context.Context, cmd string, items any) error {
	body := map[string]string{"cmd": cmd, "username": d.username, "sign": d.sign("pricelist")}
	status, raw, err := d.post(ctx, "/price-list", body, maxPriceList)
	if err != nil {
		return err
	}
	var ans struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil || len(ans.Data) == 0 {
		return fmt.Errorf("digiflazz: /price-list answered HTTP %d with an unreadable body (%d bytes)", status, len(raw))
	}
	if t := bytes.TrimSpace(ans.Data); len(t) > 0 && t[0] == '{' {
		// An error comes as an object: {"data":{"rc":"83","message":"..."}}.
		var e struct {
			RC      flexString `json:"rc"`
			Message flexString `json:"message"`
		}
		_ = json.Unmarshal(t, &e)
		return refusal("/price-list", status, e.RC, e.Message)
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("digiflazz: /price-list answered HTTP %d", status)
	}
	if err := json.Unmarshal(ans.Data, items); err != nil {
		return fmt.Errorf("digiflazz: /price-list: unexpected shape: %w", err)
	}
	return nil
}

func refusal(path string, status int, rc, msg flexString) error {
	if rc == "" && msg == "" {
		return fmt.Errorf("digiflazz: %s answered HTTP %d without the expected data", path, status)
	}
	text := string(msg)
	if t := rcText(string(rc)); t != "" && !strings.EqualFold(t, text) {
		text = strings.TrimSpace(text + " (" + t + ")")
	}
	return fmt.Errorf("digiflazz: %s refused (HTTP %d, rc %s): %s", path, status, rc, text)
}

// post sends body as JSON and returns the status and at most limit bytes of the answer.
// Errors never carry the body sent: it holds the signature.
func (d *Digiflazz) post(ctx context.Context, path string, body any, limit int64) (int, []byte, error) {
	buf, err := json.Marshal(body)
	if err != nil {
		return 0, nil, fmt.Errorf("digiflazz: encoding %s request: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.base+path, bytes.NewReader(buf))
	if err != nil {
		return 0, nil, fmt.Errorf("digiflazz: building %s request: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := d.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("digiflazz: POST %s: %w", path, scrub(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("digiflazz: reading %s answer: %w", path, scrub(err))
	}
	if int64(len(raw)) > limit {
		return resp.StatusCode, nil, fmt.Errorf("digiflazz: %s answer larger than %d bytes", path, limit)
	}
	return resp.StatusCode, raw, nil
}

// scrub keeps an error's kind (deadline, cancellation) but drops its text beyond the
// url.Error's operation, so no URL or payload detail can leak into logs.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
