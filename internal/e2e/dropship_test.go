package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store"
)

type dropshipOrder struct {
	ID       int64
	Status   string
	SN       string
	Price    int64
	Mode     string
	Dropship struct {
		SellingPrice  int64  `json:"selling_price"`
		ResellerCost  int64  `json:"reseller_cost"`
		Profit        int64  `json:"reseller_profit"`
		PaymentStatus string `json:"payment_status"`
		RefundStatus  string `json:"refund_status"`
		Payment       struct {
			Amount     int64     `json:"amount"`
			QRString   string    `json:"qr_string"`
			QRURL      string    `json:"qr_url"`
			ExpiredAt  time.Time `json:"expired_at"`
			StatusURL  string    `json:"status_url"`
			InvoiceURL string    `json:"invoice_url"`
		} `json:"payment"`
	}
}

// TestDropship: a reseller with no balance sells by dropship. Paid -> dispatched ->
// success -> profit credited once; paid -> failed -> refund owed (then refunded by the
// operator); unpaid -> expired with no ledger movement; a payment reported twice
// credits once; the reseller's balance is never touched. On both engines.
func TestDropship(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := loketest.Start(t, engine)
		loketest.SetupPayments(t, s)
		r := newReseller(t, s, 0)
		auth := []string{"Authorization", "Bearer " + r.Creds.APIKey, "Content-Type", "application/json"}
		create := func(ref, target string, selling int64) (int, dropshipOrder) {
			t.Helper()
			var o dropshipOrder
			res := loketest.Do(t, "POST", s.URL+"/v1/orders", []byte(fmt.Sprintf(
				`{"product":"HSA5","target":%q,"ref_id":%q,"selling_price":%d,"customer_name":"Budi","customer_phone":"08123456789"}`, target, ref, selling)), auth...)
			if res.Status < 300 {
				if err := jsonUnmarshal(res.Body, &o); err != nil {
					t.Fatal(err)
				}
			}
			return res.Status, o
		}
		get := func(id int64) dropshipOrder {
			t.Helper()
			var o dropshipOrder
			res := loketest.Do(t, "GET", fmt.Sprintf("%s/v1/orders/%d", s.URL, id), nil, auth...)
			if err := jsonUnmarshal(res.Body, &o); err != nil || res.Status != 200 {
				t.Fatalf("get order %d: %d %s", id, res.Status, res.Body)
			}
			return o
		}
		wait := func(id int64, done func(dropshipOrder) bool) dropshipOrder {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for {
				o := get(id)
				if done(o) {
					return o
				}
				if time.Now().After(deadline) {
					t.Fatalf("order %d: %+v", id, o)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		profit := func() int64 { return me(t, r).ProfitBalance }

		// Below the reseller's price: refused. HSA5 costs 5400 at the default level.
		if st, _ := create("low", "081234567890", 5399); st != 422 {
			t.Fatalf("selling below price answered %d", st)
		}
		// 1. Paid -> success -> profit once.
		st, o := create("d1", "081234567890", 7000)
		if st != 201 || o.Mode != "dropship" || o.Status != "pending" || o.Dropship.PaymentStatus != "pending" ||
			o.Dropship.ResellerCost != 5400 || o.Dropship.Profit != 1600 || o.Dropship.Payment.Amount <= 7000 ||
			o.Dropship.Payment.Amount > 7999 || o.Dropship.Payment.QRString == "" || o.Dropship.Payment.InvoiceURL == "" {
			t.Fatalf("create: %d %+v", st, o)
		}
		if st, again := create("d1", "081234567890", 7000); st != 200 || again.ID != o.ID || again.Dropship.Payment.Amount != o.Dropship.Payment.Amount {
			t.Fatalf("repeat: %d %+v", st, again)
		}
		// The customer's page and status, public; a wrong token finds nothing.
		page := loketest.Do(t, "GET", o.Dropship.Payment.InvoiceURL, nil)
		if page.Status != 200 || !strings.Contains(string(page.Body), "Bayar tepat sebesar") || !strings.Contains(string(page.Body), o.Dropship.Payment.QRURL) {
			t.Fatalf("invoice page: %d", page.Status)
		}
		if bad := loketest.Do(t, "GET", o.Dropship.Payment.InvoiceURL+"x", nil); bad.Status != 404 {
			t.Fatalf("wrong token: %d", bad.Status)
		}
		if png := loketest.Do(t, "GET", o.Dropship.Payment.QRURL, nil); png.Status != 200 || png.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("qr: %d", png.Status)
		}
		// The customer's payment is not one of the reseller's deposits: not listed, not
		// cancellable there (the order expires on its own).
		if l := loketest.DoJSON(t, "GET", s.URL+"/v1/deposits", "", auth...); l.Status != 200 || len(l.Body["deposits"].([]any)) != 0 {
			t.Fatalf("deposits list shows the dropship payment: %s", l.Raw)
		}
		depID := strings.Split(strings.TrimPrefix(o.Dropship.Payment.QRURL, s.URL+"/qr/"), "/")[0]
		if c := loketest.DoJSON(t, "POST", s.URL+"/v1/deposits/"+depID+"/cancel", "", auth...); c.Status < 400 {
			t.Fatalf("the reseller cancelled its customer's payment: %s", c.Raw)
		}
		// Paid (reported twice): dispatched, succeeds, profit once.
		var wg sync.WaitGroup
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.Core.Deposits.RecordPayment(ctx, loket.Payment{Source: "test", Ref: "pay-d1", Method: "qris", Amount: loket.Money(o.Dropship.Payment.Amount), Brand: "DANA", PaidAt: time.Now()})
			}()
		}
		wg.Wait()
		done := wait(o.ID, func(o dropshipOrder) bool { return o.Status != "pending" })
		if done.Status != "success" || done.Dropship.PaymentStatus != "settlement" {
			t.Fatalf("after payment: %+v", done)
		}
		if p := profit(); p != 1600 {
			t.Fatalf("profit %d, want 1600", p)
		}
		status := loketest.DoJSON(t, "GET", o.Dropship.Payment.StatusURL, "")
		if status.Body["payment_status"] != "settlement" || status.Body["order_status"] != "success" {
			t.Fatalf("status: %s", status.Raw)
		}

		// 2. Paid -> failed (target ending 2) -> refund owed, not the reseller's balance.
		_, f := create("d2", "081234567892", 6000)
		loketest.Pay(t, s, "qris", loket.Money(f.Dropship.Payment.Amount))
		failed := wait(f.ID, func(o dropshipOrder) bool { return o.Status != "pending" })
		if failed.Status != "failed" || failed.Dropship.RefundStatus != "owed" {
			t.Fatalf("failed dropship: %+v", failed)
		}
		if b, p := me(t, r).Balance, profit(); b != 0 || p != 1600 {
			t.Fatalf("after a failed dropship: balance %d profit %d", b, p)
		}
		owed, err := s.DB.RefundsOwed(ctx, r.ID, 10)
		if err != nil || len(owed) != 1 || owed[0].PaidTotal != loket.Money(f.Dropship.Payment.Amount) {
			t.Fatalf("refunds owed %+v %v", owed, err)
		}
		if _, err := s.Core.Dropship.RefundDropship(ctx, f.ID, "DANA ke 0812… ref 777"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Core.Dropship.RefundDropship(ctx, f.ID, "again"); err != nil {
			t.Fatalf("refund twice: %v", err)
		}
		if got := get(f.ID); got.Dropship.RefundStatus != "refunded" {
			t.Fatalf("after refund: %+v", got)
		}
		// Through the public Go client.
		co, created, err := r.C.CreateOrder(ctx, client.OrderRequest{Product: "HSA5", Target: "081234567894", RefID: "dc1", SellingPrice: 6000, CustomerName: "Ani"})
		if err != nil || !created || co.Mode != "dropship" || co.Dropship == nil || co.Dropship.Profit != 600 || co.Dropship.Payment.Amount <= 6000 {
			t.Fatalf("client dropship: %+v %v", co, err)
		}
		// The operator cannot settle an unpaid order by hand.
		_, u := create("d3", "081234567893", 6000)
		if _, err := s.Core.Orders.SettleByOperator(ctx, u.ID, true, "x", "no"); err == nil {
			t.Fatal("an unpaid dropship order was settled by hand")
		}
		// A second order for the same target while the first waits: refused (anti double-order).
		if st, _ := create("d3b", "081234567893", 6000); st != 409 {
			t.Fatalf("double dropship order answered %d", st)
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestDropshipExpires: an unpaid order expires at no cost: no ledger movement, the
// payment that comes late is kept unmatched for the operator.
func TestDropshipExpires(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := loketest.Start(t, engine)
		loketest.SetupPayments(t, s)
		r := newReseller(t, s, 0)
		auth := []string{"Authorization", "Bearer " + r.Creds.APIKey, "Content-Type", "application/json"}
		res := loketest.DoJSON(t, "POST", s.URL+"/v1/orders", `{"product":"HSA5","target":"081234567890","ref_id":"e1","selling_price":6000}`, auth...)
		if res.Status != 201 {
			t.Fatalf("create: %s", res.Raw)
		}
		id := int64(loketest.Num(t, res.Body, "id"))
		amount := int64(loketest.Num(t, res.Body["dropship"].(map[string]any)["payment"].(map[string]any), "amount"))
		before, err := s.DB.LedgerTotals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Expire it now (as its job does at expires_at).
		if err := s.DB.Direct(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE dropship_orders SET expires_at = 0 WHERE order_id = $1`, id)
			if err == nil {
				_, err = tx.Exec(`UPDATE deposits SET expires_at = 0 WHERE order_id = $1`, id)
			}
			if err == nil {
				_, err = tx.Exec(`UPDATE jobs SET run_at = 0 WHERE key = $1`, store.DropshipJobKey(id))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			o, _ := s.DB.Order(ctx, id, 0)
			if o.Status == "failed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not expired: %+v", o)
			}
			time.Sleep(50 * time.Millisecond)
		}
		d, _ := s.DB.Dropship(ctx, id)
		if d.PaymentStatus != "expired" || d.RefundStatus != "" {
			t.Fatalf("dropship %+v", d)
		}
		// Late payment: kept, unmatched; the order stays failed; nothing moved.
		if dep := loketest.Pay(t, s, "qris", loket.Money(amount)); dep != nil {
			t.Fatalf("a late payment paid %+v", dep)
		}
		after, _ := s.DB.LedgerTotals(ctx)
		after.PaymentSources, before.PaymentSources = 0, 0
		if after != before {
			t.Fatalf("ledger moved: %+v -> %+v", before, after)
		}
		// The same target can be ordered again.
		res = loketest.DoJSON(t, "POST", s.URL+"/v1/orders", `{"product":"HSA5","target":"081234567890","ref_id":"e2","selling_price":6000}`, auth...)
		if res.Status != 201 {
			t.Fatalf("after expiry: %s", res.Raw)
		}
		page := loketest.Do(t, "GET", fmt.Sprintf("%s/pay/%d/nope", s.URL, id), nil)
		body, _ := io.ReadAll(strings.NewReader(string(page.Body)))
		if page.Status != http.StatusNotFound || !strings.Contains(string(body), "tidak ditemukan") {
			t.Fatalf("unknown invoice: %d", page.Status)
		}
		loketest.VerifyLedger(t, s)
	})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// TestDropshipBatchMatcher: the payment sources' batch path (the poller's) funds a
// dropship order instead of crediting a balance, beside ordinary deposits in the same
// batch; repeats in later batches change nothing.
func TestDropshipBatchMatcher(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := loketest.Start(t, engine)
		loketest.SetupPayments(t, s)
		r := newReseller(t, s, 0)
		ra, err := s.DB.ResellerAuthByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		auth := []string{"Authorization", "Bearer " + r.Creds.APIKey, "Content-Type", "application/json"}
		res := loketest.DoJSON(t, "POST", s.URL+"/v1/orders", `{"product":"HSA5","target":"081234567890","ref_id":"b1","selling_price":6500}`, auth...)
		if res.Status != 201 {
			t.Fatalf("create: %s", res.Raw)
		}
		id := int64(loketest.Num(t, res.Body, "id"))
		amount := int64(loketest.Num(t, res.Body["dropship"].(map[string]any)["payment"].(map[string]any), "amount"))
		dep, err := s.Core.Deposits.CreateDeposit(ctx, ra, "qris", 20_000, "api")
		if err != nil {
			t.Fatal(err)
		}
		batch := []loket.Payment{
			{Ref: "bp-1", Method: "qris", Amount: loket.Money(amount), Brand: "OVO", PaidAt: time.Now()},
			{Ref: "bp-2", Method: "qris", Amount: dep.Total, Brand: "DANA", PaidAt: time.Now()},
			{Ref: "bp-3", Method: "qris", Amount: 12_345, Brand: "DANA", PaidAt: time.Now()},
		}
		for i := 0; i < 2; i++ {
			if _, err := s.Core.Deposits.RecordPayments(ctx, "batch", batch); err != nil {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			o, _ := s.DB.Order(ctx, id, 0)
			if o.Status != "pending" {
				if o.Status != "success" {
					t.Fatalf("order %+v", o)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the dropship order was not dispatched")
			}
			time.Sleep(50 * time.Millisecond)
		}
		m := me(t, r)
		if m.Balance != 20_000 || m.ProfitBalance != 6500-5400 {
			t.Fatalf("balance %d profit %d, want 20000 and 1100", m.Balance, m.ProfitBalance)
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestDropshipSellingPrice: selling_price, when sent, makes a dropship order: zero or
// less is refused with a clear error (never read as "not sent", which would charge the
// balance); absent or null, the order is an ordinary one paid from the balance.
func TestDropshipSellingPrice(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		loketest.SetupPayments(t, s)
		const opening = 100_000
		r := newReseller(t, s, opening)
		auth := []string{"Authorization", "Bearer " + r.Creds.APIKey, "Content-Type", "application/json"}
		for _, c := range []struct{ name, extra, msg string }{
			{"negative", `,"selling_price":-7000`, "selling_price must be a positive amount of rupiah, got -7000"},
			{"zero", `,"selling_price":0`, "selling_price must be a positive amount of rupiah, got 0"},
			{"customer without a price", `,"customer_name":"Budi"`, "selling_price is required for a dropship order"},
		} {
			res := raw(t, "POST", s.URL+"/v1/orders", r.Creds.APIKey,
				[]byte(`{"product":"HSA5","target":"081234567890","ref_id":"sp-`+c.name+`"`+c.extra+`}`))
			code, msg, field := res.apiError(t)
			if res.Status != 400 || code != "invalid" || field != "selling_price" || !strings.Contains(msg, c.msg) {
				t.Errorf("%s: %d %s %s %q, want 400 invalid selling_price %q", c.name, res.Status, code, field, msg, c.msg)
			}
		}
		if n := orderCount(t, s, r.ID); n != 0 {
			t.Fatalf("%d orders after refused requests", n)
		}
		for i, extra := range []string{``, `,"selling_price":null`} {
			res := loketest.DoJSON(t, "POST", s.URL+"/v1/orders",
				fmt.Sprintf(`{"product":"HSA5","target":"08123456789%d","ref_id":"sp-saldo-%d"%s}`, i, i, extra), auth...)
			if res.Status != 201 || res.Body["mode"] != "saldo" || res.Body["dropship"] != nil {
				t.Errorf("selling_price %q: %d %s, want an ordinary order", extra, res.Status, res.Raw)
			}
		}
		if got := me(t, r).Balance; got != opening-2*productPrice(t, s, "HSA5") {
			t.Errorf("balance %d after two ordinary orders, want %d", got, opening-2*productPrice(t, s, "HSA5"))
		}
		loketest.VerifyLedger(t, s)
	})
}
