package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// BillInquiryRequest is the body of POST /v1/bills/inquiry.
type BillInquiryRequest struct {
	Product    string `json:"product" doc:"a postpaid product's code, e.g. pln"`
	CustomerNo string `json:"customer_no" doc:"the customer number (ID pelanggan, BPJS number...): 6-20 digits; spaces and dashes are ignored"`
}

// Bill is a bill checked for you (an inquiry): what paying it costs you, payable until
// valid_until. total = amount + admin - commission.
type Bill struct {
	InquiryID    int64              `json:"inquiry_id" doc:"pay the bill with this id"`
	Product      string             `json:"product"`
	ProductName  string             `json:"product_name"`
	CustomerNo   string             `json:"customer_no"`
	CustomerName string             `json:"customer_name"`
	Tariff       string             `json:"tariff,omitempty" doc:"PLN tariff (R1, B2...), where given"`
	Power        string             `json:"power,omitempty" doc:"PLN power in VA, where given"`
	Periods      []loket.BillPeriod `json:"periods" doc:"each month (period YYYYMM) with its amount, penalty and admin fee"`
	Info         map[string]string  `json:"info,omitempty" doc:"further details of the biller (a BPJS bill's members...)"`
	Amount       loket.Money        `json:"amount" doc:"the bill: the periods' amounts and penalties"`
	Admin        loket.Money        `json:"admin" doc:"the admin fee of every period"`
	Commission   loket.Money        `json:"commission" doc:"your commission, every period's"`
	Total        loket.Money        `json:"total" doc:"what paying the bill takes from your balance"`
	ValidUntil   time.Time          `json:"valid_until" doc:"the end of the day in WIB; a later payment checks the bill again"`
	CreatedAt    time.Time          `json:"created_at"`
}

// BillView renders an inquiry for resellers. It carries nothing that names a supplier.
func BillView(in *loket.Inquiry) *Bill {
	periods := in.Bill.Periods
	if periods == nil {
		periods = []loket.BillPeriod{}
	}
	return &Bill{InquiryID: in.ID, Product: in.ProductCode, ProductName: in.ProductName, CustomerNo: in.Customer,
		CustomerName: in.Bill.Name, Tariff: in.Bill.Tariff, Power: in.Bill.Power, Periods: periods, Info: in.Bill.Info,
		Amount: in.Amount, Admin: in.Admin, Commission: in.Commission, Total: in.Total, ValidUntil: in.ValidUntil.UTC(),
		CreatedAt: in.CreatedAt.UTC()}
}

// BillPayRequest is the body of POST /v1/bills/pay.
type BillPayRequest struct {
	InquiryID int64  `json:"inquiry_id" doc:"the inquiry to pay"`
	RefID     string `json:"ref_id" doc:"your id for this payment; the same ref_id again returns the same order and charges nothing"`
}

// Meter is who a PLN meter or customer number belongs to.
type Meter struct {
	CustomerNo   string `json:"customer_no"`
	MeterNo      string `json:"meter_no,omitempty"`
	SubscriberID string `json:"subscriber_id,omitempty"`
	Name         string `json:"name"`
	Tariff       string `json:"tariff,omitempty"`
	Power        string `json:"power,omitempty" doc:"VA"`
}

var billErrors = []string{loket.ENOBILL, loket.EBILLPAID, loket.ECUSTOMER, loket.EOVERLIMIT}

func (s *Server) registerBills() {
	s.add(Route{Pattern: "POST /v1/bills/inquiry", Summary: "Check a customer's postpaid bill (free); pay it with POST /v1/bills/pay", Auth: true,
		Request: BillInquiryRequest{}, Response: Bill{}, Status: http.StatusCreated,
		Errors: append([]string{loket.EINVALID, loket.EPRODUCT, loket.EINACTIVE, loket.EUNAVAILABLE, loket.ETOOLARGE}, billErrors...)},
		s.authed(s.inquireBill))
	s.add(Route{Pattern: "GET /v1/bills/{id}", Summary: "One of your bill inquiries", Auth: true, Response: Bill{},
		Errors: []string{loket.ENOTFOUND}}, s.authed(s.getBill))
	s.add(Route{Pattern: "POST /v1/bills/pay", Summary: "Pay a bill you checked (201 when created, 200 when the ref_id or the bill was paid before)", Auth: true,
		Request: BillPayRequest{}, Response: Order{}, Status: http.StatusCreated,
		AlsoOK: map[int]string{http.StatusOK: "the ref_id was used before, or the bill is being paid or paid: that order, nothing charged"},
		Errors: append([]string{loket.EINVALID, loket.ENOTFOUND, loket.EINSUFFICIENT, loket.ECONFLICT, loket.EEXPIRED, loket.EAMOUNT,
			loket.EUNAVAILABLE, loket.EPRODUCT, loket.EINACTIVE, loket.ETOOLARGE}, billErrors...)}, s.authed(s.payBill))
	s.add(Route{Pattern: "GET /v1/pln/check", Summary: "Who a PLN meter or customer number belongs to: name, tariff and power", Auth: true,
		Response: Meter{}, Query: []Param{{"customer_no", "the meter or customer number"}, {"product", "a PLN token's code (optional)"}},
		Errors: []string{loket.EINVALID, loket.EPRODUCT, loket.ECUSTOMER, loket.EUNAVAILABLE}}, s.authed(s.checkMeter))
}

func (s *Server) inquireBill(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	var req BillInquiryRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		WriteError(w, err)
		return
	}
	in, err := s.svc.Bills.Inquire(r.Context(), ra, req.Product, req.CustomerNo)
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, BillView(in))
}

func (s *Server) getBill(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		WriteError(w, loket.Errorf(loket.ENOTFOUND, "no such inquiry"))
		return
	}
	in, err := s.svc.Bills.Inquiry(r.Context(), ra, id)
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, BillView(in))
}

func (s *Server) payBill(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	var req BillPayRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		WriteError(w, err)
		return
	}
	if req.InquiryID <= 0 {
		WriteError(w, loket.FieldError(loket.EINVALID, "inquiry_id", "inquiry_id is required"))
		return
	}
	o, created, err := s.svc.Bills.PayBill(r.Context(), ra, req.InquiryID, req.RefID, "api")
	writeOrder(w, o, created, err)
}

func (s *Server) checkMeter(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	q := r.URL.Query()
	m, err := s.svc.Bills.CheckMeter(r.Context(), ra, q.Get("product"), q.Get("customer_no"))
	if err != nil {
		WriteError(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Meter{CustomerNo: m.Customer, MeterNo: m.MeterNo, SubscriberID: m.SubscriberID, Name: m.Name,
		Tariff: m.Tariff, Power: m.Power})
}
