package tokowendigg

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/supplier"
)

// DefaultWebhookIP is the sender the seed tells its members to allow.
const DefaultWebhookIP = "95.111.198.189"

// The seed's webhook answers.
var (
	answerStatusOK = []byte(`{"status":200,"message":"Webhook berhasil diiproses"}`)
	answerPriceOK  = []byte(`{"status":200,"message":"Harga berhasil diuperbarui"}`)
	answerRefused  = []byte(`{"status":400,"message":"Invalid signature"}`)
	answerBadBody  = []byte(`{"status":400,"message":"Invalid payload"}`)
)

// parseAllow reads the webhook allowlist: comma-separated IPs or CIDRs, or the seed's
// address when empty.
func parseAllow(s string) ([]*net.IPNet, error) {
	if strings.TrimSpace(s) == "" {
		s = DefaultWebhookIP
	}
	var out []*net.IPNet
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			_, n, err := net.ParseCIDR(part)
			if err != nil {
				return nil, fmt.Errorf("tokowendigg: member id must list webhook IPs or CIDRs: %q is neither", clip(part))
			}
			out = append(out, n)
			continue
		}
		ip := net.ParseIP(part)
		if ip == nil {
			return nil, fmt.Errorf("tokowendigg: member id must list webhook IPs or CIDRs: %q is neither", clip(part))
		}
		bits := 128
		if ip4 := ip.To4(); ip4 != nil {
			ip, bits = ip4, 32
		}
		out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
	}
	if len(out) == 0 {
		return nil, errors.New("tokowendigg: empty webhook allowlist")
	}
	return out, nil
}

// allowed checks the client's address, as httpx.ClientIP resolves it (forwarding
// headers only from LOKET_TRUSTED_PROXIES, since anyone can write them), against the
// allowlist.
func (c *Client) allowed(r *http.Request) (string, bool) {
	host := httpx.ClientIP(r)
	ip := net.ParseIP(strings.TrimSpace(host))
	if ip == nil {
		return host, false
	}
	if ip4 := ip.To4(); ip4 != nil {
		ip = ip4
	}
	for _, n := range c.allow {
		if n.Contains(ip) {
			return host, true
		}
	}
	return host, false
}

// signed checks a webhook's signature when it carries one: X-Loket-Signature (another
// Loket upstream signs every report with the account's secret key: sha256=<hex
// HMAC-SHA256 of the body>), or a Signature header, which must then be the secret key
// as on the seed's own requests. The seed defines no webhook signature, so a webhook
// with neither is judged by its source address alone; one with a wrong signature is
// refused even from an allowed address.
func (c *Client) signed(r *http.Request, body []byte) error {
	if v := strings.TrimSpace(r.Header.Get("X-Loket-Signature")); v != "" {
		hexSig, ok := strings.CutPrefix(v, "sha256=")
		got, err := hex.DecodeString(hexSig)
		if !ok || err != nil {
			return errors.New("tokowendigg: webhook X-Loket-Signature is not sha256=<hex>")
		}
		m := hmac.New(sha256.New, []byte(c.secret))
		m.Write(body)
		if !hmac.Equal(got, m.Sum(nil)) {
			return errors.New("tokowendigg: webhook X-Loket-Signature does not match the secret key")
		}
		return nil
	}
	if v, ok := r.Header["Signature"]; ok {
		if len(v) != 1 || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(v[0])), []byte(c.secret)) != 1 {
			return errors.New("tokowendigg: webhook Signature header is not the secret key")
		}
	}
	return nil
}

type webhook struct {
	WebhookType string          `json:"webhook_type"`
	Data        json.RawMessage `json:"data"`
	Reference   string          `json:"reference"`
	Status      string          `json:"status"`
	SN          string          `json:"sn"`
	Note        string          `json:"note"`
	SentAt      string          `json:"sent_at"`
}

// ReceiveCallback takes TokoWendigg's webhooks. The seed does not say how a body is
// signed (only that a refusal reads "Invalid signature") and asks members to accept
// webhooks from its address only, so that is what is checked: the connection's source
// address against the allowlist. transaction_status carries one order's result, by
// the upstream's reference; price_update carries no order result and is acknowledged.
func (c *Client) ReceiveCallback(r *http.Request, body []byte) ([]supplier.Callback, int, []byte, error) {
	if host, ok := c.allowed(r); !ok {
		return nil, http.StatusBadRequest, answerRefused, fmt.Errorf("tokowendigg: webhook from %s, which is not in the allowlist", clip(host))
	}
	if err := c.signed(r, body); err != nil {
		return nil, http.StatusBadRequest, answerRefused, err
	}
	var w webhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, http.StatusBadRequest, answerBadBody, errors.New("tokowendigg: webhook body is not JSON")
	}
	switch strings.ToLower(strings.TrimSpace(w.WebhookType)) {
	case "price_update":
		prices, err := priceNews(w.Data)
		if err != nil {
			return nil, http.StatusBadRequest, answerBadBody, err
		}
		if len(prices) == 0 {
			return nil, http.StatusOK, answerPriceOK, nil
		}
		return []supplier.Callback{{Prices: prices}}, http.StatusOK, answerPriceOK, nil
	case "transaction_status":
	default:
		return nil, http.StatusBadRequest, answerBadBody, fmt.Errorf("tokowendigg: unknown webhook_type %q", clip(w.WebhookType))
	}
	ref := strings.TrimSpace(w.Reference)
	if ref == "" {
		return nil, http.StatusBadRequest, answerBadBody, errors.New("tokowendigg: transaction_status webhook without a reference")
	}
	out, sn := outcome(w.Status, w.SN)
	if out == supplier.Unknown {
		// A word Loket does not know settles nothing; refusing it makes the upstream
		// send it again, and the operator sees the error.
		return nil, http.StatusBadRequest, answerBadBody, fmt.Errorf("tokowendigg: webhook for %s with status %q", clip(ref), clip(w.Status))
	}
	res := supplier.Result{Outcome: out, SN: sn, TrxID: ref, Message: c.redact(clip(strings.TrimSpace(w.Status + " " + w.Note)))}
	// An upstream that settles at once may send the webhook before Loket has recorded
	// the reference transaction/create answered: by the reference alone it would match
	// no attempt and be dropped (acknowledged), leaving the order to the next status
	// check. The Ref this process placed under that reference matches at once.
	return []supplier.Callback{{Ref: c.placedRef(r.Context(), ref), TrxID: ref, Result: res}}, http.StatusOK, answerStatusOK, nil
}

// earlyWait bounds how long a webhook naming a reference this process has not seen
// waits for the orders being sent to read their answers.
const earlyWait = 2 * time.Second

// placedRef is the Ref this process placed under an upstream reference, or "". A
// webhook can overtake the answer of the very transaction/create it is about (the
// upstream settled at once): while the reference is unknown and sends that began
// before the webhook came are in flight, it waits for them, up to earlyWait.
func (c *Client) placedRef(ctx context.Context, reference string) string {
	arrived := c.now()
	deadline := time.Now().Add(earlyWait)
	for {
		c.mu.Lock()
		ref, busy := c.refOf[reference], false
		for _, began := range c.inFlight {
			if !began.After(arrived) {
				busy = true
				break
			}
		}
		c.mu.Unlock()
		if ref != "" || !busy || time.Now().After(deadline) {
			return ref
		}
		select {
		case <-ctx.Done():
			return ""
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// priceNews reads price_update's data: each product's new price. An entry whose new
// price cannot be read is refused with the whole webhook, so the upstream sends it
// again rather than Loket keeping a wrong cost.
func priceNews(data json.RawMessage) ([]supplier.Price, error) {
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	var items []struct {
		Code     string          `json:"product_code"`
		PriceNew json.RawMessage `json:"price_new"`
	}
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, errors.New("tokowendigg: price_update data is not a list")
	}
	out := make([]supplier.Price, 0, len(items))
	for _, it := range items {
		code := strings.TrimSpace(it.Code)
		if code == "" {
			return nil, errors.New("tokowendigg: price_update entry without product_code")
		}
		p, err := money(it.PriceNew)
		if err != nil || p <= 0 {
			return nil, fmt.Errorf("tokowendigg: price_update for %s with price_new %s", clip(code), clip(string(it.PriceNew)))
		}
		out = append(out, supplier.Price{Code: code, Price: p, Active: true})
	}
	return out, nil
}

var (
	_ supplier.Supplier         = (*Client)(nil)
	_ supplier.CallbackReceiver = (*Client)(nil)
)
