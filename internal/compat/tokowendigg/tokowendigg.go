// Package tokowendigg serves seed 001 (TokoWendigg, game top-ups) as a compatibility
// surface under /compat/tokowendigg: providers with input forms, products, orders,
// transaction status, balance deposits by bank transfer, the public invoice page and
// the transaction_status webhook. docs/compat-tokowendigg.md says how a client of the original is pointed at
// Loket and every way this surface differs from the original.
package tokowendigg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/compat/input"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// Surface is the name orders placed here carry, and the notifier's key.
const Surface = "tokowendigg"

// prefix is where the surface is mounted: the seed's paths follow it.
const prefix = "/compat/tokowendigg"

// wib is the seed's local time: notes and the invoice page show it.
var wib = time.FixedZone("WIB", 7*3600)

// utcLayout is the seed's timestamp format (Laravel's): microseconds and a Z.
const utcLayout = "2006-01-02T15:04:05.000000Z"

// invoiceTTL is how long after creation a transaction shows as expiring
// (expired_at): the seed's examples put it 24 hours after created_at.
const invoiceTTL = 24 * time.Hour

type handler struct {
	svc       loket.Services
	log       *slog.Logger
	publicURL string
}

// Mount adds the surface's routes to m and registers its webhook format.
func Mount(m *httpx.Mux, svc loket.Services) {
	h := &handler{svc: svc, log: m.Log(), publicURL: m.PublicURL()}
	svc.Webhooks.SetNotifier(Surface, h.notify)
	svc.Webhooks.SetAcceptor(WebhookTransactionStatus, Acknowledged)
	svc.Webhooks.SetAcceptor(WebhookPriceUpdate, Acknowledged)
	svc.Webhooks.SetPriceNotifier(Surface, func(ups []loket.PriceUpdate) (string, string, []byte, error) {
		changes := make([]PriceChange, 0, len(ups))
		for _, u := range ups {
			changes = append(changes, PriceChange{ProductCode: u.Code, PriceOld: u.PriceOld, PriceNew: u.PriceNew})
		}
		b, err := PriceUpdateBody(changes)
		return WebhookPriceUpdate, "application/json", b, err
	})
	p := prefix + "/api/prepaid"
	// Each route is registered with and without a trailing slash, and for every
	// method: the handler answers a wrong method in the seed's shape, not the mux's.
	route := func(pattern string, fn http.HandlerFunc) {
		m.Handle(pattern, fn)
		m.Handle(pattern+"/{$}", fn)
	}
	route(p+"/provider", h.read(h.providers))
	route(p+"/product", h.read(h.products))
	route(p+"/product/{code}", h.read(h.product))
	route(p+"/transaction/create", h.authed(http.MethodPost, true, h.create))
	route(p+"/transaction/deposit", h.authed(http.MethodPost, true, h.deposit))
	route(p+"/transaction/balance", h.authed("", true, h.balance))
	route(p+"/transaction/{reference}", h.read(h.transaction))
	route(prefix+"/trx/{reference}", h.invoice)
	m.Handle(prefix+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, failf(http.StatusNotFound, "Endpoint tidak ditemukan"))
	}))
}

// twError is an answer of this surface that has no domain error behind it.
type twError struct {
	status  int
	message string
}

func (e *twError) Error() string { return e.message }

func failf(status int, format string, args ...any) error {
	return &twError{status: status, message: fmt.Sprintf(format, args...)}
}

// reply maps an error to the seed's answer: the HTTP status (also written as the
// body's "status") and the message. It is the one place domain codes become the
// seed's words. The seed answers every refusal with status 400, so Loket does too,
// except where HTTP has a better word a client cannot mistake for success.
func reply(err error) (int, string) {
	var te *twError
	if errors.As(err, &te) {
		return te.status, te.message
	}
	field := loket.ErrorField(err)
	if msg, ok := input.TextMessage(err); ok {
		return http.StatusBadRequest, "Kolom " + msg
	}
	var de *depositError
	if errors.As(err, &de) {
		// A deposit's refusals, in the words of deposits rather than orders.
		switch loket.ErrorCode(err) {
		case loket.ELIMIT:
			return http.StatusBadRequest, "Anda masih memiliki deposit yang belum dibayar, selesaikan atau tunggu hingga kedaluwarsa"
		case loket.EUNAVAILABLE, loket.ENOTCONFIGURED:
			return http.StatusBadRequest, "Metode pembayaran ini sedang tidak tersedia, silahkan coba nominal lain"
		case loket.EINVALID:
			if field == "amount" {
				return http.StatusBadRequest, "Nominal deposit melebihi batas maksimum"
			}
		}
	}
	switch loket.ErrorCode(err) {
	case loket.EUNAUTHORIZED:
		return http.StatusBadRequest, "Invalid API Key"
	case loket.EFORBIDDEN:
		return http.StatusBadRequest, "Anda tidak memiliki akses ke api kami"
	case loket.EPRODUCT:
		return http.StatusBadRequest, "Produk tidak ditemukan"
	case loket.EINACTIVE, loket.EUNAVAILABLE:
		return http.StatusBadRequest, "Produk sedang tidak aktif"
	case loket.EOUTOFSTOCK:
		return http.StatusBadRequest, "Stok produk sedang habis"
	case loket.EINSUFFICIENT:
		return http.StatusBadRequest, "Saldo anda tidak mencukupi"
	case loket.EPRICE:
		return http.StatusBadRequest, "Harga produk telah berubah"
	case loket.EDUPLICATE:
		return http.StatusBadRequest, "Transaksi dengan produk dan tujuan yang sama sedang diproses"
	case loket.ECONFLICT:
		return http.StatusBadRequest, "Transaksi ganda"
	case loket.ETARGET:
		return http.StatusBadRequest, "Tujuan tidak valid"
	case loket.EFIELD:
		if field != "" && field != "fields" {
			return http.StatusBadRequest, fmt.Sprintf("Kolom %s tidak valid", field)
		}
		return http.StatusBadRequest, "Data tujuan tidak valid"
	case loket.EINVALID:
		if field != "" {
			return http.StatusBadRequest, fmt.Sprintf("Kolom %s tidak valid", field)
		}
		return http.StatusBadRequest, "Permintaan tidak valid"
	case loket.ENOTFOUND:
		return http.StatusBadRequest, "Transaksi tidak ditemukan"
	case loket.ENOBILL:
		return http.StatusBadRequest, "Belum ada tagihan untuk nomor pelanggan ini"
	case loket.EBILLPAID:
		return http.StatusBadRequest, "Tagihan sudah dibayar"
	case loket.ECUSTOMER:
		return http.StatusBadRequest, "Nomor pelanggan tidak ditemukan"
	case loket.EOVERLIMIT:
		return http.StatusBadRequest, "Tagihan melebihi batas pembayaran"
	case loket.EEXPIRED:
		return http.StatusBadRequest, "Cek tagihan sudah kedaluwarsa, silakan cek ulang"
	case loket.EAMOUNT:
		return http.StatusBadRequest, "Jumlah tagihan berubah, silakan cek ulang"
	case loket.ETOOLARGE:
		return http.StatusRequestEntityTooLarge, "Payload terlalu besar"
	case loket.ERATELIMIT:
		return http.StatusTooManyRequests, "Terlalu banyak permintaan, coba lagi nanti"
	}
	return http.StatusInternalServerError, "Terjadi kesalahan pada server, silahkan coba lagi"
}

// errorBody is the seed's failure shape.
type errorBody struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

func (h *handler) fail(w http.ResponseWriter, err error) {
	status, msg := reply(err)
	if status >= 500 {
		h.log.Error("tokowendigg: request failed", "err", err)
	}
	httpx.WriteJSON(w, status, errorBody{Status: status, Message: msg})
}

// okBody is the seed's success shape.
type okBody struct {
	Status int `json:"status"`
	Data   any `json:"data"`
}

func ok(w http.ResponseWriter, data any) {
	httpx.WriteJSON(w, http.StatusOK, okBody{Status: http.StatusOK, Data: data})
}

var errMethod = failf(http.StatusMethodNotAllowed, "Method tidak diizinkan")

// read serves a lookup: GET as in the seed, POST and HEAD too.
func (h *handler) read(fn func(http.ResponseWriter, *http.Request, *loket.ResellerAuth)) http.HandlerFunc {
	return h.authed("", false, fn)
}

// authed checks the method (empty: GET, HEAD or POST), the API key and, when
// signed, the Signature header, then calls fn.
func (h *handler) authed(method string, signed bool, fn func(http.ResponseWriter, *http.Request, *loket.ResellerAuth)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case method == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodPost):
		case r.Method == method:
		default:
			h.fail(w, errMethod)
			return
		}
		// The path ({code}, {reference}) and the query are text a route reads.
		if err := httpx.CheckURL(r); err != nil {
			h.fail(w, err)
			return
		}
		ra, err := h.svc.Resellers.Authenticate(r.Context(), httpx.APIKey(r), httpx.ClientIP(r))
		if err != nil {
			h.fail(w, err)
			return
		}
		if signed && !h.svc.Resellers.CheckSecret(ra, r.Header.Get("Signature")) {
			h.fail(w, failf(http.StatusBadRequest, "Invalid signature"))
			return
		}
		fn(w, r, ra)
	}
}

// flag reads an optional 1/0 filter: 1 (or true) keeps active items, 0 (or false)
// inactive ones, anything else (or nothing) all.
func flag(q url.Values, name string) *bool {
	switch strings.ToLower(strings.TrimSpace(q.Get(name))) {
	case "1", "true", "yes":
		v := true
		return &v
	case "0", "false", "no":
		v := false
		return &v
	}
	return nil
}

func num(b bool) int {
	if b {
		return 1
	}
	return 0
}

// query returns the request's query merged with a form or JSON body's top-level
// string and number values, so lookups accept their parameters either way.
func query(r *http.Request) url.Values {
	q := r.URL.Query()
	if r.Method != http.MethodPost || r.Body == nil {
		return q
	}
	body, err := readBody(r)
	if err != nil {
		return q
	}
	for k, v := range body {
		if q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	return q
}

// readBody reads a request body of at most httpx.MaxBody bytes as a flat map of
// strings: a JSON object (whatever the Content-Type says; numbers and booleans become
// their text) or a URL-encoded or multipart form. An empty body is an empty map. The
// URL and every name and value are checked as text (input.Check).
func readBody(r *http.Request) (map[string]string, error) {
	out, err := decodeBody(r)
	if err != nil {
		return nil, err
	}
	if err := input.Check(r, out); err != nil {
		return nil, err
	}
	return out, nil
}

func decodeBody(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	if r.Body == nil {
		return out, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(httpx.MaxBody); err != nil {
			return nil, failf(http.StatusBadRequest, "Payload tidak valid")
		}
		for k, v := range r.MultipartForm.Value {
			if len(v) > 0 {
				out[k] = v[0]
			}
		}
		return out, nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, httpx.MaxBody+1))
	if err != nil {
		return nil, failf(http.StatusBadRequest, "Payload tidak valid")
	}
	if len(raw) > httpx.MaxBody {
		return nil, loket.Errorf(loket.ETOOLARGE, "body too large")
	}
	text := strings.TrimSpace(string(raw))
	if text == "" || text == "[]" || text == "null" {
		return out, nil // PHP's json_encode([]) is "[]"
	}
	if strings.HasPrefix(text, "{") || strings.HasPrefix(text, "[") {
		if err := httpx.CheckJSON(raw); err != nil {
			return nil, err
		}
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, failf(http.StatusBadRequest, "Payload JSON tidak valid")
		}
		for k, v := range m {
			switch x := v.(type) {
			case string:
				out[k] = x
			case json.Number:
				out[k] = x.String()
			case bool:
				out[k] = strconv.FormatBool(x)
			case nil:
			default:
				return nil, failf(http.StatusBadRequest, "Kolom %s harus berupa teks", k)
			}
		}
		return out, nil
	}
	vals, err := url.ParseQuery(text)
	if err != nil {
		return nil, failf(http.StatusBadRequest, "Payload tidak valid")
	}
	for k, v := range vals {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out, nil
}

// provider is one entry of the provider list.
type provider struct {
	ID      int64             `json:"id"`
	Code    string            `json:"code"`
	Name    string            `json:"name"`
	Active  int               `json:"active"`
	Icon    string            `json:"icon"`
	Forms   []loket.FormField `json:"forms"`
	IconURL string            `json:"icon_url"`
}

// icon splits a brand's icon into the seed's file name and URL. Loket keeps one
// string: a URL (the file name is its last part) or a bare file name (then there is no
// URL Loket could vouch for, and icon_url is empty).
func icon(s string) (name, u string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		if pu, err := url.Parse(s); err == nil {
			return path.Base(pu.Path), s
		}
	}
	return path.Base(s), ""
}

// forms is what an order of a brand's products takes. Brands without a form of
// their own (pulsa, data, e-wallet, PLN) take one field, "target".
func (h *handler) forms(b *loket.Brand) []loket.FormField {
	if len(b.Forms) > 0 {
		return b.Forms
	}
	label := "Nomor Tujuan"
	for _, c := range h.svc.Catalog.Categories() {
		if c.Code == b.Category {
			switch c.TargetKind {
			case loket.TargetMSISDN:
				label = "Nomor HP"
			case loket.TargetMeter:
				label = "Nomor Meter/ID Pelanggan"
			}
		}
	}
	return []loket.FormField{{Label: label, Key: targetKey, Type: loket.FieldText}}
}

// targetKey is the form key of brands without a form of their own.
const targetKey = "target"

func (h *handler) providers(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	active := flag(query(r), "active")
	out := []provider{}
	for _, b := range h.svc.Catalog.Brands() {
		if active != nil && b.Active != *active {
			continue
		}
		name, u := icon(b.Icon)
		out = append(out, provider{ID: b.ID, Code: b.Code, Name: b.Name, Active: num(b.Active), Icon: name, Forms: h.forms(&b), IconURL: u})
	}
	ok(w, out)
}

func (h *handler) brand(code string) *loket.Brand {
	code = strings.TrimSpace(code)
	for _, b := range h.svc.Catalog.Brands() {
		if strings.EqualFold(b.Code, code) {
			return &b
		}
	}
	return nil
}

// providerRef is a product's provider in the product list.
type providerRef struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	Active int    `json:"active"`
}

type productItem struct {
	ID       int64       `json:"id"`
	Code     string      `json:"code"`
	Name     string      `json:"name"`
	Active   int         `json:"active"`
	Price    loket.Money `json:"price"`
	Provider providerRef `json:"provider"`
}

func (h *handler) products(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	q := query(r)
	code := strings.TrimSpace(q.Get("provider"))
	if code == "" {
		h.fail(w, failf(http.StatusBadRequest, "Provider wajib diisi"))
		return
	}
	b := h.brand(code)
	if b == nil {
		h.fail(w, failf(http.StatusBadRequest, "Provider tidak ditemukan"))
		return
	}
	active := flag(q, "active")
	out := []productItem{}
	products, err := h.svc.Network.Products(r.Context(), ra) // the buyer's own prices (a downline's too)
	if err != nil {
		h.fail(w, err)
		return
	}
	for _, p := range products {
		if p.Brand != b.Code || p.Postpaid() { // bills have no fixed price; this dialect sells none
			continue
		}
		on := p.Active && b.Active
		if active != nil && on != *active {
			continue
		}
		out = append(out, productItem{ID: p.ID, Code: p.Code, Name: p.Name, Active: num(on), Price: p.Price,
			Provider: providerRef{ID: b.ID, Code: b.Code, Name: b.Name, Active: num(b.Active)}})
	}
	ok(w, out)
}

// providerDetail is a product's provider in the product detail.
type providerDetail struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Name    string `json:"name"`
	Icon    string `json:"icon"`
	IconURL string `json:"icon_url"`
}

type productDetail struct {
	ID       int64          `json:"id"`
	Code     string         `json:"code"`
	Name     string         `json:"name"`
	Active   int            `json:"active"`
	Price    loket.Money    `json:"price"`
	Provider providerDetail `json:"provider"`
}

func (h *handler) product(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	p, err := h.svc.Network.Product(r.Context(), ra, r.PathValue("code"))
	if err != nil {
		h.fail(w, err)
		return
	}
	d := productDetail{ID: p.ID, Code: p.Code, Name: p.Name, Active: num(p.Active), Price: p.Price,
		Provider: providerDetail{Code: p.Brand, Name: p.BrandName}}
	if b := h.brand(p.Brand); b != nil {
		name, u := icon(b.Icon)
		d.Active = num(p.Active && b.Active)
		d.Provider = providerDetail{ID: b.ID, Code: b.Code, Name: b.Name, Icon: name, IconURL: u}
	}
	ok(w, d)
}

// orderView is the answer to transaction/create.
type orderView struct {
	Type       string      `json:"type"`
	Reference  string      `json:"reference"`
	Provider   string      `json:"provider"`
	Product    string      `json:"product"`
	Price      loket.Money `json:"price"`
	Status     string      `json:"status"`
	InvoiceURL string      `json:"invoice_url"`
	ExpiredAt  string      `json:"expired_at"`
}

// productKeys are where an order names its product: the seed's key first.
var productKeys = []string{"target_product_code", "product_code", "product"}

func (h *handler) create(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	body, err := readBody(r)
	if err != nil {
		h.fail(w, err)
		return
	}
	code := ""
	for _, k := range productKeys {
		if code = strings.TrimSpace(body[k]); code != "" {
			break
		}
	}
	if code == "" {
		h.fail(w, failf(http.StatusBadRequest, "Kolom target_product_code wajib diisi"))
		return
	}
	p, err := h.svc.Network.Product(r.Context(), ra, code)
	if err != nil {
		h.fail(w, err)
		return
	}
	req := loket.OrderRequest{Product: p.Code, Surface: Surface}
	if len(p.Forms) > 0 {
		// Only the form's keys go on: a client may send more (its own notes, a
		// reference), which the original ignores too.
		req.Fields = map[string]string{}
		for _, f := range p.Forms {
			v := strings.TrimSpace(body[f.Key])
			if v == "" {
				h.fail(w, failf(http.StatusBadRequest, "Kolom %s wajib diisi", f.Key))
				return
			}
			if f.Type == loket.FieldDropdown && !choice(f, v) {
				h.fail(w, failf(http.StatusBadRequest, "Pilihan %s tidak valid", f.Key))
				return
			}
			req.Fields[f.Key] = v
		}
	} else {
		req.Target = strings.TrimSpace(body[targetKey])
		if req.Target == "" {
			h.fail(w, failf(http.StatusBadRequest, "Kolom %s wajib diisi", targetKey))
			return
		}
	}
	// The seed has no client reference, so each request is a new order: the ref_id
	// is random (and, being secret, is what makes the reference unguessable). A used
	// ref_id (vanishingly unlikely) is retried with another rather than answered
	// with someone else's order.
	var o *loket.Order
	for try := 0; ; try++ {
		req.RefID = newRefID()
		var created bool
		o, created, err = h.svc.Orders.CreateOrder(r.Context(), ra, req)
		if err == nil && !created || loket.ErrorCode(err) == loket.ECONFLICT {
			if try < 3 {
				continue
			}
			err = loket.Errorf(loket.EINTERNAL, "no fresh ref_id")
		}
		break
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	ref := Reference(o)
	ok(w, orderView{Type: "order", Reference: ref, Provider: p.BrandName, Product: o.ProductName, Price: o.Price,
		Status: status(o.Status), InvoiceURL: h.invoiceURL(r, ref), ExpiredAt: o.CreatedAt.Add(invoiceTTL).UTC().Format(utcLayout)})
}

func choice(f loket.FormField, v string) bool {
	for _, o := range f.Options {
		if o.Code == v {
			return true
		}
	}
	return false
}

type balanceView struct {
	Username string      `json:"username"`
	Level    string      `json:"level"`
	Balance  loket.Money `json:"balance"`
}

func (h *handler) balance(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	rs, err := h.svc.Resellers.Reseller(r.Context(), ra.ID, "")
	if err != nil {
		h.fail(w, err)
		return
	}
	ok(w, balanceView{Username: rs.Username, Level: rs.Level, Balance: rs.Balance})
}

// status is the seed's word for an order's status. Loket refunds a failed order when
// it fails, so "refund" never shows; nor do "unpaid" and "expired", which belong to
// invoices paid by transfer, which Loket's orders (paid from the balance) are not.
func status(s string) string {
	switch s {
	case loket.StatusSuccess:
		return "success"
	case loket.StatusFailed:
		return "failed"
	}
	return "processing"
}

// statusAt is when an order reached its status.
func statusAt(o *loket.Order) time.Time {
	if o.SettledAt != nil {
		return *o.SettledAt
	}
	return o.UpdatedAt
}

// note is the seed's sentence about an order's status, with the time in WIB.
func note(o *loket.Order) string {
	at := statusAt(o).In(wib).Format("2006/01/02 15:04:05") + " WIB"
	switch o.Status {
	case loket.StatusSuccess:
		return "Transaksi berhasil pada " + at
	case loket.StatusFailed:
		return "Transaksi gagal pada " + at + ", saldo telah dikembalikan"
	}
	return "Transaksi sedang diproses"
}

func sn(o *loket.Order) string {
	if strings.TrimSpace(o.SN) == "" {
		return "N/A"
	}
	return o.SN
}

type transactionView struct {
	Reference   string `json:"reference"`
	Provider    string `json:"provider"`
	Product     string `json:"product"`
	Status      string `json:"status"`
	StatusAt    string `json:"status_at"`
	SN          string `json:"sn"`
	Note        string `json:"note"`
	WebhookSent bool   `json:"webhook_sent"`
	CreatedAt   string `json:"created_at"`
	InvoiceURL  string `json:"invoice_url"`
	ExpiredAt   string `json:"expired_at"`
}

var errNoTransaction = failf(http.StatusBadRequest, "Transaksi tidak ditemukan")

func (h *handler) transaction(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	if _, isDeposit, _ := parseReference(r.PathValue("reference")); isDeposit {
		h.depositTransaction(w, r, ra)
		return
	}
	o, err := h.lookup(r.Context(), r.PathValue("reference"), ra.ID)
	if err != nil {
		h.fail(w, err)
		return
	}
	ref := Reference(o)
	ok(w, transactionView{Reference: ref, Provider: h.brandName(o), Product: o.ProductName, Status: status(o.Status),
		StatusAt: statusAt(o).UTC().Format(utcLayout), SN: sn(o), Note: note(o), WebhookSent: h.webhookSent(r.Context(), o),
		CreatedAt: o.CreatedAt.UTC().Format(utcLayout), InvoiceURL: h.invoiceURL(r, ref),
		ExpiredAt: o.CreatedAt.Add(invoiceTTL).UTC().Format(utcLayout)})
}

// lookup finds the order a reference names, among resellerID's orders (0: anyone's,
// for the public invoice page). A reference that is not one Loket made, or whose
// check digits do not match, is "not found" like an unknown one.
func (h *handler) lookup(ctx context.Context, ref string, resellerID int64) (*loket.Order, error) {
	id, isDeposit, okRef := parseReference(ref)
	if !okRef || isDeposit {
		return nil, errNoTransaction
	}
	o, err := h.svc.Orders.Order(ctx, resellerID, id)
	if loket.ErrorCode(err) == loket.ENOTFOUND {
		return nil, errNoTransaction
	}
	if err != nil {
		return nil, err
	}
	if !sameReference(Reference(o), ref) {
		return nil, errNoTransaction
	}
	return o, nil
}

func (h *handler) brandName(o *loket.Order) string {
	if p, err := h.svc.Catalog.ProductByID(o.ProductID, ""); err == nil && p.BrandName != "" {
		return p.BrandName
	}
	return ""
}

// webhookRecent bounds how far back webhook_sent looks among a reseller's webhooks.
const webhookRecent = 100

// webhookSent reports whether the order's status webhook was delivered. Loket keeps
// no index of webhooks by order, so it looks among the reseller's most recent ones;
// an older order's webhook reads as not sent.
func (h *handler) webhookSent(ctx context.Context, o *loket.Order) bool {
	if o.Status == loket.StatusPending {
		return false
	}
	hooks, err := h.svc.Webhooks.Webhooks(ctx, o.ResellerID, webhookRecent)
	if err != nil {
		return false
	}
	for _, wh := range hooks {
		if wh.OrderID != nil && *wh.OrderID == o.ID && wh.State == "delivered" {
			return true
		}
	}
	return false
}

// invoiceURL is where a transaction's invoice page is: under LOKET_PUBLIC_URL, or the
// scheme and host the client used when that names no host (httpx.BaseURL).
func (h *handler) invoiceURL(r *http.Request, ref string) string {
	return httpx.BaseURL(r, h.publicURL) + prefix + "/trx/" + url.PathEscape(ref)
}
