package network_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

// tree makes the operator's reseller m (with a balance), its downline d1 and d1's
// downline d2.
func tree(t *testing.T, c *server.Core) (m, d1, d2 *loket.ResellerAuth) {
	t.Helper()
	ctx := context.Background()
	m = loketest.Buyer(t, c, "master", 10_000_000)
	mk := func(name string, up *loket.ResellerAuth) *loket.ResellerAuth {
		r, _, err := c.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: name, Upline: up.ID, Level: up.Level})
		if err != nil {
			t.Fatal(err)
		}
		ra, err := c.Resellers.AuthByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ra.UplineID != up.ID {
			t.Fatalf("%s's upline %d, want %d", name, ra.UplineID, up.ID)
		}
		return ra
	}
	d1 = mk("agen", m)
	d2 = mk("subagen", d1)
	return m, d1, d2
}

func waitStatus(t *testing.T, c *server.Core, o *loket.Order, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := c.Orders.Order(context.Background(), 0, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %d is %s, want %s", o.ID, got.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func profit(t *testing.T, c *server.Core, id int64) loket.Money {
	t.Helper()
	r, err := c.Resellers.Reseller(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	return r.ProfitBalance
}

func balance(t *testing.T, c *server.Core, id int64) loket.Money {
	t.Helper()
	r, err := c.Resellers.Reseller(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	return r.Balance
}

// verify checks the ledger in full, recording a checkpoint, and from that checkpoint
// (which covers nothing younger than its margin, so here the verify from it checks
// every order through its own queries: the commissions it finds must be the full
// verify's).
func verify(t *testing.T, c *server.Core) {
	t.Helper()
	for try := 0; ; try++ {
		r, err := c.DB.VerifyLedger(context.Background(), store.VerifyOptions{Checkpoint: true})
		if err != nil {
			t.Fatal(err)
		}
		v := r.Violations
		if len(v) == 0 {
			if v, err = verifySince(c); err != nil || len(v) != 0 {
				t.Fatalf("from the checkpoint: %+v %v", v, err)
			}
			return
		}
		if try == 5 {
			t.Fatalf("ledger: %+v", v)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func verifySince(c *server.Core) ([]loket.Violation, error) {
	r, err := c.DB.VerifyLedger(context.Background(), store.VerifyOptions{SinceCheckpoint: true})
	return r.Violations, err
}

// A downline two levels down pays the master's price plus each upline's markup; on
// success each upline's commission is in its profit balance, on failure nothing moves;
// balance moves down and back up once per key, never below zero; ledger verify holds.
func TestDownlinePricesAndCommissions(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		m, d1, d2 := tree(t, c)
		if err := c.Network.SetMarkup(ctx, m, d1.ID, loket.ScopeAll, "", 1000, 0); err != nil { // 10%
			t.Fatal(err)
		}
		if err := c.Network.SetMarkup(ctx, d1, d2.ID, loket.ScopeAll, "", 0, 200); err != nil {
			t.Fatal(err)
		}
		if err := c.Network.SetMarkup(ctx, d1, m.ID, loket.ScopeAll, "", 0, 200); loket.ErrorCode(err) != loket.ENOTFOUND {
			t.Fatalf("a markup for one's upline: %v", err)
		}
		if err := c.Network.SetMarkup(ctx, m, d1.ID, loket.ScopeAll, "", 9000, 0); loket.ErrorCode(err) != loket.EINVALID {
			t.Fatalf("a markup over the limit: %v", err)
		}
		for _, mv := range []struct {
			from *loket.ResellerAuth
			to   int64
			amt  loket.Money
		}{{m, d1.ID, 500_000}, {d1, d2.ID, 200_000}} {
			if err := c.Network.Move(ctx, mv.from, mv.to, mv.amt, false, "open", "modal awal"); err != nil {
				t.Fatal(err)
			}
			if err := c.Network.Move(ctx, mv.from, mv.to, mv.amt, false, "open", "modal awal"); err != nil { // the same key: once
				t.Fatal(err)
			}
			if err := c.Network.Move(ctx, mv.from, mv.to, mv.amt+1, false, "open", ""); loket.ErrorCode(err) != loket.ECONFLICT {
				t.Fatalf("the key of another move: %v", err)
			}
		}
		if err := c.Network.Move(ctx, d1, d2.ID, 999_999, true, "take", ""); loket.ErrorCode(err) != loket.EINSUFFICIENT {
			t.Fatalf("taking back more than the downline has: %v", err)
		}
		if b := balance(t, c, d2.ID); b != 200_000 {
			t.Fatalf("d2 balance %d", b)
		}
		base, err := c.Catalog.Product("HSA5", m.Level)
		if err != nil {
			t.Fatal(err)
		}
		p1 := base.Price.PlusBP(1000)
		p2 := p1 + 200
		// Its price list says the same price as the order charges.
		if p, err := c.Network.Product(ctx, d2, "HSA5"); err != nil || p.Price != p2 {
			t.Fatalf("d2's price list: %v %v, want %d", p, err, p2)
		}
		ps, err := c.Network.Products(ctx, d2)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Code == "HSA5" && p.Price != p2 {
				t.Fatalf("d2's list prices HSA5 at %d, want %d", p.Price, p2)
			}
		}
		o, _, err := c.Orders.CreateOrder(ctx, d2, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "d2-1"})
		if err != nil {
			t.Fatal(err)
		}
		if o.Price != p2 || o.Commission != p2-base.Price {
			t.Fatalf("d2 pays %d (commission %d), want %d (%d)", o.Price, o.Commission, p2, p2-base.Price)
		}
		waitStatus(t, c, o, loket.StatusSuccess)
		if got := profit(t, c, d1.ID); got != 200 {
			t.Fatalf("d1's commission %d, want 200", got)
		}
		if got := profit(t, c, m.ID); got != p1-base.Price {
			t.Fatalf("m's commission %d, want %d", got, p1-base.Price)
		}
		// A failed order: its price comes back, nobody earns.
		f, _, err := c.Orders.CreateOrder(ctx, d2, loket.OrderRequest{Product: "HSA5", Target: "081234567892", RefID: "d2-2"})
		if err != nil {
			t.Fatal(err)
		}
		waitStatus(t, c, f, loket.StatusFailed)
		if got := profit(t, c, d1.ID); got != 200 {
			t.Fatalf("d1's commission after a failure %d", got)
		}
		if b := balance(t, c, d2.ID); b != 200_000-p2 {
			t.Fatalf("d2 balance %d, want %d", b, 200_000-p2)
		}
		verify(t, c)
		// ledger verify sees a commission that does not match its order.
		if _, err := c.DB.W.ExecContext(ctx, `UPDATE order_commissions SET amount = amount + 1 WHERE order_id = $1 AND level = 1`, o.ID); err != nil {
			t.Fatal(err)
		}
		v, err := c.DB.Verify(ctx)
		if err != nil || len(v) != 1 || v[0].Invariant != "commissions match their orders" {
			t.Fatalf("a tampered commission: %+v %v", v, err)
		}
		if v, err := verifySince(c); err != nil || len(v) != 1 || v[0].Invariant != "commissions match their orders" {
			t.Fatalf("a tampered commission, from the checkpoint: %+v %v", v, err)
		}
	})
}

// Three levels buying at once while the middle moves balance and changes its markup:
// every order's commissions match what its buyer paid, and the books balance.
func TestDownlinesConcurrent(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		m, d1, d2 := tree(t, c)
		if err := c.Network.Move(ctx, m, d1.ID, 3_000_000, false, "open", ""); err != nil {
			t.Fatal(err)
		}
		if err := c.Network.Move(ctx, d1, d2.ID, 1_000_000, false, "open", ""); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, r := range []*loket.ResellerAuth{m, d1, d2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 30 {
					target := fmt.Sprintf("08123%06d%d", i, []int{0, 2, 3}[i%3]) // success, failure, later success
					if _, _, err := c.Orders.CreateOrder(ctx, r, loket.OrderRequest{Product: "HSA5", Target: target, RefID: fmt.Sprint(r.ID, "-", i)}); err != nil &&
						loket.ErrorCode(err) != loket.EINSUFFICIENT {
						t.Error(err)
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				if err := c.Network.SetMarkup(ctx, d1, d2.ID, loket.ScopeAll, "", int64(i*10), loket.Money(i)); err != nil {
					t.Error(err)
				}
				if err := c.Network.Move(ctx, d1, d2.ID, 1000, i%2 == 0, fmt.Sprint("mv", i), ""); err != nil && loket.ErrorCode(err) != loket.EINSUFFICIENT {
					t.Error(err)
				}
			}
		}()
		wg.Wait()
		deadline := time.Now().Add(20 * time.Second)
		for {
			pending, err := c.Orders.Orders(ctx, loket.OrderFilter{Status: loket.StatusPending, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(pending) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("orders still pending")
			}
			time.Sleep(100 * time.Millisecond)
		}
		verify(t, c)
		if profit(t, c, d1.ID) == 0 && profit(t, c, m.ID) == 0 {
			t.Fatal("no commission earned")
		}
	})
}

// An upline makes a downline with a markup and an opening balance moved from its own;
// the depth limit refuses one level too deep; the upline sees its downlines' balance,
// sales and the commission it earned on them; the operator sees the tree.
func TestCreateDownlineAndReports(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		m := loketest.Buyer(t, c, "juragan", 1_000_000)
		if _, _, err := c.Network.CreateDownline(ctx, m, loket.NewDownline{Username: "kebanyakan", Opening: 2_000_000}); loket.ErrorCode(err) != loket.EINSUFFICIENT {
			t.Fatalf("an opening balance over the upline's: %v", err)
		}
		d, creds, err := c.Network.CreateDownline(ctx, m, loket.NewDownline{Username: "agen1", Name: "Agen Satu", Password: "rahasia-agen",
			MarkupBP: 500, Opening: 300_000})
		if err != nil || creds.APIKey == "" {
			t.Fatalf("create downline: %v %+v", err, creds)
		}
		if d.Balance != 300_000 || balance(t, c, m.ID) != 700_000 {
			t.Fatalf("opening balance: downline %d, upline %d", d.Balance, balance(t, c, m.ID))
		}
		da, err := c.Resellers.Authenticate(ctx, creds.APIKey, "127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Resellers.Login(ctx, "agen1", "rahasia-agen", "127.0.0.1:1"); err != nil {
			t.Fatalf("the downline's password: %v", err)
		}
		o, _, err := c.Orders.CreateOrder(ctx, da, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "a1"})
		if err != nil {
			t.Fatal(err)
		}
		waitStatus(t, c, o, loket.StatusSuccess)
		ds, err := c.Network.Downlines(ctx, m)
		if err != nil || len(ds) != 1 {
			t.Fatalf("downlines %+v %v", ds, err)
		}
		if x := ds[0]; x.Username != "agen1" || x.MarkupBP != 500 || x.Orders != 1 || x.Sales != o.Price || x.Commission != o.Commission || x.Depth != 1 {
			t.Fatalf("downline report %+v (order %d, commission %d)", x, o.Price, o.Commission)
		}
		// Depth: 3 by default; the operator lowers it to 1, so agen1 can make none.
		if err := c.Network.SetLimits(ctx, loket.NetworkLimits{MaxDepth: 1, MaxMarkupBP: 5000, MaxMarkupFlat: 10_000}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Network.CreateDownline(ctx, da, loket.NewDownline{Username: "agen2"}); loket.ErrorCode(err) != loket.ELIMIT {
			t.Fatalf("a downline too deep: %v", err)
		}
		if err := c.Network.SetStatus(ctx, m, d.ID, loket.ResellerSuspended); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Resellers.Authenticate(ctx, creds.APIKey, "127.0.0.1:1"); loket.ErrorCode(err) != loket.EFORBIDDEN {
			t.Fatalf("a suspended downline's key: %v", err)
		}
		tree, err := c.Network.Tree(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var top, down bool
		for _, x := range tree {
			top = top || (x.ID == m.ID && x.Depth == 0 && x.Commission == o.Commission && x.Downlines == 1)
			down = down || (x.ID == d.ID && x.UplineID == m.ID && x.Status == loket.ResellerSuspended)
		}
		if !top || !down {
			t.Fatalf("tree %+v", tree)
		}
		verify(t, c)
	})
}

// A downline's dropship order pays its uplines' commissions once its customer paid and
// it succeeded; its own margin is its profit, as for any reseller.
func TestDownlineDropship(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		m, d1, _ := tree(t, c)
		if err := c.Network.SetMarkup(ctx, m, d1.ID, loket.ScopeAll, "", 0, 300); err != nil {
			t.Fatal(err)
		}
		o, ds, _, err := c.Dropship.CreateDropshipOrder(ctx, d1, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "ds1"},
			loket.DropshipRequest{SellingPrice: 9000, CustomerName: "Siti"})
		if err != nil {
			t.Fatal(err)
		}
		if o.Commission != 300 {
			t.Fatalf("a downline's dropship order records commission %d, want 300", o.Commission)
		}
		if _, err := c.Deposits.RecordPayment(ctx, loket.Payment{Source: "sim", Ref: "ds1-pay", Amount: ds.Total, Brand: "DANA", PaidAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, c, o, loket.StatusSuccess)
		if got := profit(t, c, m.ID); got != 300 {
			t.Fatalf("the upline's commission %d, want 300", got)
		}
		if got := profit(t, c, d1.ID); got != 9000-o.Price {
			t.Fatalf("the downline's dropship margin %d, want %d", got, 9000-o.Price)
		}
		verify(t, c)
	})
}

// An upline's markups per category and product: a product's wins over its category's,
// which wins over the one over everything; deleting the product's falls back to the
// category's; the list names them by code; another upline can neither list nor delete.
func TestMarkupScopes(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		m, d1, _ := tree(t, c)
		other := loketest.Buyer(t, c, "lain", 0)
		base, err := c.Catalog.Product("HSA5", m.Level)
		if err != nil {
			t.Fatal(err)
		}
		var sibling *loket.Product // another product of HSA5's category
		for _, p := range c.Catalog.Products(m.Level) {
			if p.Category == base.Category && p.Code != base.Code && !p.Postpaid() {
				sibling = &p
				break
			}
		}
		if sibling == nil {
			t.Fatalf("no other product in %s", base.Category)
		}
		price := func(code string) loket.Money {
			t.Helper()
			p, err := c.Network.Product(ctx, d1, code)
			if err != nil {
				t.Fatal(err)
			}
			return p.Price
		}
		for _, s := range []struct {
			scope, code string
			flat        loket.Money
		}{{loket.ScopeAll, "", 100}, {loket.ScopeCategory, base.Category, 200}, {loket.ScopeProduct, "HSA5", 300}} {
			if err := c.Network.SetMarkup(ctx, m, d1.ID, s.scope, s.code, 0, s.flat); err != nil {
				t.Fatal(s.scope, err)
			}
		}
		if got := price("HSA5"); got != base.Price+300 {
			t.Fatalf("HSA5 with a product markup: %d, want %d", got, base.Price+300)
		}
		if got := price(sibling.Code); got != sibling.Price+200 {
			t.Fatalf("%s with its category's markup: %d, want %d", sibling.Code, got, sibling.Price+200)
		}
		ms, err := c.Network.Markups(ctx, m, d1.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []loket.DownlineMarkupView{{Scope: loket.ScopeAll, MarkupFlat: 100}, {Scope: loket.ScopeCategory, Code: base.Category, MarkupFlat: 200},
			{Scope: loket.ScopeProduct, Code: "HSA5", MarkupFlat: 300}}
		if fmt.Sprint(ms) != fmt.Sprint(want) {
			t.Fatalf("markups %+v, want %+v", ms, want)
		}
		// Another upline, or the downline itself, neither lists nor deletes them.
		for _, who := range []*loket.ResellerAuth{other, d1} {
			if _, err := c.Network.Markups(ctx, who, d1.ID); loket.ErrorCode(err) != loket.ENOTFOUND {
				t.Fatalf("%s lists: %v", who.Username, err)
			}
			if err := c.Network.DeleteMarkup(ctx, who, d1.ID, loket.ScopeProduct, "HSA5"); loket.ErrorCode(err) != loket.ENOTFOUND {
				t.Fatalf("%s deletes: %v", who.Username, err)
			}
		}
		if got := price("HSA5"); got != base.Price+300 {
			t.Fatalf("HSA5 after the refused deletes: %d", got)
		}
		if err := c.Network.DeleteMarkup(ctx, m, d1.ID, loket.ScopeAll, ""); loket.ErrorCode(err) != loket.EINVALID {
			t.Fatalf("deleting the one over everything: %v", err)
		}
		if err := c.Network.DeleteMarkup(ctx, m, d1.ID, loket.ScopeProduct, "HSA5"); err != nil {
			t.Fatal(err)
		}
		if got := price("HSA5"); got != base.Price+200 {
			t.Fatalf("HSA5 after its markup is deleted: %d, want its category's %d", got, base.Price+200)
		}
		if err := c.Network.DeleteMarkup(ctx, m, d1.ID, loket.ScopeProduct, "HSA5"); loket.ErrorCode(err) != loket.ENOTFOUND {
			t.Fatalf("deleting it twice: %v", err)
		}
		if err := c.Network.DeleteMarkup(ctx, m, d1.ID, loket.ScopeCategory, base.Category); err != nil {
			t.Fatal(err)
		}
		if got := price("HSA5"); got != base.Price+100 {
			t.Fatalf("HSA5 with only the markup over everything: %d, want %d", got, base.Price+100)
		}
		if ms, err := c.Network.Markups(ctx, m, d1.ID); err != nil || len(ms) != 1 || ms[0].Scope != loket.ScopeAll {
			t.Fatalf("markups left %+v %v", ms, err)
		}
	})
}

// A downline's bill: its upline's markup on the admin is in what it pays, and is the
// upline's commission once the payment succeeds.
func TestDownlineBill(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		m, d1, _ := tree(t, c)
		if err := c.Network.Move(ctx, m, d1.ID, 2_000_000, false, "open", ""); err != nil {
			t.Fatal(err)
		}
		if err := c.Network.SetMarkup(ctx, m, d1.ID, loket.ScopeAll, "", 1000, 50); err != nil {
			t.Fatal(err)
		}
		base, err := c.Orders.Inquire(ctx, m, "pln", "530000000001")
		if err != nil {
			t.Fatal(err)
		}
		in, err := c.Orders.Inquire(ctx, d1, "pln", "530000000001")
		if err != nil {
			t.Fatal(err)
		}
		want := base.Admin.PlusBP(1000) + 50 - base.Admin
		if in.Total != base.Total+want || in.Admin != base.Admin+want {
			t.Fatalf("the downline's bill: total %d admin %d, want %d and %d", in.Total, in.Admin, base.Total+want, base.Admin+want)
		}
		o, _, err := c.Orders.PayBill(ctx, d1, in.ID, "bill1", "api")
		if err != nil {
			t.Fatal(err)
		}
		if o.Price != in.Total || o.Commission != want {
			t.Fatalf("the payment: price %d commission %d, want %d and %d", o.Price, o.Commission, in.Total, want)
		}
		waitStatus(t, c, o, loket.StatusSuccess)
		if got := profit(t, c, m.ID); got != want {
			t.Fatalf("the upline's commission %d, want %d", got, want)
		}
		verify(t, c)
	})
}

// The tree refuses cycles and a second upline: a reseller cannot be placed under its
// own downline, nor under itself, nor moved once it has an upline.
func TestTreeRefusesCycles(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		m, d1, d2 := tree(t, c)
		other := loketest.Buyer(t, c, "lain", 0)
		for _, tt := range []struct {
			name             string
			reseller, upline int64
		}{
			{"under its own downline", m.ID, d2.ID},
			{"under itself", other.ID, other.ID},
			{"a second upline", d1.ID, other.ID},
		} {
			err := c.DB.Write(ctx, 0, func(tx *store.Tx) error { return tx.SetUpline(tt.reseller, tt.upline) })
			if code := loket.ErrorCode(err); code != loket.ECONFLICT && code != loket.EINVALID {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
		// A reseller with neither upline nor downlines may join one.
		if err := c.DB.Write(ctx, 0, func(tx *store.Tx) error { return tx.SetUpline(other.ID, d2.ID) }); err != nil {
			t.Fatal(err)
		}
		chain, err := c.DB.Chain(ctx, other.ID)
		if err != nil || len(chain) != 4 || chain[0].Depth != 3 {
			t.Fatalf("the chain %+v %v", chain, err)
		}
	})
}

// A downline's virtual-number rent: it pays its upline's markup over everything on
// top of the number's price, and the upline earns it when the rent is done; a
// canceled rent pays nobody.
func TestDownlineNumber(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine, "--vn-poll=50ms")
		ctx := context.Background()
		m, d1, _ := tree(t, c)
		if err := c.Network.Move(ctx, m, d1.ID, 100_000, false, "open", ""); err != nil {
			t.Fatal(err)
		}
		if err := c.Network.SetMarkup(ctx, m, d1.ID, loket.ScopeAll, "", 1000, 25); err != nil {
			t.Fatal(err)
		}
		req := loket.NumberRequest{ServiceCode: 14, NumberID: 340437, ProviderID: "3837", Surface: "api"}
		top, _, err := c.Numbers.OrderNumber(ctx, m, req)
		if err != nil {
			t.Fatal(err)
		}
		want := top.Price.PlusBP(1000) + 25
		// The number price lists say the same.
		pm, err := c.Network.NumberPrices(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		pd, err := c.Network.NumberPrices(ctx, d1)
		if err != nil || pd(1000) != pm(1000).PlusBP(1000)+25 {
			t.Fatalf("the downline's number price list: %v", err)
		}
		req.RefID = "d1-1"
		a, _, err := c.Numbers.OrderNumber(ctx, d1, req)
		if err != nil || a.Price != want {
			t.Fatalf("the downline's rent: %+v %v, want price %d", a, err, want)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			got, err := c.Numbers.Activation(ctx, d1.ID, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.SMS) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no code: %+v", got)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := c.Numbers.FinishNumber(ctx, d1, a.ID); err != nil {
			t.Fatal(err)
		}
		if got := profit(t, c, m.ID); got != want-top.Price {
			t.Fatalf("the upline's commission %d, want %d", got, want-top.Price)
		}
		req.RefID = "d1-2"
		b, _, err := c.Numbers.OrderNumber(ctx, d1, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Numbers.CancelNumber(ctx, d1, b.ID); err != nil && loket.ErrorCode(err) != loket.ECONFLICT {
			t.Fatal(err)
		}
		verify(t, c)
		if _, err := c.DB.W.ExecContext(ctx, `UPDATE activation_commissions SET amount = amount + 1 WHERE activation_id = $1`, a.ID); err != nil {
			t.Fatal(err)
		}
		if v, err := c.DB.Verify(ctx); err != nil || len(v) != 1 || v[0].Invariant != "commissions match their orders" {
			t.Fatalf("a tampered rent's commission: %+v %v", v, err)
		}
		if v, err := verifySince(c); err != nil || len(v) != 1 || v[0].Invariant != "commissions match their orders" {
			t.Fatalf("a tampered rent's commission, from the checkpoint: %+v %v", v, err)
		}
	})
}
