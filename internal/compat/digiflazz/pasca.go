package digiflazz

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// Postpaid bills (docs: Cek Tagihan, Bayar Tagihan, Cek Status pascabayar): the
// transaction endpoint with "commands". inq-pasca checks a bill under the client's
// ref_id (the Loket inquiry keeps it as its client ref), pay-pasca pays the inquiry
// that ref_id names under the same ref_id, and status-pasca answers the payment as it
// is now, never paying. The bill service does the work, as on every surface.

// The commands of /transaction (docs: Cek Tagihan, Bayar Tagihan, Cek Status, Inquiry PLN).
const (
	cmdInquire   = "inq-pasca"
	cmdPay       = "pay-pasca"
	cmdStatus    = "status-pasca"
	cmdPLNCheck  = "pln-subscribe"
	rcBillAbsent = "60" // Tagihan belum tersedia
	rcOverLimit  = "73" // Kwh Melebihi Batas: the nearest documented code for a bill over the limit
	rcAmount     = "84" // Nominal tidak valid: the bill's amount moved since the check
)

// pascaData is the data of an inq-pasca, pay-pasca or status-pasca answer and, with
// trx_id, of a postpaid webhook (docs: Bayar Tagihan, Response PLN).
type pascaData struct {
	TrxID          string         `json:"trx_id,omitempty"`
	RefID          string         `json:"ref_id"`
	CustomerNo     string         `json:"customer_no"`
	CustomerName   string         `json:"customer_name"`
	BuyerSKUCode   string         `json:"buyer_sku_code"`
	Admin          loket.Money    `json:"admin"`
	Message        string         `json:"message"`
	Status         string         `json:"status"`
	RC             string         `json:"rc"`
	SN             string         `json:"sn"`
	BuyerLastSaldo loket.Money    `json:"buyer_last_saldo"`
	Price          loket.Money    `json:"price"`
	SellingPrice   loket.Money    `json:"selling_price"`
	Desc           map[string]any `json:"desc,omitempty"`
}

// pascaDetail is one period of desc.detail, amounts written as Digiflazz's examples do.
type pascaDetail struct {
	Periode      string `json:"periode"`
	NilaiTagihan string `json:"nilai_tagihan"`
	Admin        string `json:"admin"`
	Denda        string `json:"denda"`
	MeterAwal    string `json:"meter_awal,omitempty"`
	MeterAkhir   string `json:"meter_akhir,omitempty"`
}

// billData is an inquiry in Digiflazz's words: price is what the reseller pays,
// selling_price what its customer pays (the bill and the admin fee), admin the admin
// fee of every period. Nothing names the supplier.
func billData(in *loket.Inquiry, refID, customerNo string, balance loket.Money) pascaData {
	d := pascaData{RefID: refID, CustomerNo: customerNo, CustomerName: in.Bill.Name, BuyerSKUCode: in.ProductCode,
		Admin: in.Admin, Message: messageSuccess, Status: statusSuccess, RC: rcSuccess, BuyerLastSaldo: balance,
		Price: in.Total, SellingPrice: in.Amount + in.Admin, Desc: map[string]any{}}
	for k, v := range in.Bill.Info {
		d.Desc[k] = v
	}
	if in.Bill.Tariff != "" {
		d.Desc["tarif"] = in.Bill.Tariff
	}
	if in.Bill.Power != "" {
		if n, err := strconv.Atoi(in.Bill.Power); err == nil {
			d.Desc["daya"] = n
		} else {
			d.Desc["daya"] = in.Bill.Power
		}
	}
	detail := make([]pascaDetail, 0, len(in.Bill.Periods))
	for _, p := range in.Bill.Periods {
		detail = append(detail, pascaDetail{Periode: p.Period, NilaiTagihan: money(p.Amount), Admin: money(p.Admin),
			Denda: money(p.Penalty), MeterAwal: p.MeterStart, MeterAkhir: p.MeterEnd})
	}
	d.Desc["lembar_tagihan"] = len(detail)
	d.Desc["detail"] = detail
	return d
}

func money(m loket.Money) string { return strconv.FormatInt(int64(m), 10) }

// billOrderData is a bill's payment in Digiflazz's words: the order's state, with the
// bill it pays.
func billOrderData(o *loket.Order, customerNo string, balance loket.Money) pascaData {
	t := orderData(o, customerNo, balance)
	var d pascaData
	if o.Inquiry != nil {
		d = billData(o.Inquiry, o.RefID, customerNo, balance)
	} else {
		d = pascaData{RefID: o.RefID, CustomerNo: customerNo, BuyerSKUCode: o.ProductCode, BuyerLastSaldo: balance}
	}
	d.Status, d.RC, d.Message, d.SN, d.Price = t.Status, t.RC, t.Message, t.SN, o.Price
	return d
}

// failPasca answers a refused postpaid command in its shape (status Gagal; Pending
// with rc 99 for a fault of Loket's own, since a payment may have been written).
func (h *handler) failPasca(w http.ResponseWriter, t trxRequest, err error, balance loket.Money) {
	status, rc, msg := h.status(w, err)
	d := pascaData{RefID: t.refID, CustomerNo: t.customerNo, BuyerSKUCode: t.sku, Message: msg, Status: statusFailed,
		RC: rc, BuyerLastSaldo: balance}
	if status >= 500 {
		d.Status = statusPending
	}
	httpx.WriteJSON(w, status, envelope{Data: d})
}

// pasca serves the postpaid commands of an authenticated request.
func (h *handler) pasca(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth, t trxRequest) {
	if t.testing {
		h.testPasca(w, r, ra, t)
		return
	}
	ctx := r.Context()
	switch t.command {
	case cmdInquire:
		if o, err := h.svc.Orders.OrderByRef(ctx, ra.ID, t.refID); err == nil && o.InquiryID == 0 {
			h.failPasca(w, t, refUsed(), h.balanceOf(ctx, ra))
			return
		}
		in, err := h.svc.Bills.InquireRef(ctx, ra, t.sku, t.customerNo, t.refID)
		if err == nil && !sameBill(in, t) {
			err = refUsed()
		}
		if err != nil {
			h.failPasca(w, t, err, h.balanceOf(ctx, ra))
			return
		}
		ok(w, billData(in, t.refID, t.customerNo, h.balanceOf(ctx, ra)))
	case cmdPay:
		// A ref_id paid already answers its payment: the same request again is its status.
		if h.answerPayment(w, r, ra, t, false) {
			return
		}
		in, err := h.svc.Bills.InquiryByRef(ctx, ra, t.refID)
		switch {
		case loket.ErrorCode(err) == loket.ENOTFOUND:
			err = payloadError("Payload Error: tidak ada cek tagihan (inq-pasca) dengan ref_id ini")
		case err == nil && !sameBill(in, t):
			err = refUsed()
		}
		if err != nil {
			h.failPasca(w, t, err, h.balanceOf(ctx, ra))
			return
		}
		o, _, err := h.svc.Bills.PayBill(ctx, ra, in.ID, t.refID, Surface)
		if err == nil && o.RefID != t.refID {
			// The bill is paid, or being paid, under another ref_id of the reseller's.
			err = loket.Errorf(loket.EBILLPAID, "the bill is paid under ref_id %s", o.RefID)
		}
		if err != nil {
			h.failPasca(w, t, err, h.balanceOf(ctx, ra))
			return
		}
		ok(w, billOrderData(o, t.customerNo, h.balanceOf(ctx, ra)))
	case cmdStatus:
		h.answerPayment(w, r, ra, t, true)
	}
}

// answerPayment answers the payment under t's ref_id, if there is one, and reports
// whether it answered. With always, no payment is rc 50 (Transaksi Tidak Ditemukan).
func (h *handler) answerPayment(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth, t trxRequest, always bool) bool {
	ctx := r.Context()
	o, err := h.svc.Orders.OrderByRef(ctx, ra.ID, t.refID)
	switch {
	case err == nil && (o.InquiryID == 0 || !strings.EqualFold(o.ProductCode, t.sku) || o.Target != customerDigits(t.customerNo)):
		err = refUsed()
	case err == nil:
		ok(w, billOrderData(o, t.customerNo, h.balanceOf(ctx, ra)))
		return true
	case loket.ErrorCode(err) == loket.ENOTFOUND && !always:
		return false
	}
	h.failPasca(w, t, err, h.balanceOf(ctx, ra))
	return true
}

func refUsed() error { return loket.Errorf(loket.ECONFLICT, "ref_id used by another transaction") }

// sameBill says a request under an inquiry's ref_id asks about that inquiry.
func sameBill(in *loket.Inquiry, t trxRequest) bool {
	return strings.EqualFold(in.ProductCode, t.sku) && in.Customer == customerDigits(t.customerNo)
}

// customerDigits is a customer number as the bill service keeps it: without spaces
// and dashes.
func customerDigits(s string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
}

// meterData is the answer of a PLN check (docs: Inquiry PLN).
type meterData struct {
	Message      string `json:"message"`
	Status       string `json:"status"`
	RC           string `json:"rc"`
	CustomerNo   string `json:"customer_no"`
	MeterNo      string `json:"meter_no"`
	SubscriberID string `json:"subscriber_id"`
	Name         string `json:"name"`
	SegmentPower string `json:"segment_power"`
}

// segmentPower writes tariff and power as PLN does: "R1 /000001300".
func segmentPower(tariff, power string) string {
	if n, err := strconv.Atoi(power); err == nil {
		power = strconv.Itoa(1e9 + n)[1:]
	}
	return tariff + " /" + power
}

// plnCheck looks a PLN customer up (docs: Inquiry PLN; /v1/inquiry-pln, or
// commands pln-subscribe on /v1/transaction): signed md5(username + key +
// customer_no). It is free and writes nothing; with "testing": true (pln-subscribe)
// the simulator answers, no supplier is asked.
func (h *handler) plnCheck(w http.ResponseWriter, r *http.Request, q request) {
	customer, err := q.need("customer_no")
	fail := func(err error) {
		status, rc, msg := h.status(w, err)
		httpx.WriteJSON(w, status, envelope{Data: meterData{Message: msg, Status: statusFailed, RC: rc, CustomerNo: customer}})
	}
	if err != nil {
		fail(err)
		return
	}
	ra, err := h.authenticate(r.Context(), r, q, q.raw("customer_no"))
	if err != nil {
		fail(err)
		return
	}
	var m *loket.Meter
	if truthy(q.Get("testing")) {
		m, err = testMeter(r.Context(), customer)
	} else {
		m, err = h.svc.Bills.CheckMeter(r.Context(), ra, "", customer)
	}
	if err != nil {
		fail(err)
		return
	}
	ok(w, meterData{Message: messageSuccess, Status: statusSuccess, RC: rcSuccess, CustomerNo: customer, MeterNo: m.MeterNo,
		SubscriberID: m.SubscriberID, Name: m.Name, SegmentPower: segmentPower(m.Tariff, m.Power)})
}
