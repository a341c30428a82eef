package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Error codes of bills (postpaid products) and PLN meter checks.
const (
	CodeNoBill            = "no_bill"             // the customer has no bill to pay now (422)
	CodeBillPaid          = "bill_paid"           // the bill is paid already, or being paid by someone else (422)
	CodeInvalidCustomer   = "invalid_customer"    // the biller knows no such customer or meter number (422)
	CodeBillOverLimit     = "bill_over_limit"     // the bill is over what one payment takes (422)
	CodeInquiryExpired    = "inquiry_expired"     // the inquiry's day is over and the bill could not be checked again (422)
	CodeBillAmountChanged = "bill_amount_changed" // the bill changed since the inquiry: nothing charged; pay the new inquiry (409)
)

// BillInquiryRequest checks a customer's postpaid bill (POST /v1/bills/inquiry).
type BillInquiryRequest struct {
	Product    string `json:"product"`     // a postpaid product's code, e.g. pln
	CustomerNo string `json:"customer_no"` // 6-20 digits; spaces and dashes are ignored
}

// BillPeriod is one month of a bill.
type BillPeriod struct {
	Period     string `json:"period"` // YYYYMM
	Amount     int64  `json:"amount"`
	Penalty    int64  `json:"penalty"`
	Admin      int64  `json:"admin"`
	MeterStart string `json:"meter_start,omitempty"`
	MeterEnd   string `json:"meter_end,omitempty"`
}

// Bill is a checked bill (an inquiry): Total = Amount + Admin - Commission is what
// paying it takes from your balance, until ValidUntil (the end of the day in WIB).
type Bill struct {
	InquiryID    int64             `json:"inquiry_id"`
	Product      string            `json:"product"`
	ProductName  string            `json:"product_name"`
	CustomerNo   string            `json:"customer_no"`
	CustomerName string            `json:"customer_name"`
	Tariff       string            `json:"tariff,omitempty"`
	Power        string            `json:"power,omitempty"`
	Periods      []BillPeriod      `json:"periods"`
	Info         map[string]string `json:"info,omitempty"`
	Amount       int64             `json:"amount"`
	Admin        int64             `json:"admin"`
	Commission   int64             `json:"commission"`
	Total        int64             `json:"total"`
	ValidUntil   time.Time         `json:"valid_until"`
	CreatedAt    time.Time         `json:"created_at"`
}

// BillPayRequest pays a checked bill (POST /v1/bills/pay).
type BillPayRequest struct {
	InquiryID int64  `json:"inquiry_id"`
	RefID     string `json:"ref_id,omitempty"`
}

// Meter is who a PLN meter or customer number belongs to.
type Meter struct {
	CustomerNo   string `json:"customer_no"`
	MeterNo      string `json:"meter_no,omitempty"`
	SubscriberID string `json:"subscriber_id,omitempty"`
	Name         string `json:"name"`
	Tariff       string `json:"tariff,omitempty"`
	Power        string `json:"power,omitempty"`
}

// InquireBill checks a customer's bill of a postpaid product. It is free.
func (c *Client) InquireBill(ctx context.Context, req BillInquiryRequest) (*Bill, error) {
	var b Bill
	if _, err := c.do(ctx, http.MethodPost, "/v1/bills/inquiry", nil, req, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// Bill returns one of the caller's inquiries.
func (c *Client) Bill(ctx context.Context, inquiryID int64) (*Bill, error) {
	var b Bill
	if _, err := c.do(ctx, http.MethodGet, "/v1/bills/"+strconv.FormatInt(inquiryID, 10), nil, nil, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// PayBill pays a checked bill: an order whose Bill is the bill paid and whose SN, once
// it succeeds, is the biller's reference number. created is false when req.RefID was
// used before or the bill is being paid or paid: the order returned is then that
// first one, and nothing was charged now.
func (c *Client) PayBill(ctx context.Context, req BillPayRequest) (o *Order, created bool, err error) {
	var out Order
	status, err := c.do(ctx, http.MethodPost, "/v1/bills/pay", nil, req, &out)
	if err != nil {
		return nil, false, err
	}
	return &out, status == http.StatusCreated, nil
}

// CheckPLN looks a PLN meter or customer number up before a token is bought; product
// (a PLN token's code) may be empty.
func (c *Client) CheckPLN(ctx context.Context, customerNo, product string) (*Meter, error) {
	q := url.Values{"customer_no": {customerNo}}
	if product != "" {
		q.Set("product", product)
	}
	var m Meter
	if _, err := c.do(ctx, http.MethodGet, "/v1/pln/check", q, nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}
