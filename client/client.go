// Package client is a Go client of Loket's native JSON API (/v1): what a reseller's
// program uses to read its account and the catalog, place orders and follow them, read
// its balance movements and manage its webhook.
//
// It depends on the standard library only and mirrors the API's JSON in its own types,
// so it can be vendored into a reseller's program as it is. Those types are checked
// against the server's, field by field, by internal/api's client drift test.
//
// Usage:
//
//	c := client.New("https://loket.example.com", os.Getenv("LOKET_API_KEY"))
//	o, created, err := c.CreateOrder(ctx, client.OrderRequest{
//		Product: "S5", Target: "081234567890", RefID: "inv-2024-0001",
//	})
//	var apiErr *client.Error
//	switch {
//	case errors.As(err, &apiErr) && apiErr.Code == client.CodeInsufficientBalance:
//		// top up first
//	case err != nil:
//		// network trouble: retry with the same RefID; it never charges twice
//	default:
//		_ = created // false when RefID was seen before: o is that first order
//		for o.Status == client.StatusPending {
//			time.Sleep(2 * time.Second)
//			if o, err = c.Order(ctx, o.ID); err != nil {
//				break
//			}
//		}
//	}
//
// Orders settle asynchronously: instead of polling, set a webhook URL with SetWebhook
// and check each delivery with VerifySignature.
//
// Every method returns a *Error when the server answered with an error; match on its
// Code (the Code* constants), which is stable, never on its Message.
package client

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Order statuses.
const (
	StatusPending = "pending"
	StatusSuccess = "success"
	StatusFailed  = "failed"
)

// Error codes the API answers with (Error.Code). They are stable.
const (
	CodeInvalid             = "invalid"              // malformed input (400)
	CodeUnauthorized        = "unauthorized"         // missing or wrong API key (401)
	CodeInsufficientBalance = "insufficient_balance" // (402)
	CodeForbidden           = "forbidden"            // suspended account, IP not allowed (403)
	CodeNotFound            = "not_found"            // (404)
	CodeConflict            = "conflict"             // ref_id reused for a different order (409)
	CodeDuplicatePending    = "duplicate_pending"    // same product and target still pending (409)
	CodeBodyTooLarge        = "body_too_large"       // (413)
	CodeUnknownProduct      = "unknown_product"      // (422)
	CodeProductInactive     = "product_inactive"     // (422)
	CodeOutOfStock          = "out_of_stock"         // (422)
	CodePriceAboveMax       = "price_above_max"      // the price is above max_price (422)
	CodeUnavailable         = "unavailable"          // no supplier can serve the product now (422)
	CodeInvalidTarget       = "invalid_target"       // (400)
	CodeInvalidField        = "invalid_field"        // a form field is missing or wrong (400)
	CodeRateLimited         = "rate_limited"         // (429)
	CodeInternal            = "internal"             // (500)
)

// Error is an error answer of the API. On the wire it is the "error" object of the
// body: {"error": {"code": ..., "message": ..., "field": ...}}.
type Error struct {
	StatusCode int    `json:"-"`               // the HTTP status
	Code       string `json:"code"`            // machine readable, stable; empty when the body was not the API's error JSON
	Message    string `json:"message"`         // for people
	Field      string `json:"field,omitempty"` // the offending input field, when there is one
}

func (e *Error) Error() string {
	s := fmt.Sprintf("loket: %d", e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	return s
}

// Me is the caller's account.
type Me struct {
	Username      string    `json:"username"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	Level         string    `json:"level"`
	Status        string    `json:"status"`
	Balance       int64     `json:"balance"`
	ProfitBalance int64     `json:"profit_balance"`
	WebhookURL    string    `json:"webhook_url"`
	IPAllow       []string  `json:"ip_allow"`
	ReferralCode  string    `json:"referral_code"`
	CreatedAt     time.Time `json:"created_at"`
}

// FormOption is one choice of a dropdown form field.
type FormOption struct {
	Name string `json:"name"`
	Code string `json:"code"`
}

// FormField is one input a product's brand needs: the first is the target, the others
// go in OrderRequest.Fields under their Key.
type FormField struct {
	Label   string       `json:"label"`
	Key     string       `json:"key"`
	Type    string       `json:"type"` // text or dropdown
	Options []FormOption `json:"options,omitempty"`
}

// ProductList is the answer of GET /v1/products.
type ProductList struct {
	Products []Product `json:"products"`
}

// Product is a product with the caller's price.
type Product struct {
	Code        string      `json:"code"`
	Name        string      `json:"name"`
	Category    string      `json:"category"`
	Brand       string      `json:"brand"`
	BrandName   string      `json:"brand_name"`
	Price       int64       `json:"price"`
	Active      bool        `json:"active"`
	Stock       *int64      `json:"stock"` // nil when unlimited
	Description string      `json:"description,omitempty"`
	TargetKind  string      `json:"target_kind"` // msisdn, meter, game or any
	Forms       []FormField `json:"forms,omitempty"`
	// Kind is prepaid (Price is fixed) or postpaid (a bill: check it with InquireBill;
	// its price is the bill + AdminFee - Commission per period).
	Kind          string `json:"kind"`
	CustomerCheck string `json:"customer_check,omitempty"` // pln: CheckPLN looks the target up first
	AdminFee      int64  `json:"admin_fee,omitempty"`
	Commission    int64  `json:"commission,omitempty"`
}

// OrderRequest is an order to place.
type OrderRequest struct {
	Product string `json:"product"`
	Target  string `json:"target"`
	// RefID is the caller's id of the order: the same RefID again returns the same
	// order and charges nothing, so a request may be retried safely.
	RefID  string            `json:"ref_id"`
	Fields map[string]string `json:"fields,omitempty"`
	// MaxPrice, when not zero, refuses the order if its price is above it.
	MaxPrice int64 `json:"max_price,omitempty"`
	// SellingPrice, when set, makes a dropship order: the customer pays it by QRIS
	// (Order.Dropship.Payment), the balance is not touched, and the margin goes to
	// the profit balance when the order succeeds.
	SellingPrice  int64  `json:"selling_price,omitempty"`
	CustomerName  string `json:"customer_name,omitempty"`
	CustomerPhone string `json:"customer_phone,omitempty"`
}

// Order is an order as the API shows it.
type Order struct {
	ID          int64             `json:"id"`
	RefID       string            `json:"ref_id"`
	Product     string            `json:"product"`
	ProductName string            `json:"product_name"`
	Target      string            `json:"target"`
	Fields      map[string]string `json:"fields,omitempty"`
	Price       int64             `json:"price"`
	Status      string            `json:"status"` // StatusPending, StatusSuccess or StatusFailed
	SN          string            `json:"sn"`
	Message     string            `json:"message"`
	Surface     string            `json:"surface"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	SettledAt   *time.Time        `json:"settled_at,omitempty"`
	Mode        string            `json:"mode"` // saldo or dropship
	Dropship    *Dropship         `json:"dropship,omitempty"`
	Bill        *Bill             `json:"bill,omitempty"` // a bill's payment: the bill paid
}

// ListOptions filter and page Orders. Zero values leave a filter out.
type ListOptions struct {
	Status   string    // pending, success or failed
	RefID    string    // only the order with this ref_id
	From, To time.Time // created at or after From, before To
	Limit    int       // 1-200; the server's default (50) when 0
	Cursor   string    // NextCursor of the previous page
}

// OrderList is one page of orders, newest first.
type OrderList struct {
	Orders     []Order `json:"orders"`
	NextCursor string  `json:"next_cursor"` // empty at the end
}

// LedgerEntry is one movement on the caller's balance (mutasi).
type LedgerEntry struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"` // order_reserve, order_void, deposit, adjustment...
	Amount       int64     `json:"amount"`
	BalanceAfter int64     `json:"balance_after"`
	OrderID      *int64    `json:"order_id,omitempty"`
	Note         string    `json:"note"`
	CreatedAt    time.Time `json:"created_at"`
}

// LedgerList is one page of balance movements, newest first.
type LedgerList struct {
	Entries    []LedgerEntry `json:"entries"`
	NextCursor string        `json:"next_cursor"` // empty at the end
}

// WebhookAttempt is one try at delivering a webhook.
type WebhookAttempt struct {
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"` // 0 when no answer came
	Error      string    `json:"error,omitempty"`
	DurationMS float64   `json:"duration_ms"`
}

// Webhook is one webhook sent (or being sent) to the caller, with every attempt.
type Webhook struct {
	ID          int64            `json:"id"`
	OrderID     *int64           `json:"order_id,omitempty"`
	Event       string           `json:"event"`
	URL         string           `json:"url"`
	ContentType string           `json:"content_type"`
	Body        string           `json:"body"`
	State       string           `json:"state"` // pending, delivered or gave_up
	Attempts    int              `json:"attempts"`
	CreatedAt   time.Time        `json:"created_at"`
	DeliveredAt *time.Time       `json:"delivered_at,omitempty"`
	Log         []WebhookAttempt `json:"log,omitempty"`
}

// WebhookList is the answer of GET /v1/webhooks.
type WebhookList struct {
	Webhooks []Webhook `json:"webhooks"`
}

// WebhookSettings is the body of GET and PUT /v1/webhook.
type WebhookSettings struct {
	URL string `json:"url"` // empty when webhooks are off
}

// WebhookEvent is the body of a native webhook delivery.
type WebhookEvent struct {
	Event string `json:"event"` // order.updated
	Order Order  `json:"order"`
}

// Credentials are a new API key and secret key.
type Credentials struct {
	APIKey    string `json:"api_key"`
	SecretKey string `json:"secret_key"`
}

// SignatureHeader is the header a webhook delivery carries its signature in.
const SignatureHeader = "X-Loket-Signature"

// VerifySignature reports whether signature (the X-Loket-Signature header of a webhook
// delivery) is "sha256=" + hex(HMAC-SHA256(body, secretKey)).
func VerifySignature(secretKey string, body []byte, signature string) bool {
	hexSum, ok := strings.CutPrefix(strings.TrimSpace(signature), "sha256=")
	if !ok || secretKey == "" {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secretKey))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// Client calls the native API of one Loket as one reseller.
type Client struct {
	BaseURL string       // e.g. https://loket.example.com, without /v1
	APIKey  string       // sent as Authorization: Bearer
	HTTP    *http.Client // http.DefaultClient when nil
}

// New returns a client of the Loket at baseURL using apiKey.
func New(baseURL, apiKey string) *Client {
	return &Client{BaseURL: baseURL, APIKey: apiKey, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// maxResponse bounds what the client reads of one answer.
const maxResponse = 16 << 20

// do sends a request and decodes a 2xx JSON answer into out (unless nil). It returns
// the HTTP status.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, fmt.Errorf("loket: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, fmt.Errorf("loket: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("loket: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("loket: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, decodeError(resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("loket: %s %s: decode answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func decodeError(status int, raw []byte) *Error {
	var eb struct {
		Error *Error `json:"error"`
	}
	if json.Unmarshal(raw, &eb) == nil && eb.Error != nil {
		eb.Error.StatusCode = status
		return eb.Error
	}
	msg := strings.TrimSpace(string(raw))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &Error{StatusCode: status, Message: msg}
}

// Me returns the caller's account and balances.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var m Me
	if _, err := c.do(ctx, http.MethodGet, "/v1/me", nil, nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Products lists the catalog with the caller's prices, optionally only one category
// and one brand (empty: all).
func (c *Client) Products(ctx context.Context, category, brand string) ([]Product, error) {
	q := url.Values{}
	if category != "" {
		q.Set("category", category)
	}
	if brand != "" {
		q.Set("brand", brand)
	}
	var out ProductList
	if _, err := c.do(ctx, http.MethodGet, "/v1/products", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Products, nil
}

// Product returns one product with the caller's price.
func (c *Client) Product(ctx context.Context, code string) (*Product, error) {
	var p Product
	if _, err := c.do(ctx, http.MethodGet, "/v1/products/"+url.PathEscape(code), nil, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateOrder places an order. created is false when req.RefID was used before: the
// order returned is then that first one, and nothing was charged now.
func (c *Client) CreateOrder(ctx context.Context, req OrderRequest) (o *Order, created bool, err error) {
	var out Order
	status, err := c.do(ctx, http.MethodPost, "/v1/orders", nil, req, &out)
	if err != nil {
		return nil, false, err
	}
	return &out, status == http.StatusCreated, nil
}

// Order returns one of the caller's orders.
func (c *Client) Order(ctx context.Context, id int64) (*Order, error) {
	var o Order
	if _, err := c.do(ctx, http.MethodGet, "/v1/orders/"+strconv.FormatInt(id, 10), nil, nil, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// Orders lists the caller's orders, newest first, one page at a time.
func (c *Client) Orders(ctx context.Context, opt ListOptions) (*OrderList, error) {
	q := url.Values{}
	if opt.Status != "" {
		q.Set("status", opt.Status)
	}
	if opt.RefID != "" {
		q.Set("ref_id", opt.RefID)
	}
	if !opt.From.IsZero() {
		q.Set("from", opt.From.Format(time.RFC3339Nano))
	}
	if !opt.To.IsZero() {
		q.Set("to", opt.To.Format(time.RFC3339Nano))
	}
	if opt.Limit != 0 {
		q.Set("limit", strconv.Itoa(opt.Limit))
	}
	if opt.Cursor != "" {
		q.Set("cursor", opt.Cursor)
	}
	var out OrderList
	if _, err := c.do(ctx, http.MethodGet, "/v1/orders", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Ledger returns one page of the caller's balance movements, newest first, with the
// balance after each. limit 0 takes the server's default; cursor is the NextCursor of
// the previous page ("" for the first).
func (c *Client) Ledger(ctx context.Context, limit int, cursor string) (*LedgerList, error) {
	q := url.Values{}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var out LedgerList
	if _, err := c.do(ctx, http.MethodGet, "/v1/ledger", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Webhook returns the caller's webhook URL ("" when webhooks are off).
func (c *Client) Webhook(ctx context.Context) (string, error) {
	var out WebhookSettings
	if _, err := c.do(ctx, http.MethodGet, "/v1/webhook", nil, nil, &out); err != nil {
		return "", err
	}
	return out.URL, nil
}

// SetWebhook sets the URL order status changes are POSTed to; "" turns webhooks off.
func (c *Client) SetWebhook(ctx context.Context, webhookURL string) error {
	_, err := c.do(ctx, http.MethodPut, "/v1/webhook", nil, WebhookSettings{URL: webhookURL}, nil)
	return err
}

// Webhooks lists the caller's recent webhook deliveries with every attempt.
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out WebhookList
	if _, err := c.do(ctx, http.MethodGet, "/v1/webhooks", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Webhooks, nil
}

// RegenerateKeys replaces the caller's API key and secret key; the old ones stop
// working at once. The client goes on with the new API key.
func (c *Client) RegenerateKeys(ctx context.Context) (*Credentials, error) {
	var cr Credentials
	if _, err := c.do(ctx, http.MethodPost, "/v1/keys", nil, nil, &cr); err != nil {
		return nil, err
	}
	c.APIKey = cr.APIKey
	return &cr, nil
}
