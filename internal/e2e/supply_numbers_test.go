package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store"
)

// TestLoketBuysNumbersFromLoket: Loket A rents virtual numbers from Loket B over seed
// 000's protocol (A's warungnokos adapter, B's /compat/warungnokos). A's catalog sync
// takes B's price list as a route ahead of A's own simulator; A's reseller orders
// through A's seed 000 surface; the code B's simulator receives reaches A's reseller,
// a resend brings a second, done charges once on both sides; a cancel is refunded on
// both sides. Both ledgers verify.
func TestLoketBuysNumbersFromLoket(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		b := loketest.Start(t, engine, "--vn-poll=100ms")
		a := loketest.Start(t, engine, "--vn-poll=100ms", "--supplier-timeout=3s")
		acct := loketest.NewReseller(t, b, 100_000) // A's account at B
		var sid int64
		if err := a.DB.Direct(ctx, func(tx *store.Tx) error {
			var err error
			sid, err = tx.UpsertSupplier(loket.Supplier{Name: "nokos", Kind: "warungnokos", BaseURL: b.URL + "/compat/warungnokos",
				APIKey: acct.Creds.APIKey, Enabled: true})
			if err != nil {
				return err
			}
			return tx.BumpCatalog()
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.DB.EnsureAccount(ctx, store.SupplierAccount(sid), store.KindSupplierPayable); err != nil {
			t.Fatal(err)
		}
		if err := a.Core.Catalog.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if err := a.Core.Numbers.SyncVNCatalog(ctx); err != nil {
			t.Fatalf("sync: %v", err)
		}

		buyer := loketest.NewReseller(t, a, 50_000)
		key := []string{"x-api-key", buyer.Creds.APIKey, "Content-Type", "application/json"}
		api := a.URL + "/compat/warungnokos/api/"
		order := func() string {
			t.Helper()
			res := loketest.DoJSON(t, "POST", api+"otp/order", `{"number_id":"340437","provider_id":"3837","operator_id":"any","price_jual":3500,"service_name":"WhatsApp"}`, key...)
			if res.Status != 200 || res.Body["success"] != true {
				t.Fatalf("otp/order: %d %s", res.Status, res.Raw)
			}
			data := res.Body["data"].(map[string]any)
			if data["status"] != "waiting" || loketest.Str(t, data, "phoneNumber") == "" {
				t.Fatalf("otp/order data %v", data)
			}
			return loketest.Str(t, data, "trxId")
		}
		status := func(trx string) (string, string) {
			t.Helper()
			res := loketest.DoJSON(t, "GET", api+"otp/status/"+trx, "", key...)
			if res.Status != 200 {
				t.Fatalf("otp/status: %d %s", res.Status, res.Raw)
			}
			code, _ := res.Body["otp_code"].(string)
			return res.Body["status"].(string), code
		}
		waitCode := func(trx, not string) string {
			t.Helper()
			deadline := time.Now().Add(15 * time.Second)
			for {
				st, code := status(trx)
				if st == "completed" && code != "" && code != not {
					return code
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: no new code (status %s, code %q)", trx, st, code)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		setStatus := func(trx, action string) loketest.JSON {
			return loketest.DoJSON(t, "POST", api+"otp/set_status", fmt.Sprintf(`{"trxId":%q,"action_status":%q}`, trx, action), key...)
		}

		// One number: code, resend, second code, done.
		trx := order()
		first := waitCode(trx, "")
		if r := setStatus(trx, "resend"); r.Status != 200 {
			t.Fatalf("resend: %s", r.Raw)
		}
		second := waitCode(trx, first)
		if second == first || len(second) != 6 {
			t.Fatalf("codes %q then %q", first, second)
		}
		if r := setStatus(trx, "done"); r.Status != 200 {
			t.Fatalf("done: %s", r.Raw)
		}
		acts, err := a.DB.ListActivations(ctx, loket.ActivationFilter{ResellerID: buyer.ID, Limit: 10})
		if err != nil || len(acts) != 1 {
			t.Fatalf("activations %v %v", acts, err)
		}
		if acts[0].SupplierID != sid {
			t.Fatalf("activation served by supplier %d, want Loket B (%d)", acts[0].SupplierID, sid)
		}
		price := acts[0].Price
		// B charged A's account for exactly one number, and its record agrees.
		bActs, err := b.DB.ListActivations(ctx, loket.ActivationFilter{ResellerID: acct.ID, Limit: 10})
		if err != nil || len(bActs) != 1 {
			t.Fatalf("B has %d activations of A's account (%v), want 1", len(bActs), err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for bActs[0].State != "done" {
			if time.Now().After(deadline) {
				t.Fatalf("B's activation %s, want done", bActs[0].State)
			}
			time.Sleep(100 * time.Millisecond)
			bActs, _ = b.DB.ListActivations(ctx, loket.ActivationFilter{ResellerID: acct.ID, Limit: 10})
		}
		if bal := loketest.Balance(t, b, acct.ID); bal != 100_000-bActs[0].Price {
			t.Fatalf("A's account at B: %d, want %d", bal, 100_000-bActs[0].Price)
		}
		if bal := loketest.Balance(t, a, buyer.ID); bal != 50_000-price {
			t.Fatalf("A's reseller: %d, want %d", bal, 50_000-price)
		}

		// A second number, cancelled before its code: refunded on both sides. (The
		// simulator's code may win the race; then the cancel is refused, as the seed does.)
		trx2 := order()
		r := setStatus(trx2, "cancel")
		if r.Status == 200 {
			if st, _ := status(trx2); st != "canceled" {
				t.Fatalf("after cancel: %s", st)
			}
			if bal := loketest.Balance(t, a, buyer.ID); bal != 50_000-price {
				t.Fatalf("A's reseller after the cancel: %d, want %d", bal, 50_000-price)
			}
			deadline := time.Now().Add(10 * time.Second)
			for loketest.Balance(t, b, acct.ID) != 100_000-bActs[0].Price {
				if time.Now().After(deadline) {
					t.Fatalf("B did not refund A's cancelled number: %d", loketest.Balance(t, b, acct.ID))
				}
				time.Sleep(100 * time.Millisecond)
			}
		} else if !strings.Contains(r.Raw, "false") {
			t.Fatalf("cancel: %d %s", r.Status, r.Raw)
		}
		// Nothing A's reseller saw names B.
		for _, s := range []string{r.Raw} {
			if strings.Contains(strings.ToLower(s), "nokos") || strings.Contains(s, b.URL) {
				t.Fatalf("the answer names the supplier: %s", s)
			}
		}
		loketest.VerifyLedger(t, a)
		loketest.VerifyLedger(t, b)
	})
}
