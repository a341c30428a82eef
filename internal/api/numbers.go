package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/openapi"
)

// Virtual numbers (docs/virtual-numbers.md): rent a number for a service, read the SMS
// codes it receives, then finish (done), ask for another code (resend) or cancel.

// NumberService is a service numbers receive codes for.
type NumberService struct {
	Code  int64  `json:"code" doc:"service code, e.g. 14 WhatsApp"`
	Name  string `json:"name"`
	Image string `json:"image"`
}

// NumberServiceList is GET /v1/numbers/services.
type NumberServiceList struct {
	Services []NumberService `json:"services"`
}

// NumberPrice is one server of a country's price list, with your price.
type NumberPrice struct {
	ProviderID string      `json:"provider_id"`
	ServerID   int64       `json:"server_id"`
	Stock      int64       `json:"stock"`
	Rate       float64     `json:"rate" doc:"success rate in percent"`
	Price      loket.Money `json:"price" doc:"what you pay for one activation"`
}

// NumberCountry is a country with its price list for a service.
type NumberCountry struct {
	NumberID   int64         `json:"number_id"`
	Name       string        `json:"name"`
	Prefix     string        `json:"prefix"`
	StockTotal int64         `json:"stock_total"`
	Prices     []NumberPrice `json:"prices"`
}

// NumberCountryList is GET /v1/numbers/countries.
type NumberCountryList struct {
	Countries []NumberCountry `json:"countries"`
}

// NumberOperator is an operator a number can be asked for.
type NumberOperator struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Image string `json:"image"`
}

// NumberOperatorList is GET /v1/numbers/operators.
type NumberOperatorList struct {
	Operators []NumberOperator `json:"operators"`
}

// NumberRequest is the body of POST /v1/numbers.
type NumberRequest struct {
	Service    int64       `json:"service" doc:"service code from /v1/numbers/services"`
	NumberID   int64       `json:"number_id" doc:"country, from /v1/numbers/countries"`
	ProviderID string      `json:"provider_id" doc:"server, from the country's prices"`
	OperatorID string      `json:"operator_id,omitempty" doc:"from /v1/numbers/operators; default any"`
	RefID      string      `json:"ref_id,omitempty" doc:"your id for this activation; the same ref_id again returns the same activation and charges nothing"`
	PriceJual  loket.Money `json:"price_jual,omitempty" doc:"your own selling price, kept for your books"`
	MaxPrice   loket.Money `json:"max_price,omitempty" doc:"refuse if the price is above this"`
}

// SMS is one message a number received.
type SMS struct {
	Seq        int       `json:"seq"`
	Code       string    `json:"code"`
	Text       string    `json:"text"`
	ReceivedAt time.Time `json:"received_at"`
}

// Number is an activation: a rented number and the SMS it received.
type Number struct {
	ID          int64       `json:"id"`
	RefID       string      `json:"ref_id,omitempty"`
	Service     int64       `json:"service"`
	ServiceName string      `json:"service_name"`
	NumberID    int64       `json:"number_id"`
	Country     string      `json:"country"`
	ProviderID  string      `json:"provider_id"`
	OperatorID  string      `json:"operator_id"`
	Phone       string      `json:"phone"`
	Price       loket.Money `json:"price" doc:"charged when a code arrived; refunded otherwise"`
	PriceJual   loket.Money `json:"price_jual"`
	MaxPrice    loket.Money `json:"max_price,omitempty"`
	Status      string      `json:"status" enum:"renting,waiting,received,done,canceled,failed" doc:"renting: the number is being prepared (no phone yet: the supplier's answer is awaited; poll this); waiting: for a code (again, after a resend); received: a code is here; done: charged; canceled, failed: refunded"`
	Code        string      `json:"code" doc:"the latest OTP code, empty until one arrives"`
	SMS         []SMS       `json:"sms"`
	Message     string      `json:"message"`
	CreatedAt   time.Time   `json:"created_at"`
	ExpiresAt   time.Time   `json:"expires_at" doc:"without a code by then it is canceled and refunded; with one, it is done"`
	CancelAfter *time.Time  `json:"cancel_after,omitempty" doc:"a cancel is accepted from this time on"`
	SettledAt   *time.Time  `json:"settled_at,omitempty"`
}

// NumberList is GET /v1/numbers.
type NumberList struct {
	Numbers    []Number `json:"numbers"`
	NextCursor string   `json:"next_cursor"`
}

// NumberWebhook is the body of the native webhook sent when a number receives an SMS.
type NumberWebhook struct {
	Event  string `json:"event"`
	Number Number `json:"number"`
	SMS    SMS    `json:"sms"`
}

// NumberView renders an activation for its reseller. It names no supplier.
func NumberView(a *loket.Activation) Number {
	v := Number{ID: a.ID, RefID: a.RefID, Service: a.ServiceCode, ServiceName: a.ServiceName, NumberID: a.NumberID, Country: a.Country,
		ProviderID: a.ProviderID, OperatorID: a.OperatorID, Phone: a.Phone, Price: a.Price, PriceJual: a.PriceJual, MaxPrice: a.MaxPrice,
		Status: a.State, SMS: make([]SMS, 0, len(a.SMS)), Message: a.Message, CreatedAt: a.CreatedAt, ExpiresAt: a.ExpiresAt,
		SettledAt: a.SettledAt}
	for _, m := range a.SMS {
		v.SMS = append(v.SMS, SMS(m))
		v.Code = m.Code
	}
	if !a.CancelAfter.IsZero() {
		t := a.CancelAfter
		v.CancelAfter = &t
	}
	return v
}

func (s *Server) registerNumbers() {
	s.svc.Webhooks.SetSMSNotifier("api", func(a *loket.Activation, m loket.VNSMS) (string, string, []byte, error) {
		b, err := json.Marshal(NumberWebhook{Event: "number.sms", Number: NumberView(a), SMS: SMS(m)})
		return "number.sms", "application/json", b, err
	})
	s.add(Route{Pattern: "GET /v1/numbers/services", Summary: "Services virtual numbers receive codes for", Auth: true,
		Response: NumberServiceList{}}, s.authed(s.numberServices))
	s.add(Route{Pattern: "GET /v1/numbers/countries", Summary: "Countries with their price lists for a service, with your prices", Auth: true,
		Query: []Param{{"service", "service code (required)"}}, Response: NumberCountryList{}, Errors: []string{loket.EINVALID, loket.ENOTFOUND}},
		s.authed(s.numberCountries))
	s.add(Route{Pattern: "GET /v1/numbers/operators", Summary: "Operators of a country and provider", Auth: true,
		Query: []Param{{"number_id", "country (required)"}, {"provider_id", "provider (required)"}}, Response: NumberOperatorList{},
		Errors: []string{loket.EINVALID}}, s.authed(s.numberOperators))
	s.add(Route{Pattern: "POST /v1/numbers", Summary: "Rent a number (201 when created, 200 when the ref_id was seen before); its price is reserved until a code arrives; status renting: still being prepared, poll it",
		Auth: true, Request: NumberRequest{}, Response: Number{}, Status: http.StatusCreated,
		AlsoOK: map[int]string{http.StatusOK: "the ref_id was used before with the same request: that activation, nothing charged"},
		Errors: []string{loket.EINVALID, loket.EPRODUCT, loket.ENOTFOUND, loket.EPRICE, loket.EINSUFFICIENT, loket.ECONFLICT,
			loket.EOUTOFSTOCK, loket.EUNAVAILABLE}}, s.authed(s.createNumber))
	s.add(Route{Pattern: "GET /v1/numbers", Summary: "Your activations, newest first", Auth: true, Response: NumberList{},
		Query: []Param{{"ref_id", "only the activation with this ref_id"}, {"limit", "1-200, default 50"}, {"cursor", "next_cursor of the previous page"}}},
		s.authed(s.listNumbers))
	s.add(Route{Pattern: "GET /v1/numbers/{id}", Summary: "One of your activations with its SMS (a local read: poll it freely)", Auth: true,
		Response: Number{}, Errors: []string{loket.ENOTFOUND}}, s.authed(s.getNumber))
	s.add(Route{Pattern: "POST /v1/numbers/{id}/cancel", Summary: "Cancel an activation that has no code yet: refunded in full", Auth: true,
		Response: Number{}, Errors: []string{loket.ENOTFOUND, loket.ECONFLICT, loket.EUNAVAILABLE}}, s.authed(s.numberAction(loket.NumberService.CancelNumber)))
	s.add(Route{Pattern: "POST /v1/numbers/{id}/done", Summary: "Finish an activation that received a code: charged", Auth: true,
		Response: Number{}, Errors: []string{loket.ENOTFOUND, loket.ECONFLICT}}, s.authed(s.numberAction(loket.NumberService.FinishNumber)))
	s.add(Route{Pattern: "POST /v1/numbers/{id}/resend", Summary: "Ask for another code; the activation waits again", Auth: true,
		Response: Number{}, Errors: []string{loket.ENOTFOUND, loket.ECONFLICT, loket.EUNAVAILABLE}}, s.authed(s.numberAction(loket.NumberService.ResendNumber)))
}

func (s *Server) numberServices(w http.ResponseWriter, r *http.Request, _ *loket.ResellerAuth) {
	list, err := s.svc.Numbers.Services(r.Context())
	if err != nil {
		WriteError(w, err)
		return
	}
	out := NumberServiceList{Services: []NumberService{}}
	for _, v := range list {
		if v.Active {
			out.Services = append(out.Services, NumberService{Code: v.Code, Name: v.Name, Image: v.Image})
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) numberCountries(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	code, err := strconv.ParseInt(r.URL.Query().Get("service"), 10, 64)
	if err != nil || code <= 0 {
		WriteError(w, loket.FieldError(loket.EINVALID, "service", "service must be a service code, e.g. 14"))
		return
	}
	list, err := s.svc.Numbers.Countries(r.Context(), code)
	if err != nil {
		WriteError(w, err)
		return
	}
	price, err := s.svc.Network.NumberPrices(r.Context(), ra) // its own prices (a downline's too)
	if err != nil {
		WriteError(w, err)
		return
	}
	out := NumberCountryList{Countries: []NumberCountry{}}
	for _, c := range list {
		v := NumberCountry{NumberID: c.NumberID, Name: c.Name, Prefix: c.Prefix, Prices: []NumberPrice{}}
		for _, p := range c.Prices {
			v.StockTotal += max(p.Stock, 0)
			v.Prices = append(v.Prices, NumberPrice{ProviderID: p.ProviderID, ServerID: p.ServerID, Stock: p.Stock,
				Rate: float64(p.RateBP) / 100, Price: price(p.Price)})
		}
		out.Countries = append(out.Countries, v)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) numberOperators(w http.ResponseWriter, r *http.Request, _ *loket.ResellerAuth) {
	num, err := strconv.ParseInt(r.URL.Query().Get("number_id"), 10, 64)
	prov := strings.TrimSpace(r.URL.Query().Get("provider_id"))
	if err != nil || num <= 0 || prov == "" {
		WriteError(w, loket.Errorf(loket.EINVALID, "number_id and provider_id are required"))
		return
	}
	list, err := s.svc.Numbers.OperatorsAt(r.Context(), num, prov)
	if err != nil {
		WriteError(w, err)
		return
	}
	out := NumberOperatorList{Operators: []NumberOperator{}}
	for _, o := range list {
		out.Operators = append(out.Operators, NumberOperator(o))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) createNumber(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	var req NumberRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		WriteError(w, err)
		return
	}
	if req.Service <= 0 {
		WriteError(w, loket.FieldError(loket.EINVALID, "service", "service is required (a code from /v1/numbers/services)"))
		return
	}
	act, existed, err := s.svc.Numbers.OrderNumber(r.Context(), ra, loket.NumberRequest{RefID: req.RefID, ServiceCode: req.Service,
		NumberID: req.NumberID, ProviderID: req.ProviderID, OperatorID: req.OperatorID, PriceJual: req.PriceJual, MaxPrice: req.MaxPrice,
		Surface: "api"})
	if err != nil {
		WriteError(w, err)
		return
	}
	status := http.StatusCreated
	if existed {
		status = http.StatusOK
	}
	httpx.WriteJSON(w, status, NumberView(act))
}

func (s *Server) listNumbers(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	q := r.URL.Query()
	out := NumberList{Numbers: []Number{}}
	if ref := q.Get("ref_id"); ref != "" {
		act, err := s.svc.Numbers.ActivationByRef(r.Context(), ra.ID, ref)
		if err == nil {
			out.Numbers = append(out.Numbers, NumberView(act))
		} else if loket.ErrorCode(err) != loket.ENOTFOUND {
			WriteError(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, out)
		return
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			WriteError(w, loket.FieldError(loket.EINVALID, "limit", "limit must be 1-200"))
			return
		}
		limit = n
	}
	var before int64
	if c := q.Get("cursor"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n <= 0 {
			WriteError(w, loket.FieldError(loket.EINVALID, "cursor", "cursor is not one Loket gave"))
			return
		}
		before = n
	}
	list, err := s.svc.Numbers.Activations(r.Context(), ra.ID, before, limit+1)
	if err != nil {
		WriteError(w, err)
		return
	}
	if len(list) > limit {
		list = list[:limit]
		out.NextCursor = strconv.FormatInt(list[limit-1].ID, 10)
	}
	for _, a := range list {
		out.Numbers = append(out.Numbers, NumberView(a))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func numberID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, loket.Errorf(loket.ENOTFOUND, "no such activation")
	}
	return id, nil
}

func (s *Server) getNumber(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	id, err := numberID(r)
	if err != nil {
		WriteError(w, err)
		return
	}
	act, err := s.svc.Numbers.Activation(r.Context(), ra.ID, id)
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, NumberView(act))
}

func (s *Server) numberAction(f func(n loket.NumberService, ctx context.Context, r *loket.ResellerAuth, id int64) (*loket.Activation, error)) func(http.ResponseWriter, *http.Request, *loket.ResellerAuth) {
	return func(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
		id, err := numberID(r)
		if err != nil {
			WriteError(w, err)
			return
		}
		act, err := f(s.svc.Numbers, r.Context(), ra, id)
		if err != nil {
			WriteError(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, NumberView(act))
	}
}

func numberWebhook(g *openapi.Gen) *openapi.Operation {
	op := orderWebhook(g)
	op.OperationID = "numberSMS"
	op.Summary = "A rented number received an SMS (sent to your webhook URL)"
	op.Description = "Loket POSTs each SMS a number receives once, with the activation as it is after it and the message. " +
		"Signed and retried like order webhooks."
	op.Parameters[1].Description = "the event, number.sms"
	op.RequestBody = &openapi.RequestBody{Required: true,
		Content: map[string]openapi.MediaType{"application/json": {Schema: g.Schema(reflect.TypeFor[NumberWebhook]())}}}
	return op
}
