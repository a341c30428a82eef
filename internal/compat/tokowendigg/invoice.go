package tokowendigg

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

//go:embed invoice.html
var invoiceHTML string

var invoiceTmpl = template.Must(template.New("invoice").Parse(invoiceHTML))

type invoicePage struct {
	Reference string
	Provider  string
	Product   string
	Target    string
	Price     string
	Status    string
	StatusOK  bool
	StatusBad bool
	SN        string
	Note      string
	CreatedAt string
	StatusAt  string
	ExpiredAt string
	NotFound  bool

	// A deposit's page: what to transfer, where, and by when.
	Deposit  bool
	Unpaid   bool
	Amount   string
	Code     string
	Accounts []loket.BankAccount
}

// invoice serves the public invoice page of a transaction, by reference, like the
// original's /trx/{reference}. The reference is unguessable (see Reference), and the
// page still masks the middle of the target: whoever holds the link sees the order,
// not the customer's full number or game ID.
func (h *handler) invoice(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.fail(w, errMethod)
		return
	}
	page := invoicePage{Reference: r.PathValue("reference")}
	code := http.StatusOK
	if httpx.CheckURL(r) != nil {
		// No reference Loket gives out holds such text.
		h.page(w, http.StatusNotFound, invoicePage{NotFound: true})
		return
	}
	if _, isDeposit, _ := parseReference(page.Reference); isDeposit {
		h.depositInvoice(w, r, page)
		return
	}
	o, err := h.lookup(r.Context(), page.Reference, 0)
	switch {
	case err == nil && o.Surface != Surface:
		// Orders placed elsewhere carry client-chosen ref_ids, which may be guessable.
		page.NotFound, code = true, http.StatusNotFound
	case err != nil:
		if c, _ := reply(err); c >= 500 {
			h.fail(w, err)
			return
		}
		page.NotFound, code = true, http.StatusNotFound
	default:
		at := func(t time.Time) string { return t.In(wib).Format("02/01/2006 15:04:05") + " WIB" }
		page = invoicePage{Reference: Reference(o), Provider: h.brandName(o), Product: o.ProductName, Target: mask(o.Target),
			Price: rupiah(o.Price), Status: status(o.Status), StatusOK: o.Status == loket.StatusSuccess,
			StatusBad: o.Status == loket.StatusFailed, SN: sn(o), Note: note(o), CreatedAt: at(o.CreatedAt),
			StatusAt: at(statusAt(o)), ExpiredAt: at(o.CreatedAt.Add(invoiceTTL))}
	}
	h.page(w, code, page)
}

// depositInvoice serves a deposit's invoice page: while unpaid, the transfer to make
// (the exact total, the operator's accounts, the deadline in WIB). Only deposits made on
// this surface have one, like orders.
func (h *handler) depositInvoice(w http.ResponseWriter, r *http.Request, page invoicePage) {
	code := http.StatusOK
	d, err := h.lookupDeposit(r.Context(), page.Reference, 0)
	switch {
	case err == nil && d.Surface != Surface:
		page.NotFound, code = true, http.StatusNotFound
	case err != nil:
		if c, _ := reply(err); c >= 500 {
			h.fail(w, err)
			return
		}
		page.NotFound, code = true, http.StatusNotFound
	default:
		now := time.Now()
		at := func(t time.Time) string { return t.In(wib).Format("02/01/2006 15:04:05") + " WIB" }
		st := depositStatus(d, now)
		page = invoicePage{Reference: h.depositRef(d), Provider: depositProvider, Product: depositProduct(d.Amount),
			Price: rupiah(d.Total), Status: st, StatusOK: st == "success", StatusBad: st == "expired", SN: "N/A",
			Note: depositNote(d, now), CreatedAt: at(d.CreatedAt), StatusAt: at(depositStatusAt(d, now)), ExpiredAt: at(d.ExpiresAt),
			Deposit: true, Unpaid: st == "unpaid", Amount: rupiah(d.Amount), Code: rupiah(d.UniqueCode)}
		if page.Unpaid {
			banks, err := h.svc.Deposits.BankAccounts(r.Context())
			if err != nil {
				h.fail(w, err)
				return
			}
			for _, b := range banks {
				b.Bank = bankLabel(b.Bank)
				page.Accounts = append(page.Accounts, b)
			}
		}
	}
	h.page(w, code, page)
}

func (h *handler) page(w http.ResponseWriter, code int, page invoicePage) {
	var buf bytes.Buffer
	if err := invoiceTmpl.Execute(&buf, page); err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Robots-Tag", "noindex")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// mask hides the middle of a target, keeping enough to recognise it.
func mask(s string) string {
	r := []rune(s)
	switch {
	case len(r) <= 4:
		return s
	case len(r) <= 7:
		return string(r[:2]) + strings.Repeat("*", len(r)-3) + string(r[len(r)-1:])
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-3:])
}

// rupiah formats an amount the Indonesian way: Rp 10.575.
func rupiah(m loket.Money) string { return loket.FormatRupiah(m) }
