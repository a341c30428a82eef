package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// reportFixture places orders through the real services: two resellers' prepaid
// orders and one bill payment, their times moved to the edges of a 7-day WIB range
// (its first instant, its last second, the first instant after it). It returns the
// range's first day and the ids in the range by kind.
type reportFixture struct {
	first time.Time // the range's first day, midnight WIB
	// In id order: A's three prepaid orders at the range's first instant, its last
	// second and the first instant after it; B's prepaid order and B's bill payment
	// one and two seconds later.
	ids              []int64
	resellerA, other string
}

func placeReportOrders(t *testing.T, s *server.Server) reportFixture {
	t.Helper()
	ctx := context.Background()
	wib, _ := time.LoadLocation("Asia/Jakarta")
	now := time.Now().In(wib)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, wib)
	f := reportFixture{first: today.AddDate(0, 0, -6)}
	a := addReseller(t, s, 1_000_000, "rahasia-a")
	b, bb := signedIn(t, s, 2_000_000)
	f.resellerA, f.other = a.Username, b.Username
	var ids []int64
	for i, r := range []*loketest.Reseller{a, a, a, b} {
		o, _, err := s.Core.Orders.CreateOrder(ctx, resellerAuth(t, s, r), loket.OrderRequest{Product: "HSA5", Target: fmt.Sprintf("0812345679%d0", i), RefID: fmt.Sprintf("r%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if got := waitOrder(t, s, itoa(o.ID)); got != "success" {
			t.Fatalf("order %d: %s", o.ID, got)
		}
		ids = append(ids, o.ID)
	}
	st, body := inquire(t, bb, "pln", "530000000001")
	must(t, st, body, 200)
	st, body = pay(t, bb, body)
	must(t, st, body, 200)
	bill := find(t, orderIDRE, body)
	if got := waitOrder(t, s, bill); got != "success" {
		t.Fatalf("bill %s: %s", bill, got)
	}
	var billID int64
	fmt.Sscan(bill, &billID)
	// Times in id order, as real ones would be; the range [first, today) is 6 days.
	end := today
	at := []time.Time{f.first, end.Add(-time.Second), end, end.Add(time.Second), end.Add(2 * time.Second)}
	for i, id := range append(ids, billID) {
		if _, err := s.DB.W.ExecContext(ctx, `UPDATE orders SET created_at = $1 WHERE id = $2`, at[i].UnixMicro(), id); err != nil {
			t.Fatal(err)
		}
	}
	// Times moved behind the books' back: the rollups are recomputed, as loket ledger
	// rebuild does.
	if _, err := s.DB.RebuildRollups(ctx); err != nil {
		t.Fatal(err)
	}
	f.ids = append(ids, billID)
	return f
}

// resellerAuth is the reseller as the order service takes it.
func resellerAuth(t testing.TB, s *server.Server, r *loketest.Reseller) *loket.ResellerAuth {
	t.Helper()
	ra, err := s.DB.ResellerAuthByID(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ra
}

// sums reads what the orders hold: count, price and cost of the given ids.
func sums(t *testing.T, s *server.Server, ids ...int64) (n int64, sales, cost loket.Money) {
	t.Helper()
	for _, id := range ids {
		o, err := s.DB.OrderRowByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		n++
		sales += o.Price
		cost += *o.Cost
	}
	return
}

// The report's sums per dimension are what the orders hold; the range's days are
// whole WIB days, its end excluded; bills apart; a range too long is refused.
func TestReport(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		wib, _ := time.LoadLocation("Asia/Jakarta")
		f := placeReportOrders(t, s)
		q := loket.ReportQuery{From: f.first, To: f.first.AddDate(0, 0, 6), Loc: wib}
		n, sales, cost := sums(t, s, f.ids[:2]...)
		for _, by := range loket.ReportDims {
			q.By = by
			rows, err := s.DB.Report(ctx, q)
			if err != nil {
				t.Fatal(by, err)
			}
			var tn int64
			var ts, tc, tm loket.Money
			for _, r := range rows {
				tn, ts, tc, tm = tn+r.Count, ts+r.Sales, tc+r.Cost, tm+r.Margin
			}
			if tn != n || ts != sales || tc != cost || tm != sales-cost || cost <= 0 || sales <= cost {
				t.Errorf("%s: %d %d %d %d, want %d %d %d: %+v", by, tn, ts, tc, tm, n, sales, cost, rows)
			}
			switch by {
			case loket.ReportByDay:
				if len(rows) != 6 || !rows[0].Day.Equal(f.first) || rows[0].Count != 1 || rows[5].Count != 1 || !rows[5].Day.Equal(f.first.AddDate(0, 0, 5)) {
					t.Errorf("days: %+v", rows)
				}
			case loket.ReportByReseller:
				if len(rows) != 1 || rows[0].Label != f.resellerA {
					t.Errorf("resellers: %+v", rows)
				}
			case loket.ReportByProduct:
				if len(rows) != 1 || rows[0].Label != "HSA5" || rows[0].Name == "" {
					t.Errorf("products: %+v", rows)
				}
			case loket.ReportByBrand, loket.ReportBySupplier:
				if len(rows) != 1 || rows[0].Label == "" {
					t.Errorf("%s: %+v", by, rows)
				}
			}
		}
		// A day later: the last two prepaid orders and the bill, bills apart.
		q = loket.ReportQuery{From: f.first.AddDate(0, 0, 5), To: f.first.AddDate(0, 0, 7), Loc: wib, By: loket.ReportByReseller}
		rows, err := s.DB.Report(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		n, sales, _ = sums(t, s, f.ids[1:4]...)
		var tn int64
		var ts loket.Money
		for _, r := range rows {
			tn, ts = tn+r.Count, ts+r.Sales
		}
		if len(rows) != 2 || tn != n || ts != sales {
			t.Errorf("prepaid of two days: %+v, want %d orders %d", rows, n, sales)
		}
		q.Kind = loket.ReportBills
		rows, err = s.DB.Report(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		n, sales, cost = sums(t, s, f.ids[4])
		if len(rows) != 1 || rows[0].Label != f.other || rows[0].Count != n || rows[0].Sales != sales || rows[0].Cost != cost {
			t.Errorf("bills: %+v, want %d %d %d", rows, n, sales, cost)
		}
		q.Kind = loket.ReportAll
		rows, _ = s.DB.Report(ctx, q)
		tn = 0
		for _, r := range rows {
			tn += r.Count
		}
		if tn != 4 {
			t.Errorf("all: %+v", rows)
		}
		for _, bad := range []loket.ReportQuery{
			{From: f.first, To: f.first.AddDate(0, 0, loket.MaxReportDays+1), By: loket.ReportByDay, Loc: wib},
			{From: f.first, To: f.first, By: loket.ReportByDay, Loc: wib},
			{From: f.first, To: f.first.AddDate(0, 0, 1), By: "target", Loc: wib},
			{From: f.first, To: f.first.AddDate(0, 0, 1), By: loket.ReportByDay, Kind: "x", Loc: wib},
		} {
			if _, err := s.DB.Report(ctx, bad); loket.ErrorCode(err) != loket.EINVALID {
				t.Errorf("%+v: %v", bad, err)
			}
		}
	})
}

// The reports page and its CSV: the same rows and totals as the orders hold, the
// default range the last 7 WIB days, a bad range a sentence on the page.
func TestReportPages(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		f := placeReportOrders(t, s)
		addAdmin(t, s, "boss", "rahasia-boss")
		op := newBrowser(t, s)
		op.login("admin", "boss", "rahasia-boss")
		from, last := f.first.Format(time.DateOnly), f.first.AddDate(0, 0, 5).Format(time.DateOnly)
		_, sales, cost := sums(t, s, f.ids[:2]...)

		st, body := op.get("/admin")
		must(t, st, body, 200, `href="/admin/reports"`)
		st, body = op.get("/admin/reports")
		must(t, st, body, 200, "Laporan", `<svg class="chart"`, "Unduh CSV", f.first.AddDate(0, 0, 1).Format(time.DateOnly),
			`value="`+time.Now().In(f.first.Location()).Format(time.DateOnly)+`"`)
		q := url.Values{"from": {from}, "to": {last}, "by": {"reseller"}}
		st, body = op.get("/admin/reports?" + q.Encode())
		must(t, st, body, 200, f.resellerA, rupiahText(int64(sales)), rupiahText(int64(cost)), rupiahText(int64(sales-cost)), "Margin")
		if strings.Contains(body, f.other) {
			t.Errorf("the other reseller's order is outside the range")
		}
		q.Set("kind", "bills")
		q.Set("to", f.first.AddDate(0, 0, 6).Format(time.DateOnly))
		st, body = op.get("/admin/reports?" + q.Encode())
		must(t, st, body, 200, f.other)
		if strings.Contains(body, ">"+f.resellerA+"<") {
			t.Errorf("bills: A paid no bill")
		}
		q.Set("to", f.first.AddDate(0, 0, 400).Format(time.DateOnly))
		st, body = op.get("/admin/reports?" + q.Encode())
		must(t, st, body, 400, "paling lama 366 hari")

		// The CSV of the days: a header row, one row a day, whole rupiah.
		req, _ := http.NewRequest("GET", op.base+"/admin/reports.csv?"+url.Values{"from": {from}, "to": {last}}.Encode(), nil)
		resp, err := op.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("content type %q", ct)
		}
		recs, err := csv.NewReader(resp.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 7 || strings.Join(recs[0], ",") != "Tanggal,Jumlah,Penjualan,Modal,Margin" || recs[1][0] != from || recs[6][0] != last {
			t.Fatalf("csv: %q", recs)
		}
		var n, ts, tc, tm int64
		for _, r := range recs[1:] {
			for i, p := range []*int64{&n, &ts, &tc, &tm} {
				v, err := strconv.ParseInt(r[i+1], 10, 64)
				if err != nil {
					t.Fatalf("csv row %q: %v", r, err)
				}
				*p += v
			}
		}
		if n != 2 || ts != int64(sales) || tc != int64(cost) || tm != int64(sales-cost) {
			t.Errorf("csv sums %d %d %d %d, want 2 %d %d", n, ts, tc, tm, sales, cost)
		}
	})
}

// The overview's "in process" agrees in both places: a dropship order awaiting its
// customer's payment is counted apart, in neither; the 14-day chart has its axis,
// values and dates; the low-balance threshold shows.
func TestOverviewInProcess(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		ra := resellerAuth(t, s, addReseller(t, s, 1_000_000, "rahasia-r"))
		o, _, err := s.Core.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567800", RefID: "ok1"})
		if err != nil {
			t.Fatal(err)
		}
		waitOrder(t, s, itoa(o.ID))
		loketest.SetupPayments(t, s)
		ds, _, _, err := s.Core.Dropship.CreateDropshipOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "ds1"},
			loket.DropshipRequest{SellingPrice: 7000, CustomerName: "Siti"})
		if err != nil {
			t.Fatal(err)
		}
		wib, _ := time.LoadLocation("Asia/Jakarta")
		now := time.Now().In(wib)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, wib)
		sums, err := s.DB.SalesByStatus(ctx, today, today.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, x := range sums {
			got[x.Status] += x.Count
		}
		if got[loket.StatusPending] != 0 || got[loket.StatusAwaitingPayment] != 1 || got[loket.StatusSuccess] != 1 {
			t.Fatalf("today by status: %+v", sums)
		}
		addAdmin(t, s, "boss", "rahasia-boss")
		op := newBrowser(t, s)
		op.login("admin", "boss", "rahasia-boss")
		st, body := op.get("/admin")
		must(t, st, body, 200, `id="today-pending">0<`, `id="today-awaiting">1<`, `id="all-pending">0<`,
			"Dropship menunggu pembayaran", "Rp 500.000", `<svg class="chart"`, `class="val"`, ">"+now.Format("2/1")+"<", ">0<")
		// The customer's payment is listed apart from the resellers' deposits, linked to
		// its order.
		st, body = op.get("/admin/deposits")
		must(t, st, body, 200, "Tidak ada deposit terbuka.", `id="dropship"`, `<a href="/admin/orders/`+itoa(ds.ID)+`">#`+itoa(ds.ID)+`</a>`, "<td>Siti</td>")
	})
}
