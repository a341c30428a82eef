package admin

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

// reportData is the reports page: the form's choices, the rows with their totals and
// the chart of their sales.
type reportData struct {
	From, To   string // YYYY-MM-DD, WIB, both days included
	By, Kind   string
	Dims       []string
	Rows       []loket.ReportRow
	Total      loket.ReportRow
	Chart      web.BarChart
	CSV        string // the export's address: the same query
	Head       string // the first column's heading
	ChartTitle string
}

// reportDimHeads are the first column's headings per dimension.
var reportDimHeads = map[string]string{
	loket.ReportByDay: "Tanggal", loket.ReportByProduct: "Produk", loket.ReportByBrand: "Brand",
	loket.ReportByReseller: "Reseller", loket.ReportBySupplier: "Supplier",
}

// dimHead names a report dimension in the page's language.
func dimHead(p *web.Page, by string) string { return p.T(reportDimHeads[by]) }

// reportQuery reads the form: from and to as WIB dates (both included; by default the
// last 7 days), the dimension and the kind.
func (h *Handler) reportQuery(r *http.Request) (reportData, loket.ReportQuery, error) {
	now := h.Now().In(web.WIB)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, web.WIB)
	d := reportData{From: today.AddDate(0, 0, -6).Format(time.DateOnly), To: today.Format(time.DateOnly),
		By: loket.ReportByDay, Kind: loket.ReportPrepaid, Dims: loket.ReportDims}
	f := r.URL.Query()
	for _, x := range []struct {
		v   *string
		key string
	}{{&d.From, "from"}, {&d.To, "to"}, {&d.By, "by"}, {&d.Kind, "kind"}} {
		if v := f.Get(x.key); v != "" {
			*x.v = v
		}
	}
	d.CSV = "/admin/reports.csv?" + url.Values{"from": {d.From}, "to": {d.To}, "by": {d.By}, "kind": {d.Kind}}.Encode()
	q := loket.ReportQuery{By: d.By, Kind: d.Kind, Loc: web.WIB}
	if !slices.Contains(loket.ReportDims, d.By) {
		return d, q, loket.Errorf(loket.EINVALID, "unknown report dimension")
	}
	from, err1 := time.ParseInLocation(time.DateOnly, d.From, web.WIB)
	to, err2 := time.ParseInLocation(time.DateOnly, d.To, web.WIB)
	if err1 != nil || err2 != nil {
		return d, q, loket.Errorf(loket.EINVALID, "a date is not YYYY-MM-DD")
	}
	q.From, q.To = from, to.AddDate(0, 0, 1)
	return d, q, nil
}

// adminReports: successful orders of a date range by one dimension, with totals and
// a chart of the sales.
func (h *Handler) adminReports(w http.ResponseWriter, r *http.Request, s *web.Session) {
	d, q, err := h.reportQuery(r)
	if err == nil {
		d.Rows, err = h.svc.Reports.Report(r.Context(), q)
	}
	if err != nil && loket.ErrorCode(err) != loket.EINVALID {
		h.Fail(w, r, s, err)
		return
	}
	p := h.NewPage(w, r, s, "Laporan", "reports", &d)
	d.Head = dimHead(p, d.By)
	if err != nil {
		p.Error = p.Tf("Laporan tidak bisa dibuat: tanggal YYYY-MM-DD, dari tidak setelah sampai, paling lama %d hari.", loket.MaxReportDays)
		h.Render(w, http.StatusBadRequest, "admin_reports", p)
		return
	}
	rows := d.Rows
	if d.By != loket.ReportByDay && len(rows) > 12 {
		rows = rows[:12] // the chart shows the twelve largest; the table has them all
	}
	var labels, titles []string
	var values []loket.Money
	for _, x := range d.Rows {
		d.Total.Count += x.Count
		d.Total.Sales += x.Sales
		d.Total.Cost += x.Cost
		d.Total.Margin += x.Margin
	}
	for _, x := range rows {
		l := reportLabel(x, d.By)
		if d.By == loket.ReportByDay {
			l = x.Day.Format("2/1")
		}
		labels, titles, values = append(labels, l), append(titles, reportLabel(x, d.By)+": "+web.Rupiah(x.Sales)), append(values, x.Sales)
	}
	d.ChartTitle = p.T("Penjualan") + " · " + d.Head
	d.Chart = web.NewBarChart(d.ChartTitle, labels, titles, values)
	h.Render(w, http.StatusOK, "admin_reports", p)
}

// reportLabel names a row: its date (YYYY-MM-DD, WIB), code, name or username.
func reportLabel(x loket.ReportRow, by string) string {
	switch {
	case by == loket.ReportByDay:
		return x.Day.Format(time.DateOnly)
	case x.Label == "":
		return "—"
	}
	return x.Label
}

// adminReportsCSV: the same rows as text/csv, UTF-8, a header row, amounts as whole
// rupiah, days as YYYY-MM-DD in WIB.
func (h *Handler) adminReportsCSV(w http.ResponseWriter, r *http.Request, s *web.Session) {
	d, q, err := h.reportQuery(r)
	if err == nil {
		d.Rows, err = h.svc.Reports.Report(r.Context(), q)
	}
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	p := h.NewPage(w, r, s, "", "", nil)
	head := []string{dimHead(p, d.By)}
	if d.By == loket.ReportByProduct {
		head = append(head, p.T("Nama"))
	}
	head = append(head, p.T("Jumlah"), p.T("Penjualan"), p.T("Modal"), p.T("Margin"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="laporan-%s-%s-%s.csv"`, d.By, d.From, d.To))
	cw := csv.NewWriter(w)
	cw.Write(head)
	for _, x := range d.Rows {
		line := []string{reportLabel(x, d.By)}
		if d.By == loket.ReportByProduct {
			line = append(line, x.Name)
		}
		line = append(line, strconv.FormatInt(x.Count, 10), strconv.FormatInt(int64(x.Sales), 10),
			strconv.FormatInt(int64(x.Cost), 10), strconv.FormatInt(int64(x.Margin), 10))
		cw.Write(line)
	}
	cw.Flush()
}
