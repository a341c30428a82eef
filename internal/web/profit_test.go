package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store"
)

// TestProfitPages: a reseller with profit asks for a withdrawal and moves profit into
// its balance from the dashboard (a double submit moves money once); the operator
// approves one withdrawal and rejects another; the books verify.
func TestProfitPages(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := loketest.Start(t, engine)
		addAdmin(t, s, "boss", "admin-password-1")
		r := addReseller(t, s, 0, "reseller-pass-1")
		ra, err := s.DB.ResellerAuthByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		adj, _ := s.DB.EnsureAccount(ctx, store.AccAdjustments, store.KindAdjustments)
		if err := s.DB.Direct(ctx, func(tx *store.Tx) error {
			_, err := tx.Transfer("web-profit", store.TransferAdjustment, nil, "profit for the test",
				[]store.Leg{{Account: ra.ProfitAccountID, Amount: 60_000}, {Account: adj, Amount: -60_000}}, ra.ProfitAccountID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		rb := newBrowser(t, s)

		if st, body := rb.login("reseller", r.Username, "reseller-pass-1"); st >= 400 {
			t.Fatalf("login: %d %.500s", st, body)
		}
		st, body := rb.get("/app/profit")
		must(t, st, body, 200, "Rp 60.000", "Tarik profit")
		key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(body)[1]
		form := url.Values{"key": {key}, "amount": {"25.000"}, "method": {"dana"}, "account_no": {"0812 3456 7890"}, "account_name": {"Budi"}}
		csrf := rb.csrf()
		for i := 0; i < 2; i++ { // a double submit
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("csrf", csrf)
			rb.post("/app/profit/withdraw", f)
		}
		st, body = rb.get("/app/profit")
		must(t, st, body, 200, "Rp 35.000", "DANA", ">Proses<")
		// Too much, and bad input, are refused with a message; nothing moves.
		rb.post("/app/profit/withdraw", url.Values{"key": {"WEBX"}, "amount": {"999999"}, "method": {"BCA"}, "account_no": {"123456"}, "account_name": {"B"}})
		st, body = rb.get("/app/profit")
		must(t, st, body, 200, "Rp 35.000")
		rb.post("/app/profit/move", url.Values{"key": {"WEBM1"}, "amount": {"5000"}})
		rb.get("/app/profit")
		rb.post("/app/profit/move", url.Values{"key": {"WEBM1"}, "amount": {"5000"}})
		if m, _ := s.DB.Reseller(ctx, r.ID, ""); m.ProfitBalance != 30_000 || m.Balance != 5_000 {
			t.Fatalf("profit %d balance %d, want 30000 and 5000", m.ProfitBalance, m.Balance)
		}
		// A second withdrawal, to reject.
		rb.get("/app/profit")
		key2 := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(rb.last)[1]
		rb.post("/app/profit/withdraw", url.Values{"key": {key2}, "amount": {"10000"}, "method": {"BCA"}, "account_no": {"1234567890"}, "account_name": {"Budi"}})

		ws, err := s.DB.Withdrawals(ctx, loket.WithdrawalFilter{ResellerID: r.ID})
		if err != nil || len(ws) != 2 {
			t.Fatalf("withdrawals %+v %v", ws, err)
		}
		ob := newBrowser(t, s)
		ob.login("admin", "boss", "admin-password-1")
		st, body = ob.get("/admin/withdrawals")
		must(t, st, body, 200, "Rp 25.000", "Rp 10.000", r.Username)
		ob.post("/admin/withdrawals/"+itoa(ws[1].ID), url.Values{"decision": {"approve"}, "note": {"DANA ref 123"}})
		ob.get("/admin/withdrawals")
		ob.post("/admin/withdrawals/"+itoa(ws[0].ID), url.Values{"decision": {"reject"}, "note": {"rekening salah"}})
		st, body = ob.get("/admin/withdrawals")
		must(t, st, body, 200, ">Disetujui<", ">Ditolak<")
		// A dropship order's page shows its payment.
		loketest.SetupPayments(t, s)
		o, _, _, err := s.Core.Dropship.CreateDropshipOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "web-ds"},
			loket.DropshipRequest{SellingPrice: 7000, CustomerName: "Siti"})
		if err != nil {
			t.Fatal(err)
		}
		st, body = ob.get("/admin/orders/" + itoa(o.ID))
		must(t, st, body, 200, "Dropship", "Siti", "Rp 7.000")
		if strings.Contains(body, `name="outcome"`) {
			t.Fatal("an unpaid dropship order offers settlement by hand")
		}
		if m, _ := s.DB.Reseller(ctx, r.ID, ""); m.ProfitBalance != 30_000 {
			t.Fatalf("profit %d after one approval and one rejection, want 30000", m.ProfitBalance)
		}
		loketest.VerifyLedger(t, s)
	})
}
