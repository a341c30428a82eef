package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestNetworkAPI: over the native API and the Go client, a master creates a downline
// with an opening balance and a markup; the downline buys at the marked-up price with
// the key it was given; the master's downlines and report show the sale and the
// commission; balance moves down and up once per key; a move back of more than the
// downline has, a downline of someone else and bad input are refused.
func TestNetworkAPI(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := loketest.Start(t, engine)
		master := newReseller(t, s, 1_000_000)
		other := newReseller(t, s, 100_000)

		created, err := master.C.CreateDownline(ctx, client.DownlineRequest{Username: loketest.Username("agen"), Name: "Agen Satu",
			Password: "rahasia123", MarkupBP: 1000, MarkupFlat: 100, Opening: 200_000})
		if err != nil {
			t.Fatal(err)
		}
		d := created.Downline
		if created.APIKey == "" || created.SecretKey == "" || d.ID == 0 || d.Balance != 200_000 || d.MarkupBP != 1000 ||
			d.MarkupFlat != 100 || d.UplineID != master.ID || d.Status != "active" || d.Depth != 1 {
			t.Fatalf("created %+v", created)
		}
		if b := me(t, master).Balance; b != 800_000 {
			t.Fatalf("master's balance %d after the opening balance, want 800000", b)
		}

		// The downline buys with its own key at the master's price plus the markup.
		dc := client.New(s.URL, created.APIKey)
		dc.HTTP = &http.Client{Timeout: 20 * time.Second}
		mp, err := master.C.Product(ctx, "HSA5")
		if err != nil {
			t.Fatal(err)
		}
		want := int64(loket.Money(mp.Price).PlusBP(1000)) + 100
		o, _, err := dc.CreateOrder(ctx, client.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "net-1"})
		if err != nil {
			t.Fatal(err)
		}
		if o.Price != want {
			t.Fatalf("downline's price %d, want %d (master's %d + 10%% + 100)", o.Price, want, mp.Price)
		}
		if o = waitOrder(t, dc, o.ID, 10*time.Second); o.Status != client.StatusSuccess {
			t.Fatalf("order %+v", o)
		}
		commission := want - mp.Price
		var rep *client.NetworkReport
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(25 * time.Millisecond) {
			if rep, err = master.C.NetworkReport(ctx); err != nil {
				t.Fatal(err)
			}
			if rep.ProfitBalance == commission || time.Now().After(deadline) {
				break
			}
		}
		if rep.Downlines != 1 || rep.Active != 1 || rep.Orders != 1 || rep.Sales != want || rep.Commission != commission ||
			rep.ProfitBalance != commission || rep.Balance != 800_000 {
			t.Fatalf("report %+v, want one sale of %d and commission %d", rep, want, commission)
		}
		ds, err := master.C.Downlines(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || ds[0].ID != d.ID || ds[0].Orders != 1 || ds[0].Sales != want || ds[0].Commission != commission ||
			ds[0].Balance != 200_000-want {
			t.Fatalf("downlines %+v", ds)
		}
		if ds, err := other.C.Downlines(ctx); err != nil || len(ds) != 0 {
			t.Fatalf("another reseller's downlines: %v %v", ds, err)
		}

		// Markup per product, and the status.
		md, err := master.C.SetDownlineMarkup(ctx, d.ID, client.MarkupRequest{Scope: client.ScopeProduct, Code: "HSA5", MarkupBP: 0, MarkupFlat: 500})
		if err != nil || md.ID != d.ID {
			t.Fatalf("markup: %+v %v", md, err)
		}
		o2, _, err := dc.CreateOrder(ctx, client.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "net-2"})
		if err != nil {
			t.Fatal(err)
		}
		if o2.Price != mp.Price+500 {
			t.Fatalf("price with the product's markup %d, want %d", o2.Price, mp.Price+500)
		}
		waitOrder(t, dc, o2.ID, 10*time.Second)
		// Listed by code; another's not; deleted, the price falls back to the markup over everything.
		ms, err := master.C.DownlineMarkups(ctx, d.ID)
		if err != nil || len(ms) != 2 || ms[0] != (client.DownlineMarkup{Scope: client.ScopeAll, MarkupBP: 1000, MarkupFlat: 100}) ||
			ms[1] != (client.DownlineMarkup{Scope: client.ScopeProduct, Code: "HSA5", MarkupFlat: 500}) {
			t.Fatalf("markups %+v %v", ms, err)
		}
		_, err = other.C.DownlineMarkups(ctx, d.ID)
		wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound)
		_, err = other.C.DeleteDownlineMarkup(ctx, d.ID, client.ScopeProduct, "HSA5")
		wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound)
		_, err = master.C.DeleteDownlineMarkup(ctx, d.ID, client.ScopeAll, "x")
		wantAPIError(t, err, http.StatusBadRequest, client.CodeInvalid)
		if ms, err = master.C.DeleteDownlineMarkup(ctx, d.ID, client.ScopeProduct, "HSA5"); err != nil || len(ms) != 1 || ms[0].Scope != client.ScopeAll {
			t.Fatalf("markups left %+v %v", ms, err)
		}
		_, err = master.C.DeleteDownlineMarkup(ctx, d.ID, client.ScopeProduct, "HSA5")
		wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound)
		if p, err := dc.Product(ctx, "HSA5"); err != nil || p.Price != want {
			t.Fatalf("price after the product's markup is deleted: %+v %v, want %d", p, err, want)
		}
		if sd, err := master.C.SetDownlineStatus(ctx, d.ID, "suspended"); err != nil || sd.Status != "suspended" {
			t.Fatalf("suspend: %+v %v", sd, err)
		}
		_, err = dc.Me(ctx)
		wantAPIError(t, err, http.StatusForbidden, client.CodeForbidden)
		if sd, err := master.C.SetDownlineStatus(ctx, d.ID, "active"); err != nil || sd.Status != "active" {
			t.Fatalf("reactivate: %+v %v", sd, err)
		}
		if _, err := dc.Me(ctx); err != nil {
			t.Fatal(err)
		}

		// Moves: the same key twice moves once.
		before := me(t, master).Balance
		dBefore, err := dc.Me(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			tr, err := master.C.MoveBalance(ctx, client.TransferRequest{DownlineID: d.ID, Amount: 50_000, Direction: "down", Key: "top-up-1", Note: "modal"})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Balance != before-50_000 || tr.DownlineBalance != dBefore.Balance+50_000 {
				t.Fatalf("after the move down %+v, want %d and %d", tr, before-50_000, dBefore.Balance+50_000)
			}
		}
		for range 2 {
			tr, err := master.C.MoveBalance(ctx, client.TransferRequest{DownlineID: d.ID, Amount: 20_000, Direction: "up", Key: "back-1"})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Balance != before-30_000 || tr.DownlineBalance != dBefore.Balance+30_000 {
				t.Fatalf("after the move up %+v, want %d and %d", tr, before-30_000, dBefore.Balance+30_000)
			}
		}
		_, err = master.C.MoveBalance(ctx, client.TransferRequest{DownlineID: d.ID, Amount: dBefore.Balance + 30_001, Direction: "up", Key: "too-much"})
		wantAPIError(t, err, http.StatusPaymentRequired, client.CodeInsufficientBalance)
		_, err = master.C.CreateDownline(ctx, client.DownlineRequest{Username: loketest.Username("mahal"), Opening: 100_000_000})
		wantAPIError(t, err, http.StatusPaymentRequired, client.CodeInsufficientBalance)

		// Deeper than the operator allows: limit.
		if err := s.Core.Network.SetLimits(ctx, loket.NetworkLimits{MaxDepth: 1, MaxMarkupBP: 5000, MaxMarkupFlat: 10_000}); err != nil {
			t.Fatal(err)
		}
		_, err = dc.CreateDownline(ctx, client.DownlineRequest{Username: loketest.Username("sub")})
		wantAPIError(t, err, http.StatusConflict, loket.ELIMIT)
		_, err = master.C.CreateDownline(ctx, client.DownlineRequest{Username: created.Downline.Username})
		wantAPIError(t, err, http.StatusConflict, client.CodeConflict)

		// Not yours: not found, whoever it is.
		_, err = other.C.MoveBalance(ctx, client.TransferRequest{DownlineID: d.ID, Amount: 1, Direction: "up", Key: "steal"})
		wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound)
		_, err = other.C.SetDownlineMarkup(ctx, d.ID, client.MarkupRequest{Scope: client.ScopeAll, MarkupBP: 10})
		wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound)
		_, err = other.C.SetDownlineStatus(ctx, d.ID, "suspended")
		wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound)
		_, err = master.C.SetDownlineStatus(ctx, other.ID, "suspended")
		wantAPIError(t, err, http.StatusNotFound, client.CodeNotFound)

		// Bad input: 400 naming the field.
		for _, c := range []struct{ method, path, body, field string }{
			{"POST", "/v1/network/transfers", fmt.Sprintf(`{"downline_id":%d,"amount":1,"direction":"down","key":"k","notes":"x"}`, d.ID), "notes"},
			{"POST", "/v1/network/transfers", fmt.Sprintf(`{"downline_id":%d,"amount":-5,"direction":"down","key":"k"}`, d.ID), "amount"},
			{"POST", "/v1/network/transfers", fmt.Sprintf(`{"downline_id":%d,"amount":5,"direction":"down"}`, d.ID), "key"},
			{"POST", "/v1/network/transfers", fmt.Sprintf(`{"downline_id":%d,"amount":5,"direction":"sideways","key":"k"}`, d.ID), "direction"},
			{"POST", "/v1/network/downlines", `{"username":"x1","markup_bp":-1}`, "markup_bp"},
			{"POST", "/v1/network/downlines", `{"username":"x2","opening_balance":-1}`, "opening_balance"},
			{"POST", "/v1/network/downlines", `{"username":"x3","markup":5}`, "markup"},
			{"PUT", fmt.Sprintf("/v1/network/downlines/%d/markup", d.ID), `{"scope":"everything"}`, "scope"},
			{"POST", fmt.Sprintf("/v1/network/downlines/%d/status", d.ID), `{"status":"gone"}`, "status"},
		} {
			res := raw(t, c.method, s.URL+c.path, master.Creds.APIKey, []byte(c.body))
			code, msg, field := res.apiError(t)
			if res.Status != http.StatusBadRequest || field != c.field {
				t.Errorf("%s %s %s: %d %s %q field %q, want 400 naming %s", c.method, c.path, c.body, res.Status, code, msg, field, c.field)
			}
		}
		if b := me(t, master).Balance; b != before-30_000 {
			t.Fatalf("master's balance %d after refused moves, want %d", b, before-30_000)
		}
		loketest.VerifyLedger(t, s)
	})
}
