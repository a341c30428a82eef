package app

import (
	"net/http"
	"net/url"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

// PLN meters: who a meter or customer number belongs to (name, tariff, power), asked
// of the bills service before a token is bought, in the order form and on its own
// page ("Cek ID PLN").

// meterRefusals words the refusals of a meter check, by code.
var meterRefusals = map[string]string{
	loket.EINVALID:     "Nomor meter/ID pelanggan harus 6–20 angka.",
	loket.ECUSTOMER:    "Nomor meter/ID pelanggan tidak ditemukan. Periksa kembali nomornya.",
	loket.EPRODUCT:     "Cek meter PLN belum tersedia.",
	loket.EINACTIVE:    "Cek meter PLN belum tersedia.",
	loket.EUNAVAILABLE: "Nomor meter belum bisa dicek sekarang. Coba lagi nanti.",
}

// checkMeter looks number up through product's routes ("" for the first product that
// checks PLN meters); a refusal is the sentence to show.
func (h *Handler) checkMeter(r *http.Request, s *web.Session, p *web.Page, product, number string) (*loket.Meter, string) {
	m, err := h.svc.Bills.CheckMeter(r.Context(), s.Reseller, product, number)
	if err == nil {
		return m, ""
	}
	if f, ok := web.TextRefusals[loket.ErrorReason(err)]; ok {
		return nil, p.Tf(f, loket.ErrorField(err), loket.ErrorMax(err))
	}
	if f, ok := meterRefusals[loket.ErrorCode(err)]; ok {
		return nil, p.T(f)
	}
	h.log.Error("dashboard meter check", "err", err)
	return nil, p.T("Terjadi kesalahan. Coba lagi nanti.")
}

type plnData struct {
	Number string
	Meter  *loket.Meter
	Buy    string // the order form of the PLN tokens for this meter
}

// plnCheck is "Cek ID PLN": a meter or customer number's owner, with a link to buy a
// token for it.
func (h *Handler) plnCheck(w http.ResponseWriter, r *http.Request, s *web.Session) {
	d := &plnData{Number: r.URL.Query().Get("customer_no")}
	p := h.NewPage(w, r, s, "Cek ID PLN", "bills", d)
	status := http.StatusOK
	if d.Number != "" {
		if d.Meter, p.Error = h.checkMeter(r, s, p, "", d.Number); d.Meter == nil {
			status = http.StatusUnprocessableEntity
		}
	}
	if d.Meter != nil {
		for _, pr := range h.svc.Catalog.Products(s.Reseller.Level) {
			if pr.Active && pr.CustomerCheck == loket.CheckPLN {
				d.Buy = "/app/order?" + url.Values{"brand": {pr.Brand}, "target": {d.Meter.Customer}}.Encode()
				break
			}
		}
	}
	h.Render(w, status, "app_pln", p)
}
