package app

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

// csvMax bounds one export; older rows are a page of the API away.
const csvMax = 20000

func csvHeader(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	return csv.NewWriter(w)
}

// csvCell keeps a spreadsheet from reading a cell as a formula.
func csvCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

func (h *Handler) resellerOrdersCSV(w http.ResponseWriter, r *http.Request, s *web.Session) {
	cw := csvHeader(w, "pesanan-"+s.Username+".csv")
	cw.Write([]string{"id", "waktu_wib", "ref_id", "produk", "nama_produk", "tujuan", "harga", "status", "sn", "pesan"})
	var before int64
	for n := 0; n < csvMax; {
		orders, err := h.svc.Orders.Orders(r.Context(), loket.OrderFilter{ResellerID: s.SubjectID, Before: before, Limit: 500})
		if err != nil || len(orders) == 0 {
			break
		}
		for _, o := range orders {
			cw.Write([]string{strconv.FormatInt(o.ID, 10), o.CreatedAt.In(web.WIB).Format("2006-01-02 15:04:05"), csvCell(o.RefID), csvCell(o.ProductCode),
				csvCell(o.ProductName), csvCell(o.Target), o.Price.String(), o.Status, csvCell(o.SN), csvCell(o.Message)})
		}
		n += len(orders)
		before = orders[len(orders)-1].ID
	}
	cw.Flush()
}

type ledgerData struct {
	Lines []loket.LedgerLine
	Next  int64
}

// resellerLedger is the mutasi: every movement of the balance with the balance after.
func (h *Handler) resellerLedger(w http.ResponseWriter, r *http.Request, s *web.Session) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	lines, err := h.svc.Resellers.Ledger(r.Context(), s.Reseller, before, 50)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	d := ledgerData{Lines: lines}
	if len(lines) == 50 {
		d.Next = lines[len(lines)-1].ID
	}
	h.Render(w, http.StatusOK, "app_ledger", h.NewPage(w, r, s, "Mutasi saldo", "ledger", d))
}

func (h *Handler) resellerLedgerCSV(w http.ResponseWriter, r *http.Request, s *web.Session) {
	cw := csvHeader(w, "mutasi-"+s.Username+".csv")
	cw.Write([]string{"id", "waktu_wib", "jenis", "jumlah", "saldo_akhir", "pesanan", "catatan"})
	var before int64
	for n := 0; n < csvMax; {
		lines, err := h.svc.Resellers.Ledger(r.Context(), s.Reseller, before, 500)
		if err != nil || len(lines) == 0 {
			break
		}
		for _, l := range lines {
			order := ""
			if l.OrderID != nil {
				order = strconv.FormatInt(*l.OrderID, 10)
			}
			cw.Write([]string{strconv.FormatInt(l.ID, 10), l.CreatedAt.In(web.WIB).Format("2006-01-02 15:04:05"), l.TransferKind,
				l.Amount.String(), l.BalanceAfter.String(), order, csvCell(l.Note)})
		}
		n += len(lines)
		before = lines[len(lines)-1].ID
	}
	cw.Flush()
}
