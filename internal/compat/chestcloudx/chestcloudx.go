// Package chestcloudx serves seed 004, the ChestCloudX reseller API, as a compatibility
// surface under /compat/chestcloudx: a client written for that service works against
// Loket after changing only the scheme and host (and using a Loket reseller's API key).
// It translates words and codes; orders, keys and balances are the domain service's.
package chestcloudx

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/compat/input"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/ratelimit"
)

const (
	surface = "chestcloudx"
	prefix  = "/compat/chestcloudx/"

	// RegistrationSetting is the operator's switch of self-registration
	// (loket.SettingSelfRegistration): off unless turned on; it opens or closes
	// self-registration (auth/register) on this surface.
	RegistrationSetting = loket.SettingSelfRegistration

	keyLimit  = 60 // requests per minute per API key (seed: "60 req/menit per API key")
	authLimit = 10 // auth requests per minute per client IP (seed: "5–10/menit")
)

var wib = time.FixedZone("WIB", 7*3600)

// Mount adds the surface's routes to m.
func Mount(m *httpx.Mux, svc loket.Services) {
	h := newHandler(svc, m.Log(), time.Now)
	svc.Webhooks.SetNotifier(surface, notify)
	m.Handle(prefix, h)
}

type handler struct {
	svc    loket.Services
	log    *slog.Logger
	now    func() time.Time
	keyLim *ratelimit.Limiter
	ipLim  *ratelimit.Limiter
}

// newHandler counts its limits in svc.Limits, which the nodes on one PostgreSQL share,
// under keys of its own.
func newHandler(svc loket.Services, log *slog.Logger, now func() time.Time) *handler {
	clock, st := ratelimit.WithClock(now), ratelimit.WithStore(svc.Limits)
	return &handler{svc: svc, log: log, now: now, keyLim: ratelimit.New(keyLimit, time.Minute, clock, st),
		ipLim: ratelimit.New(authLimit, time.Minute, clock, st)}
}

type authedFunc func(w http.ResponseWriter, r *http.Request, p params, ra *loket.ResellerAuth)

// endpoint is one route: a public one (auth/...), one for the reseller of an API key,
// or one of those taking the path segment after its own (payment/status/{id}).
type endpoint struct {
	public func(*handler, http.ResponseWriter, *http.Request, params)
	authed func(*handler, http.ResponseWriter, *http.Request, params, *loket.ResellerAuth)
	byID   func(*handler, string) authedFunc
}

// routes are the endpoints after /compat/chestcloudx/api/, in lower case.
var routes = map[string]endpoint{
	"auth/register":       {public: (*handler).register},
	"auth/login":          {public: (*handler).login},
	"user/me":             {authed: (*handler).me},
	"user/regenerate-key": {authed: (*handler).regenerateKey},
	"services":            {authed: (*handler).services},
	"order/create":        {authed: (*handler).createOrder},
	"order/status":        {authed: (*handler).orderStatus},
	"payment/deposit":     {authed: (*handler).createDeposit},
	"payment/status":      {byID: (*handler).depositStatus},
	"payment/cancel":      {byID: (*handler).cancelDeposit},
	"payment/history":     {authed: (*handler).depositHistory},
}

// Routes lists the surface's endpoints under /compat/chestcloudx/api/, with {id} for
// a path argument: what a client may call, for tests that walk every route.
func Routes() []string {
	var out []string
	for name, e := range routes {
		if e.byID != nil {
			name += "/{id}"
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// ServeHTTP routes on the path after /compat/chestcloudx/api/, with any method, any
// case and with or without a trailing slash.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, prefix+"api/")
	if !ok {
		h.fail(w, loket.Errorf(loket.ENOTFOUND, "endpoint tidak ditemukan"))
		return
	}
	route := strings.ToLower(strings.Trim(rest, "/"))
	if e, found := routes[route]; found {
		h.serve(w, r, e, "")
		return
	}
	if i := strings.LastIndex(route, "/"); i > 0 {
		if e, found := routes[route[:i]]; found && e.byID != nil {
			h.serve(w, r, e, route[i+1:])
			return
		}
	}
	h.fail(w, loket.Errorf(loket.ENOTFOUND, "endpoint tidak ditemukan"))
}

// serve runs an endpoint; id is its path argument.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, e endpoint, id string) {
	switch {
	case e.public != nil:
		h.public(w, r, func(w http.ResponseWriter, r *http.Request, p params) { e.public(h, w, r, p) })
	case e.authed != nil:
		h.authed(w, r, func(w http.ResponseWriter, r *http.Request, p params, ra *loket.ResellerAuth) {
			e.authed(h, w, r, p, ra)
		})
	default:
		h.authed(w, r, e.byID(h, id))
	}
}

// public runs an auth endpoint under the per-IP limit. Input that is not readable (bad
// text included) is refused first, without counting: it never reaches an account.
func (h *handler) public(w http.ResponseWriter, r *http.Request, f func(http.ResponseWriter, *http.Request, params)) {
	p, err := readParams(w, r)
	if err != nil {
		h.fail(w, err)
		return
	}
	if err := h.ipLim.Allow(r.Context(), surface+":auth:"+httpx.ClientIP(r)); err != nil {
		h.fail(w, err)
		return
	}
	f(w, r, p)
}

// authed checks the API key, then the per-key limit.
func (h *handler) authed(w http.ResponseWriter, r *http.Request, f authedFunc) {
	p, err := readParams(w, r)
	if err != nil {
		h.fail(w, err)
		return
	}
	ra, err := h.svc.Resellers.Authenticate(r.Context(), apiKey(r, p), httpx.ClientIP(r))
	if err != nil {
		h.fail(w, err)
		return
	}
	// Counted per reseller: one reseller has one key, and a regenerated key does not
	// start a fresh allowance.
	if err := h.keyLim.Allow(r.Context(), surface+":key:"+strconv.FormatInt(ra.ID, 10)); err != nil {
		h.fail(w, err)
		return
	}
	f(w, r, p, ra)
}

// ok writes the seed's success envelope.
func ok(w http.ResponseWriter, data any) {
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": true, "data": data})
}

type errorBody struct {
	Status  bool   `json:"status"`
	Message string `json:"message"`
}

func (h *handler) fail(w http.ResponseWriter, err error) {
	status, msg := errorOf(err)
	if status >= 500 {
		h.log.Error("chestcloudx", "err", err)
	}
	if at := loket.ErrorRetryAt(err); status == http.StatusTooManyRequests && !at.IsZero() {
		httpx.RetryAfter(w, at.Sub(h.now()))
	}
	httpx.WriteJSON(w, status, errorBody{Status: false, Message: msg})
}

const tooManyMessage = "Terlalu banyak request, coba lagi nanti."

// errorOf maps a domain error to this surface's HTTP status and message: the one place
// this is decided for seed 004.
func errorOf(err error) (int, string) {
	detail := loket.ErrorMessage(err)
	if msg, ok := input.TextMessage(err); ok {
		return http.StatusBadRequest, msg
	}
	if _, isDeposit := err.(depositError); isDeposit {
		switch loket.ErrorCode(err) {
		case loket.ENOTCONFIGURED:
			return http.StatusBadRequest, "Deposit QRIS belum diaktifkan oleh admin. Hubungi admin untuk menambah saldo."
		case loket.EUNAVAILABLE:
			return http.StatusBadRequest, "Terlalu banyak deposit terbuka dengan nominal ini, coba nominal yang sedikit berbeda."
		case loket.ECONFLICT:
			return http.StatusConflict, "Deposit sudah tidak menunggu pembayaran."
		case loket.ELIMIT:
			return http.StatusConflict, "Masih ada deposit yang belum dibayar (maksimal " + strconv.Itoa(maxOpenDeposits) +
				"). Bayar, batalkan (payment/cancel/{orderId}) atau tunggu kedaluwarsa dulu."
		case loket.ENOTFOUND:
			return http.StatusNotFound, "Deposit tidak ditemukan."
		case loket.EINVALID:
			if loket.ErrorField(err) == "amount" {
				return http.StatusBadRequest, "Nominal deposit tidak valid (" + detail + ")."
			}
		}
	}
	switch loket.ErrorCode(err) {
	case loket.EUNAUTHORIZED:
		return http.StatusUnauthorized, "API key tidak valid atau tidak dikirim."
	case loket.EFORBIDDEN:
		switch loket.ErrorReason(err) {
		case loket.ReasonSuspended:
			return http.StatusForbidden, "Akses ditolak: akun dinonaktifkan. Hubungi admin."
		case loket.ReasonIPNotAllowed:
			return http.StatusForbidden, "Akses ditolak: IP kamu tidak ada di daftar IP yang diizinkan untuk akun ini."
		}
		return http.StatusForbidden, "Akses ditolak: " + detail
	case loket.EINSUFFICIENT:
		return http.StatusBadRequest, "Saldo tidak mencukupi."
	case loket.EDUPLICATE:
		return http.StatusConflict, "Pesanan dengan layanan dan target yang sama masih diproses."
	case loket.EPRODUCT:
		return http.StatusBadRequest, "Layanan tidak ditemukan."
	case loket.EINACTIVE, loket.EUNAVAILABLE:
		return http.StatusBadRequest, "Layanan sedang gangguan."
	case loket.EOUTOFSTOCK:
		return http.StatusBadRequest, "Stok layanan habis."
	case loket.ETARGET, loket.EFIELD:
		return http.StatusBadRequest, "Target tidak valid: " + detail
	case loket.EPRICE:
		return http.StatusBadRequest, "Harga layanan berubah."
	case loket.ENOBILL, loket.EBILLPAID, loket.ECUSTOMER, loket.EOVERLIMIT, loket.EEXPIRED, loket.EAMOUNT:
		status, msg, _ := input.BillMessage(err)
		return status, msg
	case loket.ECONFLICT:
		return http.StatusConflict, detail
	case loket.ENOTFOUND:
		return http.StatusNotFound, detail
	case loket.EINVALID:
		return http.StatusBadRequest, detail
	case loket.ETOOLARGE:
		return http.StatusRequestEntityTooLarge, detail
	case loket.ERATELIMIT:
		if loket.ErrorReason(err) == loket.ReasonSignInLocked {
			return http.StatusTooManyRequests, "Terlalu banyak percobaan login yang gagal. Coba lagi nanti."
		}
		return http.StatusTooManyRequests, tooManyMessage
	case loket.ENOTCONFIGURED:
		// Only dropship orders need a setup the operator may not have made (QRIS).
		return http.StatusBadRequest, "Mode dropship belum tersedia: pembayaran QRIS belum diaktifkan oleh admin. Kirim tanpa selling_price untuk mode saldo."
	}
	return http.StatusInternalServerError, "Terjadi kesalahan server, coba lagi nanti."
}

// register: POST auth/register {username, name, email, password}.
func (h *handler) register(w http.ResponseWriter, r *http.Request, p params) {
	ctx := r.Context()
	open, err := loket.SelfRegistration(ctx, h.svc.Settings)
	if err != nil {
		h.fail(w, err)
		return
	}
	if !open {
		httpx.WriteJSON(w, http.StatusForbidden, errorBody{Message: "Pendaftaran reseller sedang ditutup. Hubungi admin."})
		return
	}
	username := p.get("username", "user_id")
	password := p.get("password")
	email := p.get("email")
	name := p.get("name")
	switch {
	case username == "":
		h.fail(w, loket.Errorf(loket.EINVALID, "username wajib diisi."))
		return
	case len(password) < 6 || len(password) > 200:
		h.fail(w, loket.Errorf(loket.EINVALID, "password wajib diisi, 6-200 karakter."))
		return
	case email != "" && !strings.Contains(email, "@"):
		h.fail(w, loket.Errorf(loket.EINVALID, "email tidak valid."))
		return
	}
	if name == "" {
		name = username
	}
	in := loket.NewResellerInput{Username: username, Name: name, Email: email, Level: "reseller"}
	if code := p.get("referral_code", "referralCode", "referral", "kode_referral"); code != "" {
		// A referral code makes the new reseller a downline of the code's owner.
		up, err := h.svc.Network.Recruiter(ctx, code)
		if err != nil {
			if loket.ErrorCode(err) == loket.ENOTFOUND {
				err = loket.Errorf(loket.EINVALID, "Kode referral tidak dikenal.")
			} else if loket.ErrorCode(err) == loket.ELIMIT {
				err = loket.Errorf(loket.EINVALID, "Kode referral ini tidak bisa menerima downline lagi.")
			}
			h.fail(w, err)
			return
		}
		in.Upline, in.Level = up.ID, up.Level
	}
	res, creds, err := h.svc.Resellers.CreateReseller(ctx, in)
	if err != nil {
		if loket.ErrorCode(err) == loket.ECONFLICT {
			err = loket.Errorf(loket.ECONFLICT, "Username sudah dipakai.")
		} else if loket.ErrorField(err) == "username" {
			err = loket.Errorf(loket.EINVALID, "username harus 3-32 karakter: a-z, 0-9, _ . -")
		}
		h.fail(w, err)
		return
	}
	if err := h.svc.Resellers.SetPassword(ctx, res.ID, password); err != nil {
		h.fail(w, err)
		return
	}
	h.log.Info("chestcloudx: reseller registered", "username", res.Username, "ip", httpx.ClientIP(r))
	ok(w, map[string]any{"user_id": res.Username, "api_key": creds.APIKey})
}

// login: POST auth/login {user_id, password}: "Login dapatkan API key", the reseller's
// current key, which keeps working (user/regenerate-key is what replaces it). The
// sign-in limits and the reseller's IP allowlist are the resellers service's.
func (h *handler) login(w http.ResponseWriter, r *http.Request, p params) {
	user := p.get("user_id", "username")
	password := p.get("password")
	if user == "" || password == "" {
		h.fail(w, loket.Errorf(loket.EINVALID, "user_id dan password wajib diisi."))
		return
	}
	res, key, err := h.svc.Resellers.LoginAPIKey(r.Context(), user, password, httpx.ClientIP(r))
	if err != nil {
		if loket.ErrorCode(err) == loket.EUNAUTHORIZED {
			httpx.WriteJSON(w, http.StatusUnauthorized, errorBody{Message: "user_id atau password salah."})
			return
		}
		h.fail(w, err)
		return
	}
	ok(w, map[string]any{"api_key": key, "balance": res.Balance})
}

// me: user/me.
func (h *handler) me(w http.ResponseWriter, r *http.Request, _ params, ra *loket.ResellerAuth) {
	res, err := h.svc.Resellers.Reseller(r.Context(), ra.ID, "")
	if err != nil {
		h.fail(w, err)
		return
	}
	ok(w, map[string]any{"user_id": res.Username, "balance": res.Balance, "role": "reseller"})
}

// regenerateKey: user/regenerate-key. It replaces only the reseller's API key: the
// secret key (seed 001's secret, seed 002's token, webhook signatures) stays, so other
// integrations keep working.
func (h *handler) regenerateKey(w http.ResponseWriter, r *http.Request, _ params, ra *loket.ResellerAuth) {
	key, err := h.svc.Resellers.RegenerateAPIKey(r.Context(), ra.ID)
	if err != nil {
		h.fail(w, err)
		return
	}
	ok(w, map[string]any{"api_key": key})
}

// service is one entry of services.
type service struct {
	SID      string `json:"sid"`
	Kategori string `json:"kategori"`
	Layanan  string `json:"layanan"`
	Harga    string `json:"harga"`
	Status   string `json:"status"`

	price loket.Money
	id    int64
}

// services: services[?tipe=Games], grouped by category name, priced for the caller.
func (h *handler) services(w http.ResponseWriter, r *http.Request, p params, ra *loket.ResellerAuth) {
	tipe := p.get("tipe", "type")
	catName := map[string]string{}
	for _, c := range h.svc.Catalog.Categories() {
		catName[c.Code] = c.Name
	}
	brandActive := map[string]bool{}
	for _, b := range h.svc.Catalog.Brands() {
		brandActive[b.Code] = b.Active
	}
	out := map[string][]service{}
	products, err := h.svc.Network.Products(r.Context(), ra) // the caller's own prices (a downline's too)
	if err != nil {
		h.fail(w, err)
		return
	}
	for _, pr := range products {
		if pr.Postpaid() {
			continue // bills have no fixed price; this dialect sells none
		}
		group := catName[pr.Category]
		if group == "" {
			group = pr.Category
		}
		if tipe != "" && !strings.EqualFold(tipe, group) && !strings.EqualFold(tipe, pr.Category) {
			continue
		}
		status := "Normal"
		if !pr.Active || !brandActive[pr.Brand] || pr.Price <= 0 || (pr.Stock != nil && *pr.Stock <= 0) {
			status = "Gangguan"
		}
		kategori := pr.BrandName
		if kategori == "" {
			kategori = pr.Brand
		}
		out[group] = append(out[group], service{SID: strconv.FormatInt(pr.ID, 10), Kategori: kategori, Layanan: pr.Name,
			Harga: pr.Price.String(), Status: status, price: pr.Price, id: pr.ID})
	}
	for _, l := range out {
		sort.Slice(l, func(i, j int) bool {
			if l[i].Kategori != l[j].Kategori {
				return l[i].Kategori < l[j].Kategori
			}
			if l[i].price != l[j].price {
				return l[i].price < l[j].price
			}
			return l[i].id < l[j].id
		})
	}
	ok(w, out)
}

// createOrder: order/create in saldo mode {layanan, target, nometer}.
func (h *handler) createOrder(w http.ResponseWriter, r *http.Request, p params, ra *loket.ResellerAuth) {
	layanan := p.get("layanan", "sid", "service")
	target := p.get("target", "tujuan")
	if layanan == "" {
		h.fail(w, loket.Errorf(loket.EINVALID, "layanan wajib diisi."))
		return
	}
	if target == "" {
		h.fail(w, loket.Errorf(loket.EINVALID, "target wajib diisi."))
		return
	}
	var prod *loket.Product
	var err error
	if id, isID := parseID(layanan); isID {
		prod, err = h.svc.Catalog.ProductByID(id, ra.Level)
	} else {
		prod, err = h.svc.Catalog.Product(layanan, ra.Level)
	}
	if err != nil {
		h.fail(w, err)
		return
	}
	// A brand whose form has more than one field (game ID and server or zone) takes
	// the first as target and the others by their keys; nometer stands in for the
	// second one. A single-field brand ignores nometer, as the seed calls it optional.
	var fields map[string]string
	for i, f := range prod.Forms {
		if i == 0 {
			continue
		}
		v := p.get(f.Key)
		if v == "" && i == 1 {
			v = p.get("nometer", "zone", "server")
		}
		if v != "" {
			if fields == nil {
				fields = map[string]string{}
			}
			fields[f.Key] = v
		}
	}
	invoice := "INV-" + time.Now().In(wib).Format("20060102") + "-" + auth.RandomCode(10)
	if p.has("selling_price") {
		h.createDropship(w, r, p, ra, loket.OrderRequest{Product: prod.Code, Target: target, RefID: invoice, Fields: fields, Surface: surface}, prod.Price)
		return
	}
	o, _, err := h.svc.Orders.CreateOrder(r.Context(), ra, loket.OrderRequest{Product: prod.Code, Target: target, RefID: invoice,
		Fields: fields, Surface: surface})
	if err != nil {
		h.fail(w, err)
		return
	}
	ok(w, map[string]any{"id": strconv.FormatInt(o.ID, 10), "invoice": o.RefID,
		"pesan": "Pesanan berhasil dibuat dan sedang diproses."})
}

// orderStatus: order/status?id=55 (an invoice INV-... is accepted too).
func (h *handler) orderStatus(w http.ResponseWriter, r *http.Request, p params, ra *loket.ResellerAuth) {
	ref := p.get("id", "order_id", "invoice")
	if ref == "" {
		h.fail(w, loket.Errorf(loket.EINVALID, "id pesanan wajib diisi."))
		return
	}
	var o *loket.Order
	var err error
	if id, isID := parseID(ref); isID {
		o, err = h.svc.Orders.Order(r.Context(), ra.ID, id)
	} else {
		o, err = h.svc.Orders.OrderByRef(r.Context(), ra.ID, ref)
	}
	if err != nil {
		if loket.ErrorCode(err) == loket.ENOTFOUND {
			err = loket.Errorf(loket.ENOTFOUND, "Pesanan tidak ditemukan.")
		}
		h.fail(w, err)
		return
	}
	v := statusView(o)
	if o.Mode == loket.ModeDropship {
		d, err := h.svc.Dropship.Dropship(r.Context(), o.ID)
		if err != nil {
			h.fail(w, err)
			return
		}
		dropshipStatus(v, o, d)
	}
	ok(w, v)
}

// statusView is an order as order/status shows it.
func statusView(o *loket.Order) map[string]any {
	status, note := "Pending", "Pesanan sedang diproses."
	switch o.Status {
	case loket.StatusSuccess:
		status, note = "Success", "SN: "+o.SN
		if o.SN == "" {
			note = "Pesanan sukses."
		}
	case loket.StatusFailed:
		status, note = "Error", "Pesanan gagal, saldo sudah dikembalikan."
	}
	return map[string]any{"id": strconv.FormatInt(o.ID, 10), "status": status, "catatan": note}
}

// dropshipStatus adds a dropship order's payment to its status view: the seed's
// payment_status (pending, settlement, expired), and words that fit a customer's
// payment rather than the reseller's balance.
func dropshipStatus(v map[string]any, o *loket.Order, d *loket.Dropship) {
	v["mode"] = "dropship"
	v["payment_status"] = d.PaymentStatus
	switch {
	case d.PaymentStatus == loket.PaymentPending:
		v["catatan"] = "Menunggu pembayaran QRIS dari customer."
	case d.PaymentStatus == loket.PaymentExpired:
		v["catatan"] = "Customer tidak membayar dalam batas waktu; transaksi dibatalkan tanpa biaya."
	case o.Status == loket.StatusFailed:
		v["catatan"] = "Pesanan gagal; pembayaran customer akan dikembalikan oleh admin."
		if d.RefundStatus == loket.RefundRefunded {
			v["catatan"] = "Pesanan gagal; pembayaran customer sudah dikembalikan."
		}
	case o.Status == loket.StatusSuccess:
		v["reseller_profit"] = d.Profit
	}
}

// createDropship: order/create with selling_price (Mode B, "tanpa modal"): the
// customer pays the QRIS; the profit goes to the profit balance when the order succeeds.
func (h *handler) createDropship(w http.ResponseWriter, r *http.Request, p params, ra *loket.ResellerAuth, req loket.OrderRequest, price loket.Money) {
	// A whole number of rupiah, as payment/deposit reads amount: "12000.50" or
	// "12.000" is refused rather than guessed at. Present, it makes a dropship order
	// whatever its value: 0 or less is refused, never read as saldo mode.
	raw := p.get("selling_price")
	selling, isNum := parseID(raw)
	if !isNum {
		msg := "selling_price harus berupa angka rupiah (contoh 12000)."
		if n, err := strconv.ParseFloat(raw, 64); err == nil && n <= 0 {
			msg = fmt.Sprintf("selling_price harus lebih dari 0: harga jual ke customer kamu, minimal harga reseller (%d). Kirim tanpa selling_price untuk mode saldo.", price)
		}
		h.fail(w, loket.FieldError(loket.EINVALID, "selling_price", "%s", msg))
		return
	}
	o, d, _, err := h.svc.Dropship.CreateDropshipOrder(r.Context(), ra, req, loket.DropshipRequest{SellingPrice: loket.Money(selling),
		CustomerName: p.get("customer_name"), CustomerPhone: p.get("customer_phone")})
	if err != nil {
		if loket.ErrorCode(err) == loket.EPRICE {
			err = loket.Errorf(loket.EINVALID, "selling_price harus ≥ harga reseller (%d). Cek harga reseller di endpoint services.", price)
		}
		h.fail(w, err)
		return
	}
	ok(w, map[string]any{"id": strconv.FormatInt(o.ID, 10), "invoice": o.RefID, "mode": "dropship",
		"selling_price": d.SellingPrice, "reseller_cost": o.Price, "reseller_profit": d.SellingPrice - o.Price,
		"payment": map[string]any{"qr_url": h.svc.Dropship.QRURL(d), "qr_string": d.QRString, "amount": d.Total,
			"expired_at": d.ExpiresAt.In(wib).Format(expiryLayout), "status_url": h.svc.Dropship.StatusURL(d),
			"invoice_url": h.svc.Dropship.InvoiceURL(d), "payment_status": d.PaymentStatus}})
}

// notify renders the report of a final order placed through this surface. The seed has
// no webhooks; this is order/status's answer with the invoice added.
func notify(o *loket.Order, _ loket.Money) (string, string, []byte, error) {
	v := statusView(o)
	if o.Mode == loket.ModeDropship {
		// The balance was never charged: the words are about the customer's payment.
		v["mode"] = "dropship"
		if o.Status == loket.StatusFailed {
			v["catatan"] = "Pesanan gagal; pembayaran customer akan dikembalikan oleh admin."
			if o.Message == "payment expired" {
				v["catatan"] = "Customer tidak membayar dalam batas waktu; transaksi dibatalkan tanpa biaya."
			}
		}
	}
	v["invoice"] = o.RefID
	b, err := json.Marshal(map[string]any{"status": true, "data": v})
	return "order.updated", "application/json", b, err
}
