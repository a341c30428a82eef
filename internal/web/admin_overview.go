package web

import (
	"net/http"
	"time"

	"github.com/loket/loket/internal/app"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

type overviewData struct {
	Orders, Success, Pending, Failed int64
	Sales, Profit                    loket.Money
	Chart                            []store.DaySum
	ChartMax                         loket.Money
	Suppliers                        []app.SupplierState
	Stuck                            []*store.OrderRow
	Totals                           store.Totals
}

// overview: today's sales and profit (WIB day), orders by status, 14 days of sales,
// supplier balances and the orders stuck past the pending deadline.
func (h *Handler) overview(w http.ResponseWriter, r *http.Request, s *sess) {
	ctx := r.Context()
	now := h.now().In(wib)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, wib)
	var d overviewData
	sums, err := h.DB.SalesByStatus(ctx, today, today.AddDate(0, 0, 1))
	if err != nil {
		h.fail(w, r, s, err)
		return
	}
	for _, x := range sums {
		d.Orders += x.Count
		switch x.Status {
		case loket.StatusSuccess:
			d.Success, d.Sales, d.Profit = x.Count, x.Sales, x.Profit
		case loket.StatusPending:
			d.Pending = x.Count
		case loket.StatusFailed:
			d.Failed = x.Count
		}
	}
	if d.Chart, err = h.DB.DailySales(ctx, now, 14, wib); err != nil {
		h.fail(w, r, s, err)
		return
	}
	for _, c := range d.Chart {
		d.ChartMax = max(d.ChartMax, c.Sales)
	}
	d.Suppliers = h.App.Suppliers()
	if d.Stuck, err = h.DB.PendingOrders(ctx, true, 20); err != nil {
		h.fail(w, r, s, err)
		return
	}
	if d.Totals, err = h.DB.LedgerTotals(ctx); err != nil {
		h.fail(w, r, s, err)
		return
	}
	h.render(w, http.StatusOK, "admin_overview", h.newPage(w, r, s, "Ringkasan", "overview", d))
}

// fail shows an error page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *sess, err error) {
	status := http.StatusInternalServerError
	switch loket.ErrorCode(err) {
	case loket.ENOTFOUND:
		status = http.StatusNotFound
	case loket.EINVALID:
		status = http.StatusBadRequest
	}
	p := h.newPage(w, r, s, "Galat", "", nil)
	p.Error = h.errText(err)
	h.render(w, status, "error", p)
}
