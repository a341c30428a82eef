package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

func wantCode(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != status || e.Code != code || e.Message == "" {
		t.Errorf("%s: %v, want %d %s", what, err, status, code)
	}
}

// TestBillsHTTP drives the bill flow through the native API of a running server, as
// a reseller's program does through client/.
func TestBillsHTTP(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		r := loketest.NewReseller(t, s, 5_000_000)
		c := client.New(s.URL, r.Creds.APIKey)

		// The webhook of a bill's payment carries the bill.
		hooks := make(chan client.WebhookEvent, 4)
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var ev client.WebhookEvent
			if json.NewDecoder(r.Body).Decode(&ev) == nil {
				hooks <- ev
			}
		}))
		defer hs.Close()
		if err := c.SetWebhook(ctx, hs.URL); err != nil {
			t.Fatal(err)
		}
		if p, err := c.Product(ctx, "pln"); err != nil || p.Kind != "postpaid" || p.AdminFee != 2750 || p.Commission != 1000 || p.Price != 0 {
			t.Fatalf("pln = %+v, %v", p, err)
		}
		if p, err := c.Product(ctx, "PLN20"); err != nil || p.Kind != "prepaid" || p.CustomerCheck != "pln" {
			t.Fatalf("PLN20 = %+v, %v", p, err)
		}

		b, err := c.InquireBill(ctx, client.BillInquiryRequest{Product: "pln", CustomerNo: "530000000001"})
		if err != nil {
			t.Fatal(err)
		}
		if b.InquiryID == 0 || b.CustomerNo != "530000000001" || b.CustomerName == "" || b.Tariff != "R1" || b.Power != "1300" ||
			len(b.Periods) != 1 || b.Periods[0].Admin != 2750 || b.Total != b.Amount+b.Admin-b.Commission || b.ValidUntil.Location() != time.UTC {
			t.Fatalf("bill = %+v", b)
		}
		raw := loketest.Do(t, http.MethodGet, s.URL+"/v1/bills/"+strconv.FormatInt(b.InquiryID, 10), nil, "Authorization", "Bearer "+r.Creds.APIKey)
		body := string(raw.Body)
		if raw.Status != http.StatusOK || !strings.Contains(body, `"valid_until":"`) || !strings.Contains(body, `Z","created_at"`) ||
			strings.Contains(body, "LKI") || strings.Contains(strings.ToLower(body), "supplier") || strings.Contains(body, `"sim"`) {
			t.Fatalf("GET bill = %d %s", raw.Status, body)
		}
		other := client.New(s.URL, loketest.NewReseller(t, s, 0).Creds.APIKey)
		_, err = other.Bill(ctx, b.InquiryID)
		wantCode(t, "another's inquiry", err, http.StatusNotFound, loket.ENOTFOUND)

		start := loketest.Balance(t, s, r.ID)
		o, created, err := c.PayBill(ctx, client.BillPayRequest{InquiryID: b.InquiryID, RefID: "http-1"})
		if err != nil || !created || o.Bill == nil || o.Bill.InquiryID != b.InquiryID || o.Bill.CustomerName != b.CustomerName ||
			o.Price != b.Total || len(o.Bill.Periods) != 1 {
			t.Fatalf("pay = %+v %v %v", o, created, err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for o.Status == client.StatusPending && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			if o, err = c.Order(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
		}
		if o.Status != client.StatusSuccess || len(o.SN) != 32 || o.Bill == nil || o.Bill.Total != b.Total {
			t.Fatalf("settled = %+v", o)
		}
		select {
		case ev := <-hooks:
			if ev.Order.ID != o.ID || ev.Order.Bill == nil || ev.Order.Bill.InquiryID != b.InquiryID || ev.Order.SN != o.SN {
				t.Fatalf("webhook = %+v", ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no webhook")
		}
		if list, err := c.Orders(ctx, client.ListOptions{}); err != nil || len(list.Orders) != 1 || list.Orders[0].Bill == nil ||
			list.Orders[0].Bill.InquiryID != b.InquiryID {
			t.Fatalf("orders = %+v, %v", list, err)
		}
		again, created, err := c.PayBill(ctx, client.BillPayRequest{InquiryID: b.InquiryID, RefID: "http-2"})
		if err != nil || created || again.ID != o.ID {
			t.Fatalf("second payment = %+v %v %v", again, created, err)
		}
		if got := loketest.Balance(t, s, r.ID); got != start-loket.Money(b.Total) {
			t.Fatalf("balance = %d, want %d", got, start-loket.Money(b.Total))
		}

		for _, x := range []struct {
			product, customer string
			status            int
			code              string
		}{
			{"pln", "530000000003", http.StatusUnprocessableEntity, loket.ENOBILL},
			{"pln", "530000000004", http.StatusUnprocessableEntity, loket.EBILLPAID},
			{"pln", "530000000007", http.StatusUnprocessableEntity, loket.ECUSTOMER},
			{"pln", "530000000008", http.StatusUnprocessableEntity, loket.EOVERLIMIT},
			{"HSA5", "081234567890", http.StatusUnprocessableEntity, loket.EPRODUCT},
			{"pln", "", http.StatusBadRequest, loket.EINVALID},
		} {
			_, err := c.InquireBill(ctx, client.BillInquiryRequest{Product: x.product, CustomerNo: x.customer})
			wantCode(t, x.product+" "+x.customer, err, x.status, x.code)
		}
		_, _, err = c.CreateOrder(ctx, client.OrderRequest{Product: "pln", Target: "530000000001", RefID: "prepaid-pln"})
		wantCode(t, "a bill ordered as prepaid", err, http.StatusUnprocessableEntity, loket.EPRODUCT)
		_, _, err = c.PayBill(ctx, client.BillPayRequest{RefID: "no-inquiry"})
		wantCode(t, "no inquiry_id", err, http.StatusBadRequest, loket.EINVALID)

		// An expired inquiry whose amount moved (the simulator's digit 0).
		moved, err := c.InquireBill(ctx, client.BillInquiryRequest{Product: "pln", CustomerNo: "530000000010"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB.W.ExecContext(ctx, `UPDATE inquiries SET valid_until = 1 WHERE id = $1`, moved.InquiryID); err != nil {
			t.Fatal(err)
		}
		_, _, err = c.PayBill(ctx, client.BillPayRequest{InquiryID: moved.InquiryID, RefID: "http-moved"})
		wantCode(t, "amount changed", err, http.StatusConflict, loket.EAMOUNT)

		m, err := c.CheckPLN(ctx, "12345678901", "")
		if err != nil || m.Name == "" || m.Tariff == "" || m.Power == "" || m.CustomerNo != "12345678901" {
			t.Fatalf("meter = %+v, %v", m, err)
		}
		_, err = c.CheckPLN(ctx, "12345678907", "PLN20")
		wantCode(t, "unknown meter", err, http.StatusUnprocessableEntity, loket.ECUSTOMER)
		loketest.VerifyLedger(t, s)
	})
}
