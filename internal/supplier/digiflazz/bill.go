package digiflazz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// Postpaid bills (docs: Cek Tagihan, Bayar Tagihan, Cek Status) go to /transaction with
// "commands": inq-pasca, then pay-pasca under the same ref_id, and status-pasca to ask
// about a payment; PLN meters are looked up on /inquiry-pln (docs: Inquiry PLN).

var (
	_ supplier.Biller          = (*Digiflazz)(nil)
	_ supplier.BillPriceLister = (*Digiflazz)(nil)
	_ supplier.MeterChecker    = (*Digiflazz)(nil)
)

// pascaData is data of an inq-pasca, pay-pasca or status-pasca answer (and of a
// postpaid webhook): the prepaid fields and the bill.
type pascaData struct {
	trxData
	CustomerName flexString      `json:"customer_name"`
	Admin        flexAmount      `json:"admin"`
	SellingPrice flexAmount      `json:"selling_price"`
	Desc         json.RawMessage `json:"desc"`
}

type pascaDetail struct {
	Periode      flexString `json:"periode"`
	NilaiTagihan flexAmount `json:"nilai_tagihan"`
	Admin        flexAmount `json:"admin"`
	Denda        flexAmount `json:"denda"`
	MeterAwal    flexString `json:"meter_awal"`
	MeterAkhir   flexString `json:"meter_akhir"`
}

type pascaDesc struct {
	Tarif  flexString    `json:"tarif"`
	Daya   flexString    `json:"daya"`
	Detail []pascaDetail `json:"detail"`
}

// pascaRequest is the body of an inq-pasca, pay-pasca or status-pasca request.
func (d *Digiflazz) pascaRequest(cmd string, r supplier.BillRequest) trxRequest {
	return trxRequest{
		Commands:     cmd,
		Username:     d.username,
		BuyerSKUCode: r.Code,
		CustomerNo:   r.Customer,
		RefID:        r.Ref,
		Sign:         d.sign(r.Ref),
		Testing:      d.testing,
	}
}

func checkBill(r supplier.BillRequest) error {
	if strings.TrimSpace(r.Ref) == "" || strings.TrimSpace(r.Code) == "" || strings.TrimSpace(r.Customer) == "" {
		return errors.New("digiflazz: bill request needs a ref, a product code and a customer number")
	}
	return nil
}

// asOrder is r in the shape mismatch and the one-minute rule read.
func asOrder(r supplier.BillRequest) supplier.Request {
	return supplier.Request{Ref: r.Ref, Code: r.Code, Target: r.Customer, PlacedAt: r.PlacedAt, TrxID: r.TrxID}
}

// Inquire asks for a customer's bill (inq-pasca) under r.Ref, the ref_id the payment
// will use.
func (d *Digiflazz) Inquire(ctx context.Context, r supplier.BillRequest) (supplier.InquiryResult, error) {
	if err := checkBill(r); err != nil {
		return supplier.InquiryResult{}, err
	}
	var t pascaData
	status, err := d.exchange(ctx, d.pascaRequest("inq-pasca", r), &t)
	if err != nil {
		return supplier.InquiryResult{}, err
	}
	msg := describe(t.trxData)
	if m := mismatch(t.trxData, asOrder(r)); m != "" {
		return supplier.InquiryResult{}, fmt.Errorf("digiflazz: inquiry %s: %s", r.Ref, m)
	}
	out, known := inquiryOutcome(string(t.Status), string(t.RC), string(t.Message))
	if !known {
		return supplier.InquiryResult{}, fmt.Errorf("digiflazz: inquiry %s: no usable answer (HTTP %d): %s", r.Ref, status, msg)
	}
	if out != supplier.BillFound {
		return supplier.InquiryResult{Outcome: out, Message: msg}, nil
	}
	if status < 200 || status > 299 {
		// A bill is not believed from an error status.
		return supplier.InquiryResult{}, fmt.Errorf("digiflazz: inquiry %s: a bill with HTTP %d", r.Ref, status)
	}
	b, err := readBill(t, r)
	if err != nil {
		return supplier.InquiryResult{}, fmt.Errorf("digiflazz: inquiry %s: %w", r.Ref, err)
	}
	return supplier.InquiryResult{Outcome: supplier.BillFound, Bill: b, Message: msg}, nil
}

// readBill reads the bill of a successful inquiry.
func readBill(t pascaData, r supplier.BillRequest) (*supplier.Bill, error) {
	if !t.Price.ok {
		return nil, errors.New("the bill has no readable price")
	}
	var desc pascaDesc
	var extra map[string]json.RawMessage
	if len(t.Desc) > 0 && string(t.Desc) != "null" {
		if json.Unmarshal(t.Desc, &desc) != nil || json.Unmarshal(t.Desc, &extra) != nil {
			return nil, errors.New("unreadable desc")
		}
	}
	b := &supplier.Bill{
		Customer: r.Customer,
		Name:     string(t.CustomerName),
		Tariff:   string(desc.Tarif),
		Power:    string(desc.Daya),
		Price:    t.Price.v,
		TrxID:    string(t.TrxID),
	}
	if t.Admin.ok {
		b.Admin = t.Admin.v
	}
	amounts := len(desc.Detail) > 0
	var periodAdmin loket.Money
	for _, p := range desc.Detail {
		bp := supplier.BillPeriod{
			Period:     string(p.Periode),
			Amount:     p.NilaiTagihan.v,
			Penalty:    p.Denda.v,
			Admin:      p.Admin.v,
			MeterStart: string(p.MeterAwal),
			MeterEnd:   string(p.MeterAkhir),
		}
		amounts = amounts && p.NilaiTagihan.ok
		periodAdmin += bp.Admin
		b.Amount += bp.Amount + bp.Penalty
		b.Periods = append(b.Periods, bp)
	}
	if !t.Admin.ok {
		b.Admin = periodAdmin
	}
	if !amounts {
		// Some billers (BPJS) list periods without amounts: the bill is then what the
		// customer pays less the admin fee.
		if !t.SellingPrice.ok || t.SellingPrice.v < b.Admin {
			return nil, errors.New("the bill's amount can be read neither from desc.detail nor from selling_price")
		}
		b.Amount = t.SellingPrice.v - b.Admin
	}
	for k, raw := range extra {
		if k == "tarif" || k == "daya" || k == "detail" {
			continue
		}
		var v flexString
		if json.Unmarshal(raw, &v) == nil && v != "" {
			if b.Info == nil {
				b.Info = map[string]string{}
			}
			b.Info[k] = string(v)
		}
	}
	return b, nil
}

// PayBill pays the bill its inquiry found (pay-pasca with the inquiry's ref_id). Like
// Order, a refusal is failed, a timeout or garbage an error.
func (d *Digiflazz) PayBill(ctx context.Context, r supplier.BillRequest) (supplier.Result, error) {
	if err := checkBill(r); err != nil {
		return supplier.Result{}, err
	}
	d.markSent(r.Ref)
	return d.send(ctx, d.pascaRequest("pay-pasca", r), asOrder(r), placing)
}

// BillStatus asks about a payment (status-pasca), keeping a minute between requests
// for one ref_id and refusing past the 90 days Digiflazz keeps transactions.
func (d *Digiflazz) BillStatus(ctx context.Context, r supplier.BillRequest) (supplier.Result, error) {
	if err := checkBill(r); err != nil {
		return supplier.Result{}, err
	}
	o := asOrder(r)
	if err := d.tooOld(o, "a status check now answers nothing"); err != nil {
		return supplier.Result{}, err
	}
	if res, wait := d.hold(o); wait {
		return res, nil
	}
	d.markSent(r.Ref)
	return d.send(ctx, d.pascaRequest("status-pasca", r), o, checking)
}

// pascaPriceItem is one entry of the postpaid price list (cmd "pasca").
type pascaPriceItem struct {
	BuyerSKUCode        flexString `json:"buyer_sku_code"`
	ProductName         flexString `json:"product_name"`
	Admin               flexAmount `json:"admin"`
	Commission          flexAmount `json:"commission"`
	BuyerProductStatus  bool       `json:"buyer_product_status"`
	SellerProductStatus bool       `json:"seller_product_status"`
}

// BillPrices is the postpaid price list (docs: Daftar Harga, cmd "pasca"): each
// product's admin fee and the commission Digiflazz pays per bill. Entries without a
// code or a readable admin fee are left out.
func (d *Digiflazz) BillPrices(ctx context.Context) ([]supplier.BillPrice, error) {
	var items []pascaPriceItem
	if err := d.priceList(ctx, "pasca", &items); err != nil {
		return nil, err
	}
	out := make([]supplier.BillPrice, 0, len(items))
	for _, it := range items {
		if it.BuyerSKUCode == "" || !it.Admin.ok {
			continue
		}
		out = append(out, supplier.BillPrice{
			Code:       string(it.BuyerSKUCode),
			Name:       string(it.ProductName),
			Admin:      it.Admin.v,
			Commission: it.Commission.v,
			Active:     it.BuyerProductStatus && it.SellerProductStatus,
		})
	}
	return out, nil
}

// CheckMeter looks a PLN customer up (docs: Inquiry PLN, sign md5(username+key+customer_no)).
func (d *Digiflazz) CheckMeter(ctx context.Context, customer string) (supplier.Meter, error) {
	customer = strings.TrimSpace(customer)
	if customer == "" {
		return supplier.Meter{}, errors.New("digiflazz: a meter check needs a customer number")
	}
	body := map[string]string{"username": d.username, "customer_no": customer, "sign": d.sign(customer)}
	status, raw, err := d.post(ctx, "/inquiry-pln", body, maxAnswer)
	if err != nil {
		return supplier.Meter{}, err
	}
	var ans struct {
		Data *struct {
			Status       flexString `json:"status"`
			RC           flexString `json:"rc"`
			Message      flexString `json:"message"`
			CustomerNo   flexString `json:"customer_no"`
			MeterNo      flexString `json:"meter_no"`
			SubscriberID flexString `json:"subscriber_id"`
			Name         flexString `json:"name"`
			SegmentPower flexString `json:"segment_power"`
		} `json:"data"`
	}
	if status >= 500 || json.Unmarshal(raw, &ans) != nil || ans.Data == nil {
		return supplier.Meter{}, fmt.Errorf("digiflazz: /inquiry-pln answered HTTP %d with an unusable body (%d bytes)", status, len(raw))
	}
	a := ans.Data
	if a.CustomerNo != "" && alnum(string(a.CustomerNo)) != alnum(customer) {
		return supplier.Meter{}, errors.New("digiflazz: /inquiry-pln answered about another customer_no")
	}
	ok := strings.EqualFold(string(a.Status), "sukses") || strings.EqualFold(string(a.Status), "success")
	switch {
	case ok && a.RC == "00" && status >= 200 && status <= 299:
		m := supplier.Meter{Customer: customer, MeterNo: string(a.MeterNo), SubscriberID: string(a.SubscriberID), Name: string(a.Name)}
		m.Tariff, m.Power = segmentPower(string(a.SegmentPower))
		return m, nil
	case wrongNumber[string(a.RC)] && !ok:
		return supplier.Meter{}, loket.Errorf(loket.ENOTFOUND, "nomor meter/ID pelanggan tidak ditemukan")
	}
	return supplier.Meter{}, refusal("/inquiry-pln", status, a.RC, a.Message)
}

// segmentPower reads "R1 /000001300" (tariff / power in VA) as "R1", "1300".
func segmentPower(s string) (tariff, power string) {
	t, p, _ := strings.Cut(s, "/")
	p = strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(p)), "VA")
	p = strings.TrimLeft(strings.TrimSpace(p), "0")
	return strings.TrimSpace(t), p
}

// tooOld refuses a status check of a transaction past the 90 days Digiflazz keeps it.
func (d *Digiflazz) tooOld(r supplier.Request, why string) error {
	if !r.PlacedAt.IsZero() && d.now().Sub(r.PlacedAt) > maxStatusAge {
		return fmt.Errorf("digiflazz: %s was placed %s ago; %s, settle it by hand",
			r.Ref, d.now().Sub(r.PlacedAt).Truncate(time.Hour), why)
	}
	return nil
}

// hold answers unknown, without asking, within a minute of the last request for r.
func (d *Digiflazz) hold(r supplier.Request) (supplier.Result, bool) {
	if wait := d.wait(r); wait > 0 {
		return supplier.Result{Outcome: supplier.Unknown, RetryAfter: wait,
			Message: "not asked yet: Digiflazz wants a minute between requests for one transaction"}, true
	}
	return supplier.Result{}, false
}
