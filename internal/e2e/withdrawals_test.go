package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store"
)

// TestWithdrawalsAPI: a reseller with a profit balance asks for withdrawals over the
// native API, many at once: never more than the profit is taken; a repeated key gives
// the same withdrawal; the operator approves one and rejects another; profit moves into
// the balance once per key; bad requests get the error JSON and move nothing.
func TestWithdrawalsAPI(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := loketest.Start(t, engine)
		r := newReseller(t, s, 0)
		ra, err := s.DB.ResellerAuthByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		adj, _ := s.DB.EnsureAccount(ctx, store.AccAdjustments, store.KindAdjustments)
		if err := s.DB.Direct(ctx, func(tx *store.Tx) error {
			_, err := tx.Transfer("test-profit", store.TransferAdjustment, nil, "profit for the test",
				[]store.Leg{{Account: ra.ProfitAccountID, Amount: 100_000}, {Account: adj, Amount: -100_000}}, ra.ProfitAccountID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		auth := []string{"Authorization", "Bearer " + r.Creds.APIKey, "Content-Type", "application/json"}
		post := func(path, body string) loketest.JSON {
			return loketest.DoJSON(t, "POST", s.URL+path, body, auth...)
		}
		body := func(key string, amount int) string {
			return fmt.Sprintf(`{"key":%q,"amount":%d,"method":"bca","account_no":"123 456 7890","account_name":"Budi  Santoso"}`, key, amount)
		}
		// 15 requests of 15,000 at once against 100,000: 6 accepted.
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for i := 0; i < 15; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				res := post("/v1/withdrawals", body(fmt.Sprint("k", i), 15_000))
				mu.Lock()
				codes[res.Status]++
				mu.Unlock()
			}(i)
		}
		wg.Wait()
		if codes[201] != 6 || codes[402]+codes[409]+codes[400] != 9 {
			t.Fatalf("answers %v, want 6 created", codes)
		}
		if p := me(t, r).ProfitBalance; p != 10_000 {
			t.Fatalf("profit %d, want 10000", p)
		}
		// The same key again: the same withdrawal, 200.
		again := post("/v1/withdrawals", body("k0", 15_000))
		if again.Status != 200 && again.Status != 402 {
			t.Fatalf("repeat: %d %s", again.Status, again.Raw)
		}
		list := loketest.DoJSON(t, "GET", s.URL+"/v1/withdrawals", "", auth...)
		ws, _ := list.Body["withdrawals"].([]any)
		if list.Status != 200 || len(ws) != 6 {
			t.Fatalf("list: %d, %d withdrawals", list.Status, len(ws))
		}
		first := ws[0].(map[string]any)
		if first["method"] != "BCA" || first["account_name"] != "Budi Santoso" || first["status"] != "pending" {
			t.Fatalf("withdrawal %v", first)
		}
		// Bad input.
		for _, b := range []string{
			body("", 15_000), body("x", 9_999), body("y", -1),
			`{"key":"z","amount":15000,"method":"","account_no":"1234567","account_name":"B"}`,
			`{"key":"z","amount":15000,"method":"BCA","account_no":"12ab","account_name":"B"}`,
			`{"key":"z","amount":15000,"method":"BCA","account_no":"1234567","account_name":""}`,
			`{"key":"z","amount":"lots"}`, `not json`,
		} {
			res := post("/v1/withdrawals", b)
			if res.Status != 400 || res.Body["error"] == nil {
				t.Errorf("%s: %d %s", b, res.Status, res.Raw)
			}
		}
		// The operator decides.
		id := int64(loketest.Num(t, first, "id"))
		if _, err := s.Core.Dropship.DecideWithdrawal(ctx, id, true, ""); err == nil {
			t.Fatal("approved without a note")
		}
		if w, err := s.Core.Dropship.DecideWithdrawal(ctx, id, true, "BCA ref 12345"); err != nil || w.Status != "approved" {
			t.Fatalf("approve: %+v %v", w, err)
		}
		second := int64(loketest.Num(t, ws[1].(map[string]any), "id"))
		if _, err := s.Core.Dropship.DecideWithdrawal(ctx, second, false, "rekening tidak valid"); err != nil {
			t.Fatal(err)
		}
		if p := me(t, r).ProfitBalance; p != 25_000 {
			t.Fatalf("profit %d after a rejection, want 25000", p)
		}
		// Profit into the balance.
		mv := post("/v1/profit/move", `{"key":"m1","amount":20000}`)
		if mv.Status != 200 || mv.Body["moved"] != true || loketest.Num(t, mv.Body, "balance") != 20_000 || loketest.Num(t, mv.Body, "profit_balance") != 5_000 {
			t.Fatalf("move: %s", mv.Raw)
		}
		if mv := post("/v1/profit/move", `{"key":"m1","amount":20000}`); mv.Body["moved"] != false {
			t.Fatalf("move again: %s", mv.Raw)
		}
		if mv := post("/v1/profit/move", `{"key":"m2","amount":5001}`); mv.Status != 402 {
			t.Fatalf("move beyond the profit: %d %s", mv.Status, mv.Raw)
		}
		// The same through the public Go client.
		if got, err := r.C.Withdrawals(ctx); err != nil || len(got) != 6 || got[0].Status != "pending" && got[0].Status != "approved" && got[0].Status != "rejected" {
			t.Fatalf("client withdrawals: %+v %v", got, err)
		}
		if moved, bal, prof, err := r.C.MoveProfit(ctx, "m3", 1000); err != nil || !moved || bal != 21_000 || prof != 4_000 {
			t.Fatalf("client move: %v %d %d %v", moved, bal, prof, err)
		}
		if _, _, err := r.C.RequestWithdrawal(ctx, client.WithdrawalRequest{Key: "c1", Amount: 10_000, Method: "BCA", AccountNo: "1234567", AccountName: "B"}); err == nil {
			t.Fatal("a withdrawal beyond the profit was accepted")
		}
		loketest.VerifyLedger(t, s)
	})
}
