package web

import (
	"strconv"

	"github.com/loket/loket/internal/loket"
)

// What the "bill" partial (templates/_bill.html) shows of an inquiry: on the
// reseller's bill page and on the operator's order page.

// billPart is what the "bill" template shows of an inquiry: its periods and sums.
type billPart struct {
	*page
	In      *loket.Inquiry
	Bill    loket.Money // Σ amount of the periods, without penalties
	Penalty loket.Money // Σ penalty (denda)
	Pay     loket.Money // what the customer pays: the bill, penalties and admin
	Meter   bool        // the periods carry meter readings (PLN)
}

// BillOf prepares an inquiry for the "bill" template.
func (p *page) BillOf(in *loket.Inquiry) *billPart {
	b := &billPart{page: p, In: in}
	for _, bp := range in.Bill.Periods {
		b.Bill += bp.Amount
		b.Penalty += bp.Penalty
		b.Meter = b.Meter || bp.MeterStart != ""
	}
	b.Pay = in.Amount + in.Admin
	return b
}

// infoLabels names the details billers give (loket.Bill.Info) on the pages.
var infoLabels = map[string]string{"members": "Jumlah peserta"}

// InfoLabel is the label of a bill's detail: its name on the pages, else as the
// biller wrote it.
func (p *page) InfoLabel(k string) string {
	if l, ok := infoLabels[k]; ok {
		return p.T(l)
	}
	return k
}

var months = [2][12]string{
	{"Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"},
	{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
}

// Period writes a bill's period YYYYMM as "Nov 2026" (the month in the page's
// language); any other period as the biller wrote it.
func (p *page) Period(s string) string {
	if len(s) != 6 {
		return s
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[4:])
	if err1 != nil || err2 != nil || m < 1 || m > 12 || y < 1900 {
		return s
	}
	l := 0
	if p.Lang == "en" {
		l = 1
	}
	return months[l][m-1] + " " + s[:4]
}
