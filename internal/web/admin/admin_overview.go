package admin

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

type overviewData struct {
	Orders, Success, Pending, Failed int64
	Awaiting                         int64 // dropship orders awaiting the customer's payment: not in process
	Sales, Profit                    loket.Money
	Bills                            int64 // successful bill payments, apart from sales
	BillSales, BillProfit            loket.Money
	Chart                            web.BarChart
	LowBalance                       loket.Money // LOKET_SUPPLIER_LOW_BALANCE
	Suppliers                        []loket.SupplierState
	Stuck                            []*loket.OrderRow
	Money                            loket.MoneySummary
}

// overview: today's sales and profit (WIB day), orders by status, 14 days of sales,
// supplier balances and the orders stuck past the pending deadline.
func (h *Handler) overview(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx := r.Context()
	now := h.Now().In(web.WIB)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, web.WIB)
	var d overviewData
	sums, err := h.svc.Reports.SalesByStatus(ctx, today, today.AddDate(0, 0, 1))
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	for _, x := range sums {
		d.Orders += x.Count
		switch {
		case x.Status == loket.StatusSuccess && x.Bill:
			d.Bills, d.BillSales, d.BillProfit = x.Count, x.Sales, x.Profit
		case x.Status == loket.StatusSuccess:
			d.Success, d.Sales, d.Profit = x.Count, x.Sales, x.Profit
		case x.Status == loket.StatusPending:
			d.Pending += x.Count
		case x.Status == loket.StatusAwaitingPayment:
			d.Awaiting += x.Count
		case x.Status == loket.StatusFailed:
			d.Failed += x.Count
		}
	}
	chart, err := h.chart.get(now, func() ([]loket.DaySum, error) { return h.svc.Reports.DailySales(ctx, now, 14, web.WIB) })
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	// Past days come from the cache; today is the fresh sum above.
	days := append([]loket.DaySum(nil), chart...)
	last := &days[len(days)-1]
	last.Orders, last.Success, last.Sales, last.Profit = d.Orders, d.Success, d.Sales, d.Profit
	last.Bills, last.BillSales, last.BillProfit = d.Bills, d.BillSales, d.BillProfit
	p := h.NewPage(w, r, s, "Ringkasan", "overview", &d)
	var labels, titles []string
	var values []loket.Money
	for _, c := range days {
		labels = append(labels, c.Day.Format("2/1"))
		titles = append(titles, fmt.Sprintf("%s: %s, %d %s", c.Day.Format(time.DateOnly), web.Rupiah(c.Sales), c.Success, p.T("sukses")))
		values = append(values, c.Sales)
	}
	d.Chart = web.NewBarChart(p.T("Penjualan 14 hari"), labels, titles, values)
	d.Suppliers = h.svc.Orders.Suppliers()
	d.LowBalance = h.cfg.LowBalance
	if len(d.Suppliers) > 0 {
		d.LowBalance = d.Suppliers[0].Threshold // the setting supplier.low_balance, when set
	}
	if d.Stuck, err = h.svc.Reports.PendingOrders(ctx, true, 20); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Money, err = h.svc.Reports.Money(ctx); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "admin_overview", p)
}

// chartCache keeps the 14-day chart for a minute: it reads two weeks of orders, and
// an overview left open (or several operators) should not read them on every load.
type chartCache struct {
	mu   sync.Mutex
	at   time.Time
	days []loket.DaySum
}

func (c *chartCache) get(now time.Time, load func() ([]loket.DaySum, error)) ([]loket.DaySum, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.days != nil && now.Sub(c.at) < time.Minute && now.Sub(c.at) >= 0 && c.at.YearDay() == now.YearDay() {
		return c.days, nil
	}
	days, err := load()
	if err != nil {
		return nil, err
	}
	c.days, c.at = days, now
	return days, nil
}
