package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// The overview's reads: today's sums by status and the sales per WIB day, over orders
// spread across days (their times moved back, in id order, as real ones would be).
func TestDashboardQueries(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		ra := resellerAuth(t, s, addReseller(t, s, 1_000_000, "rahasia-r"))
		wib, _ := time.LoadLocation("Asia/Jakarta")
		now := time.Now().In(wib)
		noon := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, wib)
		// Orders i = 0..4 are made 4-i days ago at noon WIB; the last one today.
		var ids []int64
		var price loket.Money
		for i := 0; i < 5; i++ {
			o, _, err := s.Core.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: fmt.Sprintf("0812345678%d0", i), RefID: fmt.Sprintf("d%d", i)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
			price = o.Price
			waitOrder(t, s, itoa(o.ID))
		}
		for i, id := range ids {
			at := noon.AddDate(0, 0, i-4)
			if i == 4 {
				at = now.Add(-time.Second)
			}
			if _, err := s.DB.W.ExecContext(ctx, `UPDATE orders SET created_at = $1 WHERE id = $2`, at.UnixMicro(), id); err != nil {
				t.Fatal(err)
			}
		}
		// Times moved behind the books' back: the rollups are recomputed, as loket ledger
		// rebuild does.
		if _, err := s.DB.RebuildRollups(ctx); err != nil {
			t.Fatal(err)
		}
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, wib)
		sums, err := s.DB.SalesByStatus(ctx, today, today.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if len(sums) != 1 || sums[0].Status != "success" || sums[0].Count != 1 || sums[0].Sales != price || sums[0].Profit <= 0 {
			t.Fatalf("today: %+v", sums)
		}
		days, err := s.DB.DailySales(ctx, now, 14, wib)
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 14 {
			t.Fatalf("%d days", len(days))
		}
		for i, d := range days {
			want := int64(0)
			if i >= 9 {
				want = 1 // the last five days have one order each
			}
			if d.Success != want || d.Sales != loket.Money(want)*price || !d.Day.Equal(today.AddDate(0, 0, i-13)) {
				t.Errorf("day %d (%s): %+v, want %d orders", i, d.Day, d, want)
			}
		}
		first, err := s.DB.FirstOrderIDAt(ctx, noon.AddDate(0, 0, -2))
		if err != nil {
			t.Fatal(err)
		}
		if first > ids[2] || first < ids[1] {
			t.Errorf("first id at two days ago: %d, want between %d and %d", first, ids[1], ids[2])
		}
		if first, _ := s.DB.FirstOrderIDAt(ctx, now.Add(time.Hour)); first != ids[4]+1 {
			t.Errorf("first id after the last order: %d, want %d", first, ids[4]+1)
		}
	})
}
