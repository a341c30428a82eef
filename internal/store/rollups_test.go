package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// TestRollupsMatchTheOrders: orders accepted concurrently (some refused inside shared
// batches, which then run with savepoints), settled as successes and failures; the
// reads from the rollups equal the same reads over the orders, verify finds every
// rollup matching its rows, and a rebuild changes nothing.
func TestRollupsMatchTheOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 5400*40)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var accepted []*loket.Order
		for i := range 60 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := f.order(fmt.Sprint("r", i), fmt.Sprintf("0812%08d", i), time.Hour)
				if i%5 == 0 {
					n.Surface = "chat"
				}
				o, _, err := f.create(t, n)
				if err == nil {
					mu.Lock()
					accepted = append(accepted, o)
					mu.Unlock()
				} else if loket.ErrorCode(err) != loket.EINSUFFICIENT {
					t.Errorf("order %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if len(accepted) != 40 {
			t.Fatalf("accepted %d orders, want 40", len(accepted))
		}
		for i, o := range accepted[:30] {
			err := db.Write(ctx, uint64(f.reseller), func(tx *store.Tx) error {
				_, _, err := tx.SettleOrder(store.Settlement{OrderID: o.ID, Success: i%3 != 0, SupplierID: f.route.SupplierID, Cost: 5300 - loket.Money(i)})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		wib := time.FixedZone("WIB", 7*3600)
		now := time.Now().In(wib)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, wib)
		got, err := db.SalesByStatus(ctx, today, today.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		want, err := db.SalesByStatusScan(ctx, today, today.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) || len(got) != 3 {
			t.Errorf("sales by status: rollup %+v, orders %+v", got, want)
		}
		days, err := db.DailySales(ctx, now, 14, wib)
		if err != nil {
			t.Fatal(err)
		}
		scanned := make([]loket.DaySum, 14)
		for i := range scanned {
			scanned[i].Day = today.AddDate(0, 0, i-13)
		}
		if err := db.DailySalesScan(ctx, today.AddDate(0, 0, -13), wib, scanned); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(days, scanned) || days[13].Success != 20 {
			t.Errorf("daily sales: rollup %+v, orders %+v", days[13], scanned[13])
		}
		for _, by := range []string{loket.ReportByDay, loket.ReportByProduct, loket.ReportByBrand, loket.ReportByReseller, loket.ReportBySupplier} {
			q := loket.ReportQuery{By: by, From: today.AddDate(0, 0, -6), To: today.AddDate(0, 0, 1), Loc: wib}
			got, err := db.Report(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := db.ReportScan(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if by == loket.ReportByDay {
				// Report fills in the days that sold nothing.
				if got[6].Count != 20 || got[6].Sales != want[0].Sales || got[6].Cost != want[0].Cost {
					t.Errorf("report by day: rollup %+v, orders %+v", got[6], want)
				}
				continue
			}
			if len(got) != 1 || len(want) != 1 || got[0].Count != 20 || got[0].Sales != want[0].Sales || got[0].Cost != want[0].Cost || got[0].Label != want[0].Label {
				t.Errorf("report by %s: rollup %+v, orders %+v", by, got, want)
			}
		}
		counts, err := db.OrderCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if counts[[2]string{"success", "api"}]+counts[[2]string{"success", "chat"}] != 20 || counts[[2]string{"pending", "chat"}]+counts[[2]string{"pending", "api"}] != 10 {
			t.Errorf("order counts %v", counts)
		}
		totals, err := db.LedgerTotals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if totals.InFlight != 10*5400 || totals.ResellerBalances != 10*5400 || totals.Revenue+totals.SupplierPayable != 20*5400 {
			t.Errorf("ledger totals %+v", totals)
		}
		verify(t, db)
		before := totals
		if _, err := db.RebuildRollups(ctx); err != nil {
			t.Fatal(err)
		}
		if after, err := db.LedgerTotals(ctx); err != nil || after != before {
			t.Errorf("after a rebuild: %+v, %v; want %+v", after, err, before)
		}
		verify(t, db)
		// A rollup row gone wrong is found, and a rebuild mends it.
		if _, err := db.W.Exec(`UPDATE order_totals SET orders = orders + 1 WHERE status = 'success'`); err != nil {
			t.Fatal(err)
		}
		if v, _ := db.Verify(ctx); len(v) == 0 || v[0].Invariant != "rollups match their rows" {
			t.Errorf("a wrong rollup: verify says %v", v)
		}
		if _, err := db.RebuildRollups(ctx); err != nil {
			t.Fatal(err)
		}
		verify(t, db)
	})
}

// TestOrderSearches: each way of searching finds what it should, through the shapes
// that read what they return (refs through each reseller's index, pending through
// the jobs, failed through their partial index).
func TestOrderSearches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db, 5400*10)
		var ids []int64
		for i := range 6 {
			o, _, err := f.create(t, f.order(fmt.Sprint("s", i), fmt.Sprintf("0813%08d", i%3), 0))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		for i, id := range ids[:4] {
			if err := db.Write(ctx, 1, func(tx *store.Tx) error {
				_, _, err := tx.SettleOrder(store.Settlement{OrderID: id, Success: i%2 == 0, SupplierID: f.route.SupplierID, Cost: 5300})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		search := func(s loket.OrderSearch) []int64 {
			rows, err := db.SearchOrders(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, r := range rows {
				out = append(out, r.ID)
			}
			return out
		}
		list := func(fl loket.OrderFilter) []int64 {
			rows, err := db.ListOrders(ctx, fl)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, r := range rows {
				out = append(out, r.ID)
			}
			return out
		}
		for _, c := range []struct {
			name      string
			got, want []int64
		}{
			{"ref", search(loket.OrderSearch{Ref: "s2"}), []int64{ids[2]}},
			{"ref, none", search(loket.OrderSearch{Ref: "nope"}), nil},
			{"target", search(loket.OrderSearch{Target: "081300000001"}), []int64{ids[4], ids[1]}},
			{"pending", search(loket.OrderSearch{Status: "pending"}), []int64{ids[5], ids[4]}},
			{"failed", search(loket.OrderSearch{Status: "failed"}), []int64{ids[3], ids[1]}},
			{"success", search(loket.OrderSearch{Status: "success"}), []int64{ids[2], ids[0]}},
			{"failed, target", search(loket.OrderSearch{Status: "failed", Target: "081300000001"}), []int64{ids[1]}},
			{"list pending", list(loket.OrderFilter{Status: "pending"}), []int64{ids[5], ids[4]}},
			{"list ref", list(loket.OrderFilter{RefID: "s3"}), []int64{ids[3]}},
			{"list period", list(loket.OrderFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), Limit: 3}), []int64{ids[5], ids[4], ids[3]}},
			{"list before now", list(loket.OrderFilter{To: time.Now().Add(-time.Hour)}), nil},
			{"list flagged", list(loket.OrderFilter{Flagged: true}), nil},
		} {
			if !slices.Equal(c.got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
			}
		}
	})
}
