package api

import (
	_ "embed"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// DropshipInfo is the dropship side of an order, for its reseller.
type DropshipInfo struct {
	SellingPrice  loket.Money     `json:"selling_price" doc:"what your customer pays for the product"`
	ResellerCost  loket.Money     `json:"reseller_cost" doc:"your price: what the order costs you"`
	Profit        loket.Money     `json:"reseller_profit" doc:"selling_price - reseller_cost, credited to your profit balance when the order succeeds"`
	CustomerName  string          `json:"customer_name,omitempty"`
	CustomerPhone string          `json:"customer_phone,omitempty"`
	PaymentStatus string          `json:"payment_status" enum:"pending,settlement,expired" doc:"settlement: your customer paid; expired: not paid in time, the order failed at no cost"`
	RefundStatus  string          `json:"refund_status,omitempty" enum:"owed,refunded" doc:"for a paid order that failed: the customer's payment is owed back by the operator, or was paid back"`
	Payment       DropshipPayment `json:"payment"`
}

// DropshipPayment is what the customer pays and where.
type DropshipPayment struct {
	Amount     loket.Money `json:"amount" doc:"pay exactly this: the selling price plus a unique code that identifies the payment"`
	UniqueCode loket.Money `json:"unique_code"`
	QRString   string      `json:"qr_string" doc:"the dynamic QRIS"`
	QRURL      string      `json:"qr_url" doc:"the QR code as a PNG, at a public unguessable link"`
	ExpiredAt  time.Time   `json:"expired_at" doc:"unpaid by then, the order expires at no cost"`
	StatusURL  string      `json:"status_url" doc:"the payment's status as JSON, public"`
	InvoiceURL string      `json:"invoice_url" doc:"a page for your customer: the QR with a countdown and the live status"`
}

func (s *Server) dropshipInfo(o *loket.Order, d *loket.Dropship) *DropshipInfo {
	return &DropshipInfo{SellingPrice: d.SellingPrice, ResellerCost: o.Price, Profit: d.SellingPrice - o.Price, CustomerName: d.CustomerName,
		CustomerPhone: d.CustomerPhone, PaymentStatus: d.PaymentStatus, RefundStatus: d.RefundStatus,
		Payment: DropshipPayment{Amount: d.Total, UniqueCode: d.Total - d.SellingPrice, QRString: d.QRString, QRURL: s.svc.Dropship.QRURL(d),
			ExpiredAt: d.ExpiresAt, StatusURL: s.svc.Dropship.StatusURL(d), InvoiceURL: s.svc.Dropship.InvoiceURL(d)}}
}

// DropshipView renders a dropship order for its reseller.
func (s *Server) DropshipView(o *loket.Order, d *loket.Dropship) Order {
	v := OrderView(o)
	v.Dropship = s.dropshipInfo(o, d)
	return v
}

func (s *Server) createDropship(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth, req OrderRequest) {
	if req.MaxPrice != 0 {
		WriteError(w, loket.FieldError(loket.EINVALID, "max_price", "max_price is for saldo orders; a dropship order's price is bounded by selling_price"))
		return
	}
	if req.SellingPrice == nil {
		WriteError(w, loket.FieldError(loket.EINVALID, "selling_price", "selling_price is required for a dropship order (customer_name and customer_phone are only for one)"))
		return
	}
	o, d, created, err := s.svc.Dropship.CreateDropshipOrder(r.Context(), ra, loket.OrderRequest{Product: req.Product, Target: req.Target, RefID: req.RefID,
		Fields: req.Fields, Surface: "api"}, loket.DropshipRequest{SellingPrice: *req.SellingPrice, CustomerName: req.CustomerName, CustomerPhone: req.CustomerPhone})
	if err != nil {
		WriteError(w, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpx.WriteJSON(w, status, s.DropshipView(o, d))
}

func (s *Server) registerDropship() {
	s.Handle("GET /pay/{id}/{token}", http.HandlerFunc(s.payPage))
	s.Handle("GET /pay/{id}/{token}/status", http.HandlerFunc(s.payStatus))
}

// PayStatus is a dropship payment's public status.
type PayStatus struct {
	PaymentStatus string      `json:"payment_status"`
	OrderStatus   string      `json:"order_status"`
	Amount        loket.Money `json:"amount"`
	ExpiredAt     time.Time   `json:"expired_at"`
	SN            string      `json:"sn,omitempty"`
}

func (s *Server) payLookup(r *http.Request) (*loket.Dropship, *loket.Order, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, false
	}
	d, err := s.svc.Dropship.Dropship(r.Context(), id)
	if err != nil || !auth.Equal(d.Token, r.PathValue("token")) {
		return nil, nil, false
	}
	o, err := s.svc.Orders.Order(r.Context(), 0, id)
	if err != nil {
		return nil, nil, false
	}
	return d, o, true
}

func (s *Server) payStatus(w http.ResponseWriter, r *http.Request) {
	d, o, ok := s.payLookup(r)
	if !ok {
		WriteError(w, loket.Errorf(loket.ENOTFOUND, "no such payment"))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	st := PayStatus{PaymentStatus: d.PaymentStatus, OrderStatus: o.Status, Amount: d.Total, ExpiredAt: d.ExpiresAt}
	if o.Status == loket.StatusSuccess {
		st.SN = o.SN
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

//go:embed pay.html
var payHTML string

var payTmpl = template.Must(template.New("pay").Funcs(template.FuncMap{"rupiah": loket.FormatRupiah}).Parse(payHTML))

type payPage struct {
	NotFound    bool
	Product     string
	Target      string
	Customer    string
	Amount      loket.Money
	SellingNote loket.Money
	QRURL       string
	StatusURL   string
	ExpiresAt   string // RFC 3339, for the countdown
	ExpiresWIB  string
	Payment     string
	Order       string
	SN          string
}

// payPage is the customer's invoice (in Bahasa Indonesia, phone first): what is bought,
// for whom, the amount, the QR with a countdown, and the live status.
func (s *Server) payPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	d, o, ok := s.payLookup(r)
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		payTmpl.Execute(w, payPage{NotFound: true})
		return
	}
	p := payPage{Product: o.ProductName, Target: maskTarget(o.Target), Customer: d.CustomerName, Amount: d.Total,
		SellingNote: d.Total - d.SellingPrice, QRURL: s.svc.Dropship.QRURL(d), StatusURL: s.svc.Dropship.StatusURL(d),
		ExpiresAt: d.ExpiresAt.UTC().Format(time.RFC3339), ExpiresWIB: d.ExpiresAt.In(wib).Format("02/01/2006 15:04") + " WIB",
		Payment: d.PaymentStatus, Order: o.Status}
	if o.Status == loket.StatusSuccess {
		p.SN = o.SN
	}
	payTmpl.Execute(w, p)
}

// maskTarget hides the middle of a number or game id on a public page.
func maskTarget(t string) string {
	r := []rune(t)
	if len(r) <= 6 {
		return t
	}
	return string(r[:4]) + strings.Repeat("•", len(r)-7) + string(r[len(r)-3:])
}
