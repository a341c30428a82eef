package app

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

// plnToken is a PLN token's SN as customers know it: the SN comes as
// TOKEN/NAME/TARIFF/POWER/KWH (docs/simulator-bills.md, as Digiflazz passes it on).
type plnToken struct {
	Token, Name, Tariff, Power, KWh string
}

// parseToken reads a PLN token's SN; nil when sn is not one.
func parseToken(sn string) *plnToken {
	parts := strings.Split(sn, "/")
	if len(parts) != 5 {
		return nil
	}
	digits := strings.NewReplacer("-", "", " ", "").Replace(parts[0])
	if len(digits) != 20 || strings.Trim(digits, "0123456789") != "" {
		return nil
	}
	groups := make([]string, 0, 5)
	for i := 0; i < 20; i += 4 {
		groups = append(groups, digits[i:i+4])
	}
	t := func(s string) string { return strings.TrimSpace(s) }
	return &plnToken{Token: strings.Join(groups, " "), Name: t(parts[1]), Tariff: t(parts[2]), Power: t(parts[3]), KWh: t(parts[4])}
}

// receiptLine is one line of a receipt: on the page and in its plain text.
type receiptLine struct {
	Label, Value string
	Strong       bool // a total
	Wide         bool // a token: a line of its own, large
}

type receiptData struct {
	Order    *loket.Order
	Shop     string
	Price    string // the selling price typed (?harga=), as typed
	PriceErr string
	Lines    []receiptLine
	Text     string // the receipt as plain text, to paste into a chat
	Share    string // a WhatsApp link that opens a chat with Text
}

// receipt is the order's struk: what the reseller hands its customer, printable.
func (h *Handler) receipt(w http.ResponseWriter, r *http.Request, s *web.Session) {
	o := h.ownOrder(w, r, s)
	if o == nil {
		return
	}
	res, err := h.svc.Resellers.Reseller(r.Context(), s.SubjectID, "")
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	d := &receiptData{Order: o, Shop: res.Name}
	if d.Shop == "" {
		d.Shop = res.Username
	}
	p := h.NewPage(w, r, s, "Struk", "orders", d)
	// The price on the receipt is what the customer pays the reseller: the selling
	// price it types (?harga=5.500), a dropship order's selling price, or else the
	// order's price.
	sell := o.Price
	if ds, err := h.svc.Dropship.Dropship(r.Context(), o.ID); err == nil {
		sell = ds.SellingPrice
	}
	if v := strings.TrimSpace(r.URL.Query().Get("harga")); v != "" {
		d.Price = v
		if m, err := loket.ParseMoney(v); err == nil && m > 0 && m <= loket.MaxAmount {
			sell = m
		} else {
			d.PriceErr = p.T("Harga jual harus angka rupiah, misalnya 5.500.")
		}
	}
	d.Lines = receiptLines(p, o, sell)
	text := []string{d.Shop, p.T("STRUK PEMBAYARAN"), web.ShowTime(o.CreatedAt), ""}
	for _, l := range d.Lines {
		text = append(text, l.Label+": "+l.Value)
	}
	d.Text = strings.Join(append(text, "", p.T("Terima kasih.")), "\n")
	d.Share = "https://wa.me/?text=" + strings.ReplaceAll(url.QueryEscape(d.Text), "+", "%20")
	h.Render(w, http.StatusOK, "app_receipt", p)
}

// receiptLines are a receipt's lines: a bill's customer, periods and sums with its
// reference number; a PLN token's meter, owner and token; any other order's target,
// price and SN. sell is the price the customer pays: for a bill, what it adds to the
// bill and its penalties is the admin fee the receipt shows.
func receiptLines(p *web.Page, o *loket.Order, sell loket.Money) []receiptLine {
	l := []receiptLine{{Label: p.T("Produk"), Value: o.ProductName}}
	add := func(label, value string) {
		if value != "" {
			l = append(l, receiptLine{Label: p.T(label), Value: value})
		}
	}
	if o.Status != loket.StatusSuccess {
		add("Status", p.W(o.Status))
	}
	if in := o.Inquiry; in != nil {
		b := p.BillOf(in)
		add("ID pelanggan", in.Customer)
		add("Nama", in.Bill.Name)
		add("Tarif/Daya", tariffPower(in.Bill.Tariff, in.Bill.Power))
		for _, bp := range in.Bill.Periods {
			v := web.Rupiah(bp.Amount)
			if bp.Penalty > 0 {
				v += " + " + p.T("denda") + " " + web.Rupiah(bp.Penalty)
			}
			l = append(l, receiptLine{Label: p.T("Periode") + " " + p.Period(bp.Period), Value: v})
		}
		add("Tagihan", web.Rupiah(b.Bill))
		if b.Penalty > 0 {
			add("Denda", web.Rupiah(b.Penalty))
		}
		admin, pay := in.Admin, b.Pay
		if sell != o.Price && sell >= b.Bill+b.Penalty {
			admin, pay = sell-b.Bill-b.Penalty, sell
		}
		add("Admin", web.Rupiah(admin))
		l = append(l, receiptLine{Label: p.T("Total bayar"), Value: web.Rupiah(pay), Strong: true})
		add("No. referensi", o.SN)
		return l
	}
	if t := parseToken(o.SN); t != nil {
		add("No. meter", o.Target)
		add("Nama", t.Name)
		add("Tarif/Daya", tariffPower(t.Tariff, t.Power))
		add("kWh", t.KWh)
		add("Harga", web.Rupiah(sell))
		l = append(l, receiptLine{Label: "TOKEN", Value: t.Token, Wide: true})
		return l
	}
	add("Tujuan", o.Target)
	add("Harga", web.Rupiah(sell))
	add("SN", o.SN)
	return l
}

// tariffPower writes a PLN tariff and power as "R1/1300 VA".
func tariffPower(tariff, power string) string {
	if power != "" {
		return tariff + "/" + power + " VA"
	}
	return tariff
}
