package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// Order is the native JSON shape of an order.
type Order struct {
	ID          int64             `json:"id"`
	RefID       string            `json:"ref_id"`
	Product     string            `json:"product"`
	ProductName string            `json:"product_name"`
	Target      string            `json:"target"`
	Fields      map[string]string `json:"fields,omitempty"`
	Price       loket.Money       `json:"price"`
	Status      string            `json:"status" enum:"pending,success,failed"`
	SN          string            `json:"sn"`
	Message     string            `json:"message"`
	Surface     string            `json:"surface"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	SettledAt   *time.Time        `json:"settled_at,omitempty"`
	Mode        string            `json:"mode" enum:"saldo,dropship" doc:"saldo: paid from your balance; dropship: your customer pays by QRIS"`
	Dropship    *DropshipInfo     `json:"dropship,omitempty" doc:"for dropship orders: the customer's payment and your margin"`
	Bill        *Bill             `json:"bill,omitempty" doc:"for a bill's payment: the bill paid (target is its customer number)"`
}

// OrderView renders an order for resellers. It carries nothing that names a supplier.
func OrderView(o *loket.Order) Order {
	mode := o.Mode
	if mode == "" {
		mode = loket.ModeSaldo
	}
	v := Order{ID: o.ID, RefID: o.RefID, Product: o.ProductCode, ProductName: o.ProductName, Target: o.Target, Fields: o.Fields,
		Price: o.Price, Status: o.Status, SN: o.SN, Message: o.Message, Surface: o.Surface, CreatedAt: o.CreatedAt,
		UpdatedAt: o.UpdatedAt, SettledAt: o.SettledAt, Mode: mode}
	if o.Inquiry != nil {
		v.Bill = BillView(o.Inquiry)
	}
	return v
}

// PriceWebhook is the body of a native price webhook: your prices that changed.
type PriceWebhook struct {
	Event    string              `json:"event"`
	Products []loket.PriceUpdate `json:"products"`
}

// WebhookPayload is the body of a native order webhook.
type WebhookPayload struct {
	Event string `json:"event"`
	Order Order  `json:"order"`
}

// OrderRequest is the body of POST /v1/orders.
type OrderRequest struct {
	Product  string            `json:"product" doc:"product code, e.g. HSA5"`
	Target   string            `json:"target" doc:"destination number, meter or game account id"`
	RefID    string            `json:"ref_id" doc:"your id for this order; the same ref_id again returns the same order and charges nothing"`
	Fields   map[string]string `json:"fields,omitempty" doc:"further form fields of the brand (server, zone...)"`
	MaxPrice loket.Money       `json:"max_price,omitempty" doc:"refuse the order if its price is above this"`
	// Dropship mode: set selling_price and your customer pays it by QRIS instead of your
	// balance paying your price; the difference goes to your profit balance. Absent (or
	// null) is an ordinary order; present, it must be a positive amount: 0 is refused,
	// never read as absent.
	SellingPrice  *loket.Money `json:"selling_price,omitempty" doc:"dropship: what your customer pays (at least your price); the answer carries the QRIS payment. Leave it out (or null) for an ordinary order; 0 or less is refused"`
	CustomerName  string       `json:"customer_name,omitempty" doc:"dropship: your customer's name, shown on the invoice"`
	CustomerPhone string       `json:"customer_phone,omitempty" doc:"dropship: your customer's phone number"`
}

// Me is the caller's account.
type Me struct {
	Username      string      `json:"username"`
	Name          string      `json:"name"`
	Email         string      `json:"email"`
	Level         string      `json:"level"`
	Status        string      `json:"status"`
	Balance       loket.Money `json:"balance"`
	ProfitBalance loket.Money `json:"profit_balance"`
	WebhookURL    string      `json:"webhook_url"`
	IPAllow       []string    `json:"ip_allow"`
	ReferralCode  string      `json:"referral_code"`
	CreatedAt     time.Time   `json:"created_at"`
}

// Product is a product with the caller's price.
type Product struct {
	Code        string            `json:"code"`
	Name        string            `json:"name"`
	Category    string            `json:"category"`
	Brand       string            `json:"brand"`
	BrandName   string            `json:"brand_name"`
	Price       loket.Money       `json:"price"`
	Active      bool              `json:"active"`
	Stock       *int64            `json:"stock" doc:"null when unlimited"`
	Description string            `json:"description,omitempty"`
	TargetKind  string            `json:"target_kind" enum:"msisdn,meter,game,any"`
	Forms       []loket.FormField `json:"forms,omitempty"`
	Kind        string            `json:"kind" enum:"prepaid,postpaid" doc:"postpaid: a bill, checked with POST /v1/bills/inquiry and paid with POST /v1/bills/pay; its price is per bill (0 here)"`
	// CustomerCheck says the target can be looked up before buying.
	CustomerCheck string      `json:"customer_check,omitempty" enum:"pln" doc:"pln: GET /v1/pln/check looks the meter up (name, tariff, power)"`
	AdminFee      loket.Money `json:"admin_fee,omitempty" doc:"postpaid: the admin fee per bill period"`
	Commission    loket.Money `json:"commission,omitempty" doc:"postpaid: your commission per bill period"`
	CutOff        string      `json:"cut_off,omitempty" doc:"the daily window in WIB (HH:MM-HH:MM, may cross midnight) in which the product is not sold; orders then get inactive with retry_at"`
}

// ProductList is GET /v1/products.
type ProductList struct {
	Products []Product `json:"products"`
}

// OrderList is GET /v1/orders.
type OrderList struct {
	Orders     []Order `json:"orders"`
	NextCursor string  `json:"next_cursor" doc:"pass as cursor for the next page; empty at the end"`
}

// LedgerList is GET /v1/ledger.
type LedgerList struct {
	Entries    []loket.LedgerLine `json:"entries"`
	NextCursor string             `json:"next_cursor"`
}

// WebhookSettings is GET and PUT /v1/webhook.
type WebhookSettings struct {
	URL string `json:"url" doc:"where order status changes are POSTed; empty turns webhooks off"`
}

// WebhookLog is GET /v1/webhooks.
type WebhookLog struct {
	Webhooks []*loket.Webhook `json:"webhooks"`
}

// Health is GET /healthz.
type Health struct {
	Status string `json:"status"`
}

func (s *Server) register() {
	s.add(Route{Pattern: "GET /healthz", Summary: "Health: 200 when the database answers", Response: Health{}}, s.health)
	s.callbacks()
	s.add(Route{Pattern: "GET /v1/me", Summary: "Your account and balances", Auth: true, Response: Me{}}, s.authed(s.me))
	s.add(Route{Pattern: "POST /v1/keys", Summary: "Replace your API key and secret key (the old ones stop working)", Auth: true,
		Response: loket.Credentials{}}, s.authed(s.regenerate))
	s.add(Route{Pattern: "GET /v1/products", Summary: "The catalog with your prices", Auth: true, Response: ProductList{},
		Query: []Param{{"category", "only this category code"}, {"brand", "only this brand code"}}}, s.authed(s.products))
	s.add(Route{Pattern: "GET /v1/products/{code}", Summary: "One product with your price", Auth: true, Response: Product{},
		Errors: []string{loket.EPRODUCT}}, s.authed(s.product))
	s.add(Route{Pattern: "POST /v1/orders", Summary: "Place an order (201 when created, 200 when the ref_id was seen before)", Auth: true,
		Request: OrderRequest{}, Response: Order{}, Status: http.StatusCreated,
		AlsoOK: map[int]string{http.StatusOK: "the ref_id was used before with the same request: that order, nothing charged"},
		Errors: []string{loket.EINVALID, loket.EPRODUCT, loket.EINACTIVE, loket.ETARGET, loket.EFIELD, loket.EPRICE, loket.EINSUFFICIENT,
			loket.EDUPLICATE, loket.ECONFLICT, loket.EOUTOFSTOCK, loket.EUNAVAILABLE, loket.ETOOLARGE, loket.ENOTCONFIGURED}}, s.authed(s.createOrder))
	s.add(Route{Pattern: "GET /v1/orders/{id}", Summary: "One of your orders", Auth: true, Response: Order{}, Errors: []string{loket.ENOTFOUND}},
		s.authed(s.getOrder))
	s.add(Route{Pattern: "GET /v1/orders", Summary: "Your orders, newest first", Auth: true, Response: OrderList{},
		Query: []Param{{"status", "pending, success or failed"}, {"ref_id", "only the order with this ref_id"},
			{"from", "created at or after (RFC 3339 or YYYY-MM-DD, WIB)"}, {"to", "created before (RFC 3339 or YYYY-MM-DD, WIB)"},
			{"limit", "1-200, default 50"}, {"cursor", "next_cursor of the previous page"}}}, s.authed(s.listOrders))
	s.add(Route{Pattern: "GET /v1/ledger", Summary: "Your balance movements (mutasi), newest first, with the balance after each", Auth: true,
		Response: LedgerList{}, Query: []Param{{"limit", "1-200, default 50"}, {"cursor", "next_cursor of the previous page"}}}, s.authed(s.ledger))
	s.registerDeposits()
	s.registerWithdrawals()
	s.registerDropship()
	s.registerNumbers()
	s.registerBills()
	s.registerNetwork()
	s.add(Route{Pattern: "GET /v1/webhook", Summary: "Your webhook URL", Auth: true, Response: WebhookSettings{}}, s.authed(s.getWebhook))
	s.add(Route{Pattern: "PUT /v1/webhook", Summary: "Set your webhook URL; deliveries are signed X-Loket-Signature: sha256=HMAC-SHA256(body, secret key)",
		Auth: true, Request: WebhookSettings{}, Response: WebhookSettings{}, Errors: []string{loket.EINVALID}}, s.authed(s.putWebhook))
	s.add(Route{Pattern: "GET /v1/webhooks", Summary: "Your recent webhook deliveries, with every attempt", Auth: true, Response: WebhookLog{}},
		s.authed(s.webhookLog))
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if err := s.ping(r.Context()); err != nil {
		httpx.WriteJSON(w, http.StatusServiceUnavailable, Health{Status: "database unreachable"})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Health{Status: "ok"})
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	re, err := s.svc.Resellers.Reseller(r.Context(), ra.ID, "")
	if err != nil {
		WriteError(w, err)
		return
	}
	ips := re.IPAllow
	if ips == nil {
		ips = []string{}
	}
	httpx.WriteJSON(w, http.StatusOK, Me{Username: re.Username, Name: re.Name, Email: re.Email, Level: re.Level, Status: re.Status,
		Balance: re.Balance, ProfitBalance: re.ProfitBalance, WebhookURL: re.WebhookURL, IPAllow: ips, ReferralCode: re.ReferralCode,
		CreatedAt: re.CreatedAt})
}

func (s *Server) regenerate(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	c, err := s.svc.Resellers.RegenerateKeys(r.Context(), ra.ID)
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}

func productView(p loket.Product) Product {
	return Product{Code: p.Code, Name: p.Name, Category: p.Category, Brand: p.Brand, BrandName: p.BrandName, Price: p.Price,
		Active: p.Active, Stock: p.Stock, Description: p.Description, TargetKind: p.TargetKind, Forms: p.Forms, Kind: p.Kind,
		CustomerCheck: p.CustomerCheck, AdminFee: p.AdminFee, Commission: p.Commission, CutOff: p.CutOff}
}

func (s *Server) products(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	cat, brand := r.URL.Query().Get("category"), r.URL.Query().Get("brand")
	out := ProductList{Products: []Product{}}
	ps, err := s.svc.Network.Products(r.Context(), ra) // the reseller's own prices (a downline's too)
	if err != nil {
		WriteError(w, err)
		return
	}
	for _, p := range ps {
		if (cat != "" && !strings.EqualFold(p.Category, cat)) || (brand != "" && !strings.EqualFold(p.Brand, brand)) {
			continue
		}
		out.Products = append(out.Products, productView(p))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) product(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	p, err := s.svc.Network.Product(r.Context(), ra, r.PathValue("code"))
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, productView(*p))
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	var req OrderRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		WriteError(w, err)
		return
	}
	if req.SellingPrice != nil || req.CustomerName != "" || req.CustomerPhone != "" {
		s.createDropship(w, r, ra, req)
		return
	}
	o, created, err := s.svc.Orders.CreateOrder(r.Context(), ra, loket.OrderRequest{Product: req.Product, Target: req.Target, RefID: req.RefID,
		Fields: req.Fields, MaxPrice: req.MaxPrice, Surface: "api"})
	writeOrder(w, o, created, err)
}

// writeOrder answers an accepted order: 201 when created, 200 when it was there
// already, or the error.
func writeOrder(w http.ResponseWriter, o *loket.Order, created bool, err error) {
	if err != nil {
		WriteError(w, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, OrderView(o))
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		WriteError(w, loket.Errorf(loket.ENOTFOUND, "no such order"))
		return
	}
	o, err := s.svc.Orders.Order(r.Context(), ra.ID, id)
	if err != nil {
		WriteError(w, err)
		return
	}
	v := OrderView(o)
	if o.Mode == loket.ModeDropship {
		d, err := s.svc.Dropship.Dropship(r.Context(), o.ID)
		if err != nil {
			WriteError(w, err)
			return
		}
		v = s.DropshipView(o, d)
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

var wib = time.FixedZone("WIB", 7*3600)

func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, wib); err == nil {
		return t, nil
	}
	return time.Time{}, loket.FieldError(loket.EINVALID, field, "%s must be RFC 3339 or YYYY-MM-DD", field)
}

func parseLimit(v string) (int, error) {
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, loket.FieldError(loket.EINVALID, "limit", "limit must be 1-200")
	}
	return n, nil
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

func decodeCursor(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err == nil {
		if id, err := strconv.ParseInt(string(b), 10, 64); err == nil && id > 0 {
			return id, nil
		}
	}
	return 0, loket.FieldError(loket.EINVALID, "cursor", "cursor is not one this API gave out")
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	q := r.URL.Query()
	f := loket.OrderFilter{ResellerID: ra.ID, Status: q.Get("status"), RefID: q.Get("ref_id")}
	if f.Status != "" && f.Status != loket.StatusPending && f.Status != loket.StatusSuccess && f.Status != loket.StatusFailed {
		WriteError(w, loket.FieldError(loket.EINVALID, "status", "status must be pending, success or failed"))
		return
	}
	var err error
	if f.From, err = parseTime("from", q.Get("from")); err != nil {
		WriteError(w, err)
		return
	}
	if f.To, err = parseTime("to", q.Get("to")); err != nil {
		WriteError(w, err)
		return
	}
	if f.Limit, err = parseLimit(q.Get("limit")); err != nil {
		WriteError(w, err)
		return
	}
	if f.Before, err = decodeCursor(q.Get("cursor")); err != nil {
		WriteError(w, err)
		return
	}
	orders, err := s.svc.Orders.Orders(r.Context(), f)
	if err != nil {
		WriteError(w, err)
		return
	}
	out := OrderList{Orders: make([]Order, 0, len(orders))}
	for _, o := range orders {
		out.Orders = append(out.Orders, OrderView(o))
	}
	if len(orders) == f.Limit {
		out.NextCursor = encodeCursor(orders[len(orders)-1].ID)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) ledger(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	limit, err := parseLimit(r.URL.Query().Get("limit"))
	if err != nil {
		WriteError(w, err)
		return
	}
	before, err := decodeCursor(r.URL.Query().Get("cursor"))
	if err != nil {
		WriteError(w, err)
		return
	}
	lines, err := s.svc.Resellers.Ledger(r.Context(), ra, before, limit)
	if err != nil {
		WriteError(w, err)
		return
	}
	out := LedgerList{Entries: lines}
	if out.Entries == nil {
		out.Entries = []loket.LedgerLine{}
	}
	if len(lines) == limit {
		out.NextCursor = encodeCursor(lines[len(lines)-1].ID)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	re, err := s.svc.Resellers.Reseller(r.Context(), ra.ID, "")
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, WebhookSettings{URL: re.WebhookURL})
}

func (s *Server) putWebhook(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	var req WebhookSettings
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		WriteError(w, err)
		return
	}
	req.URL = strings.TrimSpace(req.URL)
	if err := s.svc.Resellers.UpdateReseller(r.Context(), ra.ID, loket.ResellerUpdate{WebhookURL: &req.URL}); err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, req)
}

func (s *Server) webhookLog(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	hooks, err := s.svc.Webhooks.Webhooks(r.Context(), ra.ID, 50)
	if err != nil {
		WriteError(w, err)
		return
	}
	if hooks == nil {
		hooks = []*loket.Webhook{}
	}
	httpx.WriteJSON(w, http.StatusOK, WebhookLog{Webhooks: hooks})
}
