// Package warungnokos serves seed 000, the WarungNokos virtual-number (OTP) API, as a
// compatibility surface under /compat/warungnokos: a client written for that service
// works against Loket after changing only the scheme and host (and using a Loket
// reseller's API key). It translates words and codes; the profile, balance and the
// virtual-number catalog are the domain's.
//
// Deposits (deposit/*, deposits.go) are Loket's QRIS deposits. Buying numbers
// (otp/order, otp/status, otp/set_status, otp.go) are Loket's virtual-number
// activations.
package warungnokos

import (
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/loket/loket/internal/compat/input"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

const (
	surface = "warungnokos"
	prefix  = "/compat/warungnokos/"

	// minDeposit is the seed's minimum ("Jumlah deposit (Min: 2000)"), the core's for
	// QRIS too; the core enforces it, this names it in messages.
	minDeposit loket.Money = 2000
)

// Mount adds the surface's routes to m.
func Mount(m *httpx.Mux, svc loket.Services) {
	svc.Webhooks.SetSMSNotifier(surface, notifySMS)
	m.Handle(prefix, &handler{svc: svc, log: m.Log()})
}

type handler struct {
	svc loket.Services
	log *slog.Logger
}

// endpoint is one route of the seed: the methods it answers and its handler. args are
// the path segments after the route's fixed ones (serviceId, country, trxId...).
type endpoint struct {
	write bool // POST only; reading endpoints take GET, HEAD and POST
	nargs int  // path arguments it takes at most
	f     func(h *handler, w http.ResponseWriter, r *http.Request, c *call)
}

// call is one authenticated request.
type call struct {
	ra   *loket.ResellerAuth
	p    params
	args []string
}

// arg is the i-th path argument, or else the first of keys present in the input.
func (c *call) arg(i int, keys ...string) string {
	if i < len(c.args) {
		return strings.TrimSpace(c.args[i])
	}
	return c.p.get(keys...)
}

// routes are keyed by the fixed part of the path after /compat/warungnokos/api/, in
// lower case.
var routes = map[string]endpoint{
	"user/profile":   {f: (*handler).profile},
	"otp/services":   {f: (*handler).services},
	"otp/countries":  {nargs: 1, f: (*handler).countries},
	"otp/operators":  {nargs: 2, f: (*handler).operators},
	"otp/order":      {write: true, f: (*handler).order},
	"otp/orders":     {nargs: 1, f: (*handler).orders},
	"otp/status":     {nargs: 1, f: (*handler).orderStatus},
	"otp/set_status": {write: true, f: (*handler).setStatus},
	"deposit/create": {write: true, f: (*handler).depositCreate},
	"deposit/status": {nargs: 1, f: (*handler).depositStatus},
	"deposit/cancel": {write: true, f: (*handler).depositCancel},
	"otp/set-status": {write: true, f: (*handler).setStatus},
}

// Routes lists the surface's endpoints under /compat/warungnokos/api/, with {arg} for
// each path argument one takes: what a client may call, for tests that walk every
// route.
func Routes() []string {
	var out []string
	for name, e := range routes {
		out = append(out, name+strings.Repeat("/{arg}", e.nargs))
	}
	sort.Strings(out)
	return out
}

// ServeHTTP routes on the path after /compat/warungnokos/api/: the two fixed segments
// match in any case, with or without a trailing slash; path arguments keep their case.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, prefix+"api/")
	if !ok {
		h.fail(w, loket.Errorf(loket.ENOTFOUND, "Endpoint tidak ditemukan."))
		return
	}
	var segs []string
	for _, s := range strings.Split(rest, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	if len(segs) < 2 {
		h.fail(w, loket.Errorf(loket.ENOTFOUND, "Endpoint tidak ditemukan."))
		return
	}
	e, found := routes[strings.ToLower(segs[0]+"/"+segs[1])]
	args := segs[2:]
	if !found || len(args) > e.nargs {
		h.fail(w, loket.Errorf(loket.ENOTFOUND, "Endpoint tidak ditemukan."))
		return
	}
	allowed := r.Method == http.MethodPost || (!e.write && (r.Method == http.MethodGet || r.Method == http.MethodHead))
	if !allowed {
		if e.write {
			w.Header().Set("Allow", "POST")
		} else {
			w.Header().Set("Allow", "GET, HEAD, POST")
		}
		h.fail(w, errMethod)
		return
	}
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
	e.f(h, w, r, &call{ra: ra, p: p, args: args})
}

// errMethod is a request with a method the endpoint does not take.
var errMethod = &loket.Error{Code: "method_not_allowed", Message: "Metode HTTP tidak didukung untuk endpoint ini."}

// ok writes the seed's success envelope {"success":true,"data":...}.
func ok(w http.ResponseWriter, data any) {
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"success": true, "data": data})
}

type errorBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

func (h *handler) fail(w http.ResponseWriter, err error) {
	status, msg := errorOf(err)
	if status >= 500 {
		h.log.Error("warungnokos", "err", err)
	}
	httpx.WriteJSON(w, status, errorBody{Success: false, Message: msg})
}

// errorOf maps a domain error to this surface's HTTP status and message: the one place
// this is decided for seed 000. The seed prints no error examples; the shape is
// {"success":false,"message":"..."} with an HTTP status that says what went wrong.
func errorOf(err error) (int, string) {
	detail := loket.ErrorMessage(err)
	if msg, ok := input.TextMessage(err); ok {
		return http.StatusBadRequest, msg
	}
	if msg, ok := numberMessage(err); ok {
		detail = msg
		switch loket.ErrorCode(err) {
		case loket.EOUTOFSTOCK, loket.EUNAVAILABLE:
			return http.StatusBadRequest, detail
		case loket.ECONFLICT:
			return http.StatusConflict, detail
		}
	}
	switch loket.ErrorCode(err) {
	case loket.EUNAUTHORIZED:
		return http.StatusUnauthorized, "API Key tidak valid atau tidak dikirim (header x-api-key)."
	case loket.EFORBIDDEN:
		return http.StatusForbidden, "Akses ditolak: akun dinonaktifkan atau IP tidak diizinkan."
	case loket.EINSUFFICIENT:
		return http.StatusBadRequest, "Saldo tidak mencukupi."
	case loket.EPRODUCT:
		return http.StatusNotFound, "Layanan tidak ditemukan."
	case loket.EOUTOFSTOCK:
		return http.StatusBadRequest, "Stok nomor habis."
	case loket.EPRICE:
		return http.StatusBadRequest, "Harga berubah, muat ulang daftar harga."
	case loket.EUNAVAILABLE, loket.EINACTIVE, loket.ENOTCONFIGURED:
		// Also what the endpoints of later issues (and usdt-trc-20 deposits) answer: a
		// refusal the client should not retry, never a 5xx.
		return http.StatusBadRequest, detail
	case loket.EINVALID, loket.ETARGET, loket.EFIELD:
		return http.StatusBadRequest, detail
	case loket.ENOTFOUND:
		return http.StatusNotFound, detail
	case loket.ECONFLICT, loket.EDUPLICATE, loket.ELIMIT:
		return http.StatusConflict, detail
	case loket.ENOBILL, loket.EBILLPAID, loket.ECUSTOMER, loket.EOVERLIMIT, loket.EEXPIRED, loket.EAMOUNT:
		status, msg, _ := input.BillMessage(err)
		return status, msg
	case loket.ETOOLARGE:
		return http.StatusRequestEntityTooLarge, "Body request terlalu besar."
	case loket.ERATELIMIT:
		return http.StatusTooManyRequests, "Terlalu banyak request, coba lagi nanti."
	case errMethod.Code:
		return http.StatusMethodNotAllowed, detail
	}
	return http.StatusInternalServerError, "Terjadi kesalahan server, coba lagi nanti."
}

// profile: GET user/profile.
func (h *handler) profile(w http.ResponseWriter, r *http.Request, c *call) {
	res, err := h.svc.Resellers.Reseller(r.Context(), c.ra.ID, "")
	if err != nil {
		h.fail(w, err)
		return
	}
	ok(w, map[string]any{"username": res.Username, "email": res.Email, "balance": res.Balance, "referralCode": res.ReferralCode})
}

type serviceView struct {
	Code  int64  `json:"service_code"`
	Name  string `json:"service_name"`
	Image string `json:"service_img"`
}

// services: GET otp/services, the active services.
func (h *handler) services(w http.ResponseWriter, r *http.Request, _ *call) {
	list, err := h.svc.Numbers.Services(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	out := []serviceView{}
	for _, s := range list {
		if s.Active {
			out = append(out, serviceView{Code: s.Code, Name: s.Name, Image: s.Image})
		}
	}
	ok(w, out)
}

type priceView struct {
	ProviderID string      `json:"provider_id"`
	ServerID   int64       `json:"server_id"`
	Stock      int64       `json:"stock"`
	Rate       float64     `json:"rate"`
	Price      loket.Money `json:"price"`
}

type countryView struct {
	NumberID   int64       `json:"number_id"`
	Name       string      `json:"name"`
	Prefix     string      `json:"prefix"`
	StockTotal int64       `json:"stock_total"`
	Pricelist  []priceView `json:"pricelist"`
}

// countries: GET otp/countries/{serviceId}, priced for the caller's level.
func (h *handler) countries(w http.ResponseWriter, r *http.Request, c *call) {
	raw := c.arg(0, "serviceId", "service_id", "service_code", "service")
	if raw == "" {
		h.fail(w, loket.Errorf(loket.EINVALID, "serviceId wajib diisi (contoh: 14 untuk WhatsApp)."))
		return
	}
	svc, err := h.service(r, raw)
	if err != nil {
		h.fail(w, err)
		return
	}
	code := svc.Code
	list, err := h.svc.Numbers.Countries(r.Context(), code)
	if err != nil {
		h.fail(w, err)
		return
	}
	price, err := h.svc.Network.NumberPrices(r.Context(), c.ra) // its own prices (a downline's too)
	if err != nil {
		h.fail(w, err)
		return
	}
	out := make([]countryView, 0, len(list))
	for _, cn := range list {
		v := countryView{NumberID: cn.NumberID, Name: cn.Name, Prefix: cn.Prefix, Pricelist: make([]priceView, 0, len(cn.Prices))}
		for _, p := range cn.Prices {
			v.StockTotal += max(p.Stock, 0)
			v.Pricelist = append(v.Pricelist, priceView{ProviderID: p.ProviderID, ServerID: p.ServerID, Stock: p.Stock,
				Rate: float64(p.RateBP) / 100, Price: price(p.Price)})
		}
		out = append(out, v)
	}
	ok(w, out)
}

// service finds the active service a serviceId names: its code, or (to be liberal) its
// name in any case. A serviceId that is neither is EINVALID; an unknown code ENOTFOUND.
func (h *handler) service(r *http.Request, serviceID string) (*loket.VNService, error) {
	code, isID := parseID(serviceID)
	list, err := h.svc.Numbers.Services(r.Context())
	if err != nil {
		return nil, err
	}
	for _, s := range list {
		if s.Active && ((isID && s.Code == code) || (!isID && strings.EqualFold(s.Name, serviceID))) {
			return &s, nil
		}
	}
	if !isID {
		return nil, loket.Errorf(loket.EINVALID, "serviceId tidak valid: %q bukan ID layanan (contoh: 14 untuk WhatsApp).", serviceID)
	}
	return nil, loket.Errorf(loket.ENOTFOUND, "Layanan dengan serviceId %d tidak ditemukan.", code)
}

type operatorView struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Image string `json:"image"`
}

// operators: GET otp/operators/{country}/{providerId}. A country or provider without
// operators is a 404 in the seed's shape, not an empty list: the list is what an order
// needs its operator_id from, so an empty one is always a mistake in the request.
func (h *handler) operators(w http.ResponseWriter, r *http.Request, c *call) {
	country := c.arg(0, "country", "negara")
	provider := c.arg(1, "providerId", "provider_id", "provider")
	if country == "" || provider == "" {
		h.fail(w, loket.Errorf(loket.EINVALID, "country dan providerId wajib diisi (contoh: /otp/operators/indonesia/3837)."))
		return
	}
	if id, isID := parseID(country); isID {
		// A number_id from the country list stands for its country.
		name, err := h.countryName(r, id, "")
		if err != nil {
			h.fail(w, err)
			return
		}
		if name != "" {
			country = name
		}
	}
	list, err := h.svc.Numbers.Operators(r.Context(), country, provider)
	if err != nil {
		h.fail(w, err)
		return
	}
	if len(list) == 0 {
		h.fail(w, loket.Errorf(loket.ENOTFOUND, "Operator tidak ditemukan untuk negara %q dan provider %q.", country, provider))
		return
	}
	out := make([]operatorView, 0, len(list))
	for _, o := range list {
		out = append(out, operatorView{ID: o.ID, Name: o.Name, Image: o.Image})
	}
	ok(w, out)
}

// checkNumber reports whether an active service prices numbers of country numberID from
// provider, and whether that provider has the operator: ENOTFOUND names what is unknown.
func (h *handler) checkNumber(r *http.Request, numberID, provider, operator string) error {
	id, _ := parseID(numberID)
	country, err := h.countryName(r, id, provider)
	if err != nil {
		return err
	}
	if country == "" {
		return loket.Errorf(loket.ENOTFOUND, "number_id %s dengan provider_id %s tidak ditemukan di daftar negara.", numberID, provider)
	}
	ops, err := h.svc.Numbers.Operators(r.Context(), country, provider)
	if err != nil {
		return err
	}
	for _, o := range ops {
		if strings.EqualFold(o.ID, operator) {
			return nil
		}
	}
	return loket.Errorf(loket.ENOTFOUND, "operator_id %q tidak ditemukan untuk number_id %s dan provider_id %s.", operator, numberID, provider)
}

// countryName is the name of the country with numberID in an active service's country
// list (with a price from provider, unless provider is ""), or "" when there is none.
func (h *handler) countryName(r *http.Request, numberID int64, provider string) (string, error) {
	services, err := h.svc.Numbers.Services(r.Context())
	if err != nil {
		return "", err
	}
	for _, s := range services {
		if !s.Active {
			continue
		}
		list, err := h.svc.Numbers.Countries(r.Context(), s.Code)
		if err != nil {
			return "", err
		}
		for _, cn := range list {
			if cn.NumberID != numberID {
				continue
			}
			for _, p := range cn.Prices {
				if provider == "" || p.ProviderID == provider {
					return cn.Name, nil
				}
			}
		}
	}
	return "", nil
}
