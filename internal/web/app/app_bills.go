package app

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
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
func (h *Handler) billsForm(w http.ResponseWriter, r *http.Request, s *web.Session) {
	q := r.URL.Query()
	d := &billsData{Products: h.billProducts(s.Reseller.Level), Product: q.Get("product"), Customer: q.Get("customer_no")}
	h.Render(w, http.StatusOK, "app_bills", h.NewPage(w, r, s, "Bayar tagihan", "bills", d))
}

// billsInquire checks the bill ("Cek Tagihan") and shows it; a refusal is said on the
// form, which keeps what was typed.
func (h *Handler) billsInquire(w http.ResponseWriter, r *http.Request, s *web.Session) {
	product, customer := r.PostFormValue("product"), strings.TrimSpace(r.PostFormValue("customer_no"))
	in, err := h.svc.Bills.Inquire(r.Context(), s.Reseller, product, customer)
	if err != nil {
		d := &billsData{Products: h.billProducts(s.Reseller.Level), Product: product, Customer: customer}
		p := h.NewPage(w, r, s, "Bayar tagihan", "bills", d)
		p.Error = h.billErrText(p, err, nil)
		h.Render(w, http.StatusUnprocessableEntity, "app_bills", p)
		return
	}
	http.Redirect(w, r, "/app/bills/"+strconv.FormatInt(in.ID, 10), http.StatusSeeOther)
}

// billPage shows one of the reseller's inquiries with the button that pays it.
func (h *Handler) billPage(w http.ResponseWriter, r *http.Request, s *web.Session) {
	if in := h.ownInquiry(w, r, s); in != nil {
		h.renderBill(w, r, s, http.StatusOK, in, "", "")
	}
}

// ownInquiry is the reseller's inquiry of the path's {id} (another reseller's is not
// found); nil when there is none, and the page saying so is written.
func (h *Handler) ownInquiry(w http.ResponseWriter, r *http.Request, s *web.Session) *loket.Inquiry {
	return byPath(h, w, r, s, func(ctx context.Context, id int64) (*loket.Inquiry, error) {
		return h.svc.Bills.Inquiry(ctx, s.Reseller, id)
	})
}

func (h *Handler) renderBill(w http.ResponseWriter, r *http.Request, s *web.Session, status int, in *loket.Inquiry, ref, msg string) {
	if ref == "" {
		ref = refID()
	}
	p := h.NewPage(w, r, s, "Tagihan", "bills", &billData{Inquiry: in, RefID: ref, Expired: h.Now().After(in.ValidUntil)})
	if msg != "" {
		p.Error = msg
	}
	h.Render(w, status, "app_bill", p)
}

// newInquiryRE finds the inquiry a refused payment of a changed bill kept (the bills
// service names it in its message: "... pay inquiry 12 to pay the new amount").
var newInquiryRE = regexp.MustCompile(`pay inquiry (\d+)`)

// billPay pays an inquiry (surface "web") and shows the order. A bill whose amount
// moved since it was checked shows again at its new amount, to be confirmed again.
func (h *Handler) billPay(w http.ResponseWriter, r *http.Request, s *web.Session) {
	in := h.ownInquiry(w, r, s)
	if in == nil {
		return
	}
	ctx := r.Context()
	ref := formRef(r)
	o, _, err := h.svc.Bills.PayBill(ctx, s.Reseller, in.ID, ref, "web")
	if err == nil {
		http.Redirect(w, r, "/app/orders/"+strconv.FormatInt(o.ID, 10), http.StatusSeeOther)
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	status := http.StatusUnprocessableEntity
	switch loket.ErrorCode(err) {
	case loket.ENOTFOUND:
		h.Fail(w, r, s, err)
		return
	case loket.EAMOUNT:
		// The new bill: the one the service kept, else a fresh check.
		var fresh *loket.Inquiry
		if m := newInquiryRE.FindStringSubmatch(loket.ErrorMessage(err)); m != nil {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			fresh, _ = h.svc.Bills.Inquiry(ctx, s.Reseller, n)
		}
		if fresh == nil {
			if fresh, err = h.svc.Bills.Inquire(ctx, s.Reseller, in.ProductCode, in.Customer); err != nil {
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
func (h *Handler) billErrText(p *web.Page, err error, in ...*loket.Inquiry) string {
	code := loket.ErrorCode(err)
	if f, ok := web.TextRefusals[loket.ErrorReason(err)]; ok {
		return p.Tf(f, loket.ErrorField(err), loket.ErrorMax(err))
	}
	if code == loket.EAMOUNT && len(in) == 2 {
		return p.Tf(billRefusals[code], web.Rupiah(in[0].Total), web.Rupiah(in[1].Total))
	}
	if f, ok := billRefusals[code]; ok && code != loket.EAMOUNT {
		return p.T(f)
	}
	h.log.Error("dashboard bill", "err", err)
	return p.T("Terjadi kesalahan. Coba lagi nanti.")
}
