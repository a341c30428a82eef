package orders_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
	_ "github.com/loket/loket/internal/supplier/sim"
)

func TestTargetsAndFields(t *testing.T) {
	a := loketest.Core(t, "sqlite")
	ra := loketest.Buyer(t, a, "fields", 10_000_000)
	ctx := context.Background()
	cases := []struct {
		name, product, target string
		fields                map[string]string
		code                  string
		wantTarget            string
	}{
		{"msisdn +62", "HSA5", "+62 812-3456-7890", nil, "", "081234567890"},
		{"msisdn 62", "HSA5", "6281234567810", nil, "", "081234567810"},
		{"msisdn letters", "HSA5", "0812abc", nil, loket.ETARGET, ""},
		{"msisdn short", "HSA5", "08123", nil, loket.ETARGET, ""},
		{"msisdn 9 digits (seed 002)", "HSA5", "081471384", nil, "", "081471384"},
		{"msisdn 9 digits as 62", "HSA5", "6281471394", nil, "", "081471394"},
		{"msisdn 8 digits", "HSA5", "08147138", nil, loket.ETARGET, ""},
		{"msisdn 14 digits", "HSA5", "08123456789012", nil, loket.ETARGET, ""},
		{"msisdn 080", "HSA5", "0801234567", nil, loket.ETARGET, ""},
		{"game ok", "MLBB-BJ-V3-ALLMLBB_ID_5", "1122334450", map[string]string{"server": "1234"}, "", "1122334450"},
		{"game target as field", "MLBB-BJ-V3-ALLMLBB_ID_5", "", map[string]string{"id": "1122334460", "server": "1234"}, "", "1122334460"},
		{"game missing server", "MLBB-BJ-V3-ALLMLBB_ID_5", "1122334470", nil, loket.EFIELD, ""},
		{"game unknown field", "MLBB-BJ-V3-ALLMLBB_ID_5", "1122334480", map[string]string{"server": "1", "zone": "2"}, loket.EFIELD, ""},
		{"reserved field name", "MLBB-BJ-V3-ALLMLBB_ID_5", "1122334490", map[string]string{"server": "1", "_trx": "API1"}, loket.EFIELD, ""},
		{"dropdown ok", "AKV-BJ-AKV_60", "5550", map[string]string{"server": "10040200"}, "", "5550"},
		{"dropdown bad", "AKV-BJ-AKV_60", "5560", map[string]string{"server": "999"}, loket.EFIELD, ""},
		{"meter", "PLN20", "12345678901", nil, "", "12345678901"},
		{"meter bad", "PLN20", "12ab", nil, loket.ETARGET, ""},
		{"unknown product", "NOPE", "081234567890", nil, loket.EPRODUCT, ""},
		{"postpaid bill as prepaid", "pln", "530000000001", nil, loket.EPRODUCT, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: c.product, Target: c.target, Fields: c.fields, RefID: fmt.Sprint("f", i)})
			if got := loket.ErrorCode(err); got != c.code {
				t.Fatalf("code = %q (%v), want %q", got, err, c.code)
			}
			if err == nil && o.Target != c.wantTarget {
				t.Fatalf("target = %q, want %q", o.Target, c.wantTarget)
			}
		})
	}
}

func TestMaxPriceAndSuspension(t *testing.T) {
	a := loketest.Core(t, "sqlite")
	ctx := context.Background()
	ra := loketest.Buyer(t, a, "maxp", 100_000)
	_, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "m1", MaxPrice: 5000})
	if loket.ErrorCode(err) != loket.EPRICE {
		t.Fatalf("max_price: %v", err)
	}
	if _, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "m2", MaxPrice: 5400}); err != nil {
		t.Fatalf("max_price equal to price: %v", err)
	}
}

// BenchmarkCreateOrder measures accepting orders (durably written, dispatched to the
// simulator in the background) from many goroutines: -cpu sets the parallelism
// factor; the figure to read is orders/s.
func BenchmarkCreateOrder(b *testing.B) {
	for _, engine := range storetest.Engines() {
		for _, hot := range []bool{false, true} {
			name := engine + "/spread"
			if hot {
				name = engine + "/hot"
			}
			b.Run(name, func(b *testing.B) {
				a := loketest.Core(b, engine)
				var rs []*loket.ResellerAuth
				for i := 0; i < 32; i++ {
					rs = append(rs, loketest.Buyer(b, a, fmt.Sprintf("bench%d", i), 1_000_000_000_000))
				}
				ctx := context.Background()
				loketest.OrderRate(b, a.DB, func(i int64) error {
					r := rs[0]
					if !hot {
						r = rs[i%int64(len(rs))]
					}
					_, _, err := a.Orders.CreateOrder(ctx, r, loket.OrderRequest{Product: "HSA5", Target: fmt.Sprintf("0812%07d0", i), RefID: fmt.Sprint("b", i)})
					return err
				}, nil)
			})
		}
	}
}

// Two nodes on one database: orders left pending by a node that dies are finished by
// the others once its lease lapses, each exactly once.
func TestTwoNodesFinishEachOthersWork(t *testing.T) {
	if len(storetest.Engines()) < 2 {
		t.Skip("needs PostgreSQL (" + storetest.EnvPostgres + ")")
	}
	ctx := context.Background()
	url := storetest.URL(t, "postgres")
	open := func(node string) (*store.DB, *server.Core) {
		db, err := store.Open(url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db, loketest.CoreOn(t, db, "--node="+node, "--job-lease=500ms")
	}
	dbA, a := open("node-a")
	if _, err := catalog.LoadDemo(ctx, dbA); err != nil {
		t.Fatal(err)
	}
	if err := a.Catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// Node A accepts orders but never starts its workers: it "dies" holding their locks.
	ra := loketest.Buyer(t, a, "twonode", 10_000_000)
	var ids []int64
	for i := 0; i < 40; i++ {
		o, _, err := a.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: fmt.Sprintf("0812%07d%d", i, []int{0, 2, 3, 4}[i%4]), RefID: fmt.Sprint("n", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	dbA.Close()
	dbB, b := open("node-b")
	defer dbB.Close()
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	dbC, c := open("node-c") // a third node competing for the same jobs
	defer dbC.Close()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for _, id := range ids {
		for {
			o, err := b.Orders.Order(ctx, ra.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != loket.StatusPending {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %d still pending", id)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	v, err := dbB.Verify(ctx)
	if err != nil || len(v) > 0 {
		t.Fatalf("verify: %v %v", v, err)
	}
}

// TestCutOff: a product in its daily cut-off (WIB) is refused, prepaid and bills
// alike, with when it opens; nothing is written. Outside it, it sells.
func TestCutOff(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		a := loketest.Core(t, engine)
		r := loketest.Buyer(t, a, "cutoff", 1_000_000)
		setCutOff := func(codes []string, window string) {
			t.Helper()
			for _, code := range codes {
				if _, err := a.DB.W.ExecContext(ctx, `UPDATE products SET cut_off = $1 WHERE code = $2`, window, code); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.DB.Direct(ctx, func(tx *store.Tx) error { return tx.BumpCatalog() }); err != nil {
				t.Fatal(err)
			}
			if err := a.Catalog.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now().In(loket.WIB)
		open := now.Add(2 * time.Hour).Format("15:04")
		setCutOff([]string{"HSA5", "pln"}, now.Add(-time.Hour).Format("15:04")+"-"+open)
		_, _, err := a.Orders.CreateOrder(ctx, r, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "cut-1"})
		if loket.ErrorCode(err) != loket.EINACTIVE || loket.ErrorReason(err) != loket.ReasonCutOff ||
			!strings.Contains(err.Error(), "from "+open+" WIB") {
			t.Fatalf("an order in the cut-off: %v", err)
		}
		var le *loket.Error
		if !errors.As(err, &le) || le.RetryAt.Before(time.Now().Add(time.Hour)) {
			t.Fatalf("retry at: %+v", le)
		}
		if _, err := a.Orders.Inquire(ctx, r, "pln", "530000000001"); loket.ErrorReason(err) != loket.ReasonCutOff {
			t.Fatalf("an inquiry in the cut-off: %v", err)
		}
		var n int
		if err := a.DB.R.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM inquiries)`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows written in the cut-off: %d %v", n, err)
		}
		// The window passed (it ended a minute ago): sold again.
		setCutOff([]string{"HSA5"}, now.Add(-2*time.Hour).Format("15:04")+"-"+now.Add(-time.Minute).Format("15:04"))
		if _, _, err := a.Orders.CreateOrder(ctx, r, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "cut-2"}); err != nil {
			t.Fatalf("an order after the cut-off: %v", err)
		}
	})
}
