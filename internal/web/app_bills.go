package web

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
)

// Postpaid bills (PPOB, docs/bills.md) on the reseller's pages: pick a postpaid
// product, check the customer's bill (an inquiry, kept by the bills service), read
// it and confirm, pay it from the balance. The payment is an order: its page follows
// it until it settles and prints its receipt (struk).

type billsData struct {
	Products []loket.Product // the postpaid products the reseller can pay
	Product  string
	Customer string
}

type billData struct {
	Inquiry *loket.Inquiry
	RefID   string // fixed when the page is shown, so a double submit pays once
	Expired bool   // past its day: paying checks the bill again
}

// refID is a fresh ref_id of a page's form.
func refID() string { return "WEB" + strings.ToUpper(auth.RandomCode(12)) }

// formRef is the ref_id a form sent, or a fresh one when it is not one of ours.
func formRef(r *http.Request) string {
	ref := r.PostFormValue("ref_id")
	if !strings.HasPrefix(ref, "WEB") || len(ref) > 40 {
		return refID()
	}
	return ref
}

// billProducts lists the active postpaid products, by name.
func (h *Handler) billProducts(level string) []loket.Product {
	var out []loket.Product
	for _, p := range h.svc.Catalog.Products(level) {
		if p.Active && p.Postpaid() {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// billsForm: a postpaid product and the customer number.
func (h *Handler) billsForm(w http.ResponseWriter, r *http.Request, s *sess) {
	q := r.URL.Query()
	d := &billsData{Products: h.billProducts(s.reseller.Level), Product: q.Get("product"), Customer: q.Get("customer_no")}
	h.render(w, http.StatusOK, "app_bills", h.newPage(w, r, s, "Bayar tagihan", "bills", d))
}

// billsInquire checks the bill ("Cek Tagihan") and shows it; a refusal is said on the
// form, which keeps what was typed.
func (h *Handler) billsInquire(w http.ResponseWriter, r *http.Request, s *sess) {
	product, customer := r.PostFormValue("product"), strings.TrimSpace(r.PostFormValue("customer_no"))
	in, err := h.svc.Bills.Inquire(r.Context(), s.reseller, product, customer)
	if err != nil {
		d := &billsData{Products: h.billProducts(s.reseller.Level), Product: product, Customer: customer}
		p := h.newPage(w, r, s, "Bayar tagihan", "bills", d)
		p.Error = h.billErrText(p, err, nil)
		h.render(w, http.StatusUnprocessableEntity, "app_bills", p)
		return
	}
	http.Redirect(w, r, "/app/bills/"+strconv.FormatInt(in.ID, 10), http.StatusSeeOther)
}

// billPage shows one of the reseller's inquiries with the button that pays it.
func (h *Handler) billPage(w http.ResponseWriter, r *http.Request, s *sess) {
	if in := h.ownInquiry(w, r, s); in != nil {
		h.renderBill(w, r, s, http.StatusOK, in, "", "")
	}
}

// ownInquiry is the reseller's inquiry of the path's {id} (another reseller's is not
// found); nil when there is none, and the page saying so is written.
func (h *Handler) ownInquiry(w http.ResponseWriter, r *http.Request, s *sess) *loket.Inquiry {
	return byPath(h, w, r, s, func(ctx context.Context, id int64) (*loket.Inquiry, error) {
		return h.svc.Bills.Inquiry(ctx, s.reseller, id)
	})
}

func (h *Handler) renderBill(w http.ResponseWriter, r *http.Request, s *sess, status int, in *loket.Inquiry, ref, msg string) {
	if ref == "" {
		ref = refID()
	}
	p := h.newPage(w, r, s, "Tagihan", "bills", &billData{Inquiry: in, RefID: ref, Expired: h.now().After(in.ValidUntil)})
	if msg != "" {
		p.Error = msg
	}
	h.render(w, status, "app_bill", p)
}

// newInquiryRE finds the inquiry a refused payment of a changed bill kept (the bills
// service names it in its message: "... pay inquiry 12 to pay the new amount").
var newInquiryRE = regexp.MustCompile(`pay inquiry (\d+)`)

// billPay pays an inquiry (surface "web") and shows the order. A bill whose amount
// moved since it was checked shows again at its new amount, to be confirmed again.
func (h *Handler) billPay(w http.ResponseWriter, r *http.Request, s *sess) {
	in := h.ownInquiry(w, r, s)
	if in == nil {
		return
	}
	ctx := r.Context()
	ref := formRef(r)
	o, _, err := h.svc.Bills.PayBill(ctx, s.reseller, in.ID, ref, "web")
	if err == nil {
		http.Redirect(w, r, "/app/orders/"+strconv.FormatInt(o.ID, 10), http.StatusSeeOther)
		return
	}
	p := &page{Lang: lang(r)}
	status := http.StatusUnprocessableEntity
	switch loket.ErrorCode(err) {
	case loket.ENOTFOUND:
		h.fail(w, r, s, err)
		return
	case loket.EAMOUNT:
		// The new bill: the one the service kept, else a fresh check.
		var fresh *loket.Inquiry
		if m := newInquiryRE.FindStringSubmatch(loket.ErrorMessage(err)); m != nil {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			fresh, _ = h.svc.Bills.Inquiry(ctx, s.reseller, n)
		}
		if fresh == nil {
			if fresh, err = h.svc.Bills.Inquire(ctx, s.reseller, in.ProductCode, in.Customer); err != nil {
				h.renderBill(w, r, s, status, in, "", h.billErrText(p, err, in))
				return
			}
		}
		h.renderBill(w, r, s, http.StatusConflict, fresh, "", h.billErrText(p, loket.Errorf(loket.EAMOUNT, ""), in, fresh))
		return
	}
	h.renderBill(w, r, s, status, in, ref, h.billErrText(p, err, in))
}

// billRefusals words the bills service's refusals for the pages, by code.
var billRefusals = map[string]string{
	loket.EINVALID:      "Nomor pelanggan harus 6–20 angka.",
	loket.EPRODUCT:      "Pilih produk tagihan dari daftar.",
	loket.EINACTIVE:     "Produk ini sedang tidak tersedia.",
	loket.ENOBILL:       "Tidak ada tagihan yang perlu dibayar untuk nomor pelanggan ini.",
	loket.EBILLPAID:     "Tagihan ini sudah dibayar.",
	loket.ECUSTOMER:     "Nomor pelanggan tidak ditemukan. Periksa kembali nomornya.",
	loket.EOVERLIMIT:    "Tagihan ini melebihi batas satu kali pembayaran dan tidak bisa dibayar di sini.",
	loket.EEXPIRED:      "Cek tagihan ini sudah kedaluwarsa dan tagihan belum bisa dicek ulang sekarang. Coba lagi nanti.",
	loket.EINSUFFICIENT: "Saldo tidak cukup untuk membayar tagihan ini. Isi saldo dulu.",
	loket.EUNAVAILABLE:  "Tagihan belum bisa dicek atau dibayar sekarang. Coba lagi nanti.",
	loket.ECONFLICT:     "Pembayaran tagihan ini sudah gagal dan dananya dikembalikan. Cek tagihan lagi untuk membayar.",
	loket.EAMOUNT:       "Jumlah tagihan berubah dari %s menjadi %s. Belum ada yang ditagih: periksa tagihan baru ini lalu konfirmasi lagi.",
}

// billErrText is the sentence a page shows for a refusal of the bills service; for a
// changed amount, the old inquiry and the new one. Nothing of the supplier's words
// reaches the reseller: an error without a sentence of its own is said generally.
func (h *Handler) billErrText(p *page, err error, in ...*loket.Inquiry) string {
	code := loket.ErrorCode(err)
	if f, ok := textRefusals[loket.ErrorReason(err)]; ok {
		return p.Tf(f, loket.ErrorField(err), loket.ErrorMax(err))
	}
	if code == loket.EAMOUNT && len(in) == 2 {
		return p.Tf(billRefusals[code], rupiah(in[0].Total), rupiah(in[1].Total))
	}
	if f, ok := billRefusals[code]; ok && code != loket.EAMOUNT {
		return p.T(f)
	}
	h.log.Error("dashboard bill", "err", err)
	return p.T("Terjadi kesalahan. Coba lagi nanti.")
}

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
