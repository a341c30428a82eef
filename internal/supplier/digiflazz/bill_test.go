package digiflazz

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// The bill the documented examples are about (Cek Tagihan, Bayar Tagihan).
var docBill = supplier.BillRequest{Ref: "inq-7", Code: "pln", Customer: "530000000001"}

func pascaBody(cmd string, r supplier.BillRequest) map[string]any {
	b := trxBody(supplier.Request{Ref: r.Ref, Code: r.Code, Target: r.Customer})
	b["commands"] = cmd
	return b
}

func pascaJSON(status, rc, message string) []byte {
	b, _ := json.Marshal(map[string]any{"data": map[string]any{
		"ref_id": docBill.Ref, "customer_no": docBill.Customer, "buyer_sku_code": docBill.Code,
		"message": message, "status": status, "rc": rc, "price": 0, "selling_price": 0,
	}})
	return b
}

func TestInquireDocumentedBill(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/transaction", 200, "pasca_inquiry_pln.json")
	d := newAdapter(t, f.srv.URL)
	res, err := d.Inquire(context.Background(), docBill)
	if err != nil || res.Outcome != supplier.BillFound || res.Message == "" {
		t.Fatalf("inquire = %+v, %v", res, err)
	}
	want := &supplier.Bill{
		Customer: "530000000001", Name: "NAMA PELANGGAN SATU", Tariff: "R1", Power: "1300",
		Periods: []supplier.BillPeriod{{Period: "201901", Amount: 8000, Penalty: 500, Admin: 2500, MeterStart: "00080000", MeterEnd: "00090000"}},
		Amount:  8500, Admin: 2500, Price: 10900,
		Info: map[string]string{"lembar_tagihan": "1"},
	}
	if !reflect.DeepEqual(res.Bill, want) {
		t.Errorf("bill = %+v, want %+v", res.Bill, want)
	}
	wantRequest(t, f.requests()[0], "/v1/transaction", pascaBody("inq-pasca", docBill))
}

func TestInquireShapes(t *testing.T) {
	f := newFake(t)
	d := newAdapter(t, f.srv.URL)
	f.answerFile("/v1/transaction", 200, "pasca_inquiry_multi.json")
	res, err := d.Inquire(context.Background(), docBill)
	if err != nil {
		t.Fatal(err)
	}
	b := res.Bill
	if len(b.Periods) != 3 || b.Amount != 320000 || b.Admin != 7500 || b.Price != 326400 || b.Tariff != "R1M" || b.Power != "900" {
		t.Errorf("three-month bill = %+v", b)
	}
	// BPJS: periods without amounts; the amount is selling_price less admin.
	f.answerFile("/v1/transaction", 200, "pasca_inquiry_bpjs.json")
	res, err = d.Inquire(context.Background(), docBill)
	if err != nil {
		t.Fatal(err)
	}
	b = res.Bill
	if b.Amount != 51000 || b.Price != 52000 || b.Tariff != "" || b.Info["jumlah_peserta"] != "2" || b.Info["alamat"] != "JAKARTA PUSAT" {
		t.Errorf("BPJS bill = %+v", b)
	}
}

func TestInquiryOutcomes(t *testing.T) {
	f := newFake(t)
	d := newAdapter(t, f.srv.URL)
	for _, tc := range []struct {
		status, rc, msg string
		want            supplier.InquiryOutcome // "" = an error
	}{
		{"Gagal", "60", "Tagihan belum tersedia", supplier.NoBill},
		{"Gagal", "02", "Tagihan sudah terbayar", supplier.BillPaid},
		{"Gagal", "60", "Tagihan sudah LUNAS", supplier.BillPaid},
		{"Gagal", "54", "Nomor Tujuan Salah", supplier.WrongCustomer},
		{"Gagal", "57", "Jumlah Digit Kurang Atau Lebih", supplier.WrongCustomer},
		{"Gagal", "73", "Kwh Melebihi Batas", supplier.OverLimit},
		{"Gagal", "02", "Tagihan melebihi batas transaksi", supplier.OverLimit},
		{"Gagal", "02", "Transaksi Gagal", supplier.InquiryFailed},
		{"Gagal", "55", "Produk Sedang Gangguan", supplier.InquiryFailed},
		{"Gagal", "44", "Saldo tidak cukup", supplier.InquiryFailed},
		{"Gagal", "01", "Timeout", ""},
		{"Gagal", "85", "Limitasi transaksi tercapai", ""},
		{"Gagal", "77", "undocumented", ""},
		{"Pending", "03", "Transaksi Pending", ""},
		{"Sukses", "02", "odd", ""},
		{"", "", "", ""},
	} {
		f.answer("/v1/transaction", 200, pascaJSON(tc.status, tc.rc, tc.msg))
		res, err := d.Inquire(context.Background(), docBill)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s rc %s %q = %+v, want an error", tc.status, tc.rc, tc.msg, res)
			}
			continue
		}
		if err != nil || res.Outcome != tc.want || res.Bill != nil || res.Message == "" {
			t.Errorf("%s rc %s %q = %+v, %v; want %s", tc.status, tc.rc, tc.msg, res, err, tc.want)
		}
	}
	// A refusal may come with a 4xx; a bill may not.
	f.answer("/v1/transaction", 400, pascaJSON("Gagal", "60", "Tagihan belum tersedia"))
	if res, err := d.Inquire(context.Background(), docBill); err != nil || res.Outcome != supplier.NoBill {
		t.Errorf("no bill with HTTP 400 = %+v, %v", res, err)
	}
	f.answerFile("/v1/transaction", 400, "pasca_inquiry_pln.json")
	if res, err := d.Inquire(context.Background(), docBill); err == nil {
		t.Errorf("bill with HTTP 400 = %+v, want an error", res)
	}
}

func TestInquiryUnusable(t *testing.T) {
	good := readTestdata(t, "pasca_inquiry_pln.json")
	for _, tc := range []struct {
		name   string
		status int
		body   []byte
		tweak  func(map[string]any)
	}{
		{"502", 502, good, nil},
		{"garbage", 200, readTestdata(t, "garbage.html"), nil},
		{"truncated", 200, good[:60], nil},
		{"other ref", 200, nil, func(m map[string]any) { m["ref_id"] = "inq-8" }},
		{"other customer", 200, nil, func(m map[string]any) { m["customer_no"] = "530000000002" }},
		{"other sku", 200, nil, func(m map[string]any) { m["buyer_sku_code"] = "pdam" }},
		{"no price", 200, nil, func(m map[string]any) { delete(m, "price") }},
		{"bad desc", 200, nil, func(m map[string]any) { m["desc"] = "x" }},
	} {
		body := tc.body
		if tc.tweak != nil {
			var m map[string]map[string]any
			json.Unmarshal(good, &m)
			tc.tweak(m["data"])
			body, _ = json.Marshal(m)
		}
		f := newFake(t)
		f.answer("/v1/transaction", tc.status, body)
		d := newAdapter(t, f.srv.URL)
		if res, err := d.Inquire(context.Background(), docBill); err == nil {
			t.Errorf("%s: %+v, want an error", tc.name, res)
		} else {
			checkNoSecret(t, err.Error())
		}
	}
}

func TestPayBill(t *testing.T) {
	for _, tc := range []struct {
		file string
		want supplier.Result
	}{
		{"pasca_pay_success.json", supplier.Result{Outcome: supplier.Success, SN: "0A1B2C3D4E5F60718293A4B5C6D7E8F9", Price: 10900}},
		{"pasca_pay_pending.json", supplier.Result{Outcome: supplier.Pending, Price: 10900, RetryAfter: time.Minute}},
		{"pasca_pay_failed.json", supplier.Result{Outcome: supplier.Failed, Price: 10900}},
	} {
		f := newFake(t)
		f.answerFile("/v1/transaction", 200, tc.file)
		d := newAdapter(t, f.srv.URL)
		res, err := d.PayBill(context.Background(), docBill)
		if err != nil {
			t.Fatal(err)
		}
		res.Message = ""
		if res != tc.want {
			t.Errorf("%s: pay = %+v, want %+v", tc.file, res, tc.want)
		}
		wantRequest(t, f.requests()[0], "/v1/transaction", pascaBody("pay-pasca", docBill))
	}
}

func TestPayThenStatus(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/transaction", 200, "pasca_pay_pending.json")
	d, clk := newClocked(t, f.srv.URL)
	r := docBill
	r.PlacedAt = clk.Now()
	if res, err := d.PayBill(context.Background(), r); err != nil || res.Outcome != supplier.Pending {
		t.Fatalf("pay = %+v, %v", res, err)
	}
	f.answerFile("/v1/transaction", 200, "pasca_pay_success.json")
	clk.Advance(30 * time.Second)
	if res, err := d.BillStatus(context.Background(), r); err != nil || res.Outcome != supplier.Unknown || res.RetryAfter != 30*time.Second {
		t.Errorf("status 30s after paying = %+v, %v; want unknown, retry after 30s", res, err)
	}
	clk.Advance(30 * time.Second)
	res, err := d.BillStatus(context.Background(), r)
	if err != nil || res.Outcome != supplier.Success || res.SN == "" {
		t.Errorf("status a minute after paying = %+v, %v; want success", res, err)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	wantRequest(t, reqs[1], "/v1/transaction", pascaBody("status-pasca", docBill))
	// A status check refused for its own sake says nothing of the payment.
	f.answerFile("/v1/transaction", 400, "topup_sign_invalid.json")
	clk.Advance(time.Minute)
	if res, _ := d.BillStatus(context.Background(), r); res.Outcome == supplier.Failed {
		t.Errorf("status refused (rc 41) = %+v; want not failed", res)
	}
	// Past the 90 days nothing is sent.
	r.PlacedAt = clk.Now().Add(-86 * 24 * time.Hour)
	if _, err := d.BillStatus(context.Background(), r); err == nil {
		t.Error("status of an 86-day-old payment was sent")
	}
}

func TestPayBillUnknown(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   []byte
	}{
		{"500", 500, readTestdata(t, "pasca_pay_success.json")},
		{"garbage", 200, readTestdata(t, "garbage.html")},
		{"success with 4xx", 400, readTestdata(t, "pasca_pay_success.json")},
		{"other ref", 200, pascaJSONRef("inq-8")},
	} {
		f := newFake(t)
		f.answer("/v1/transaction", tc.status, tc.body)
		d := newAdapter(t, f.srv.URL)
		res, err := d.PayBill(context.Background(), docBill)
		if err == nil && (res.Outcome != supplier.Unknown || res.SN != "") {
			t.Errorf("%s: %+v, want an error or unknown", tc.name, res)
		}
	}
	// Timeout.
	f := newFake(t)
	f.mu.Lock()
	f.answers["/v1/transaction"] = answer{delay: true}
	f.mu.Unlock()
	d := newAdapter(t, f.srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := d.PayBill(ctx, docBill); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow payment: %v, want the deadline", err)
	}
}

func pascaJSONRef(ref string) []byte {
	b, _ := json.Marshal(map[string]any{"data": map[string]any{
		"ref_id": ref, "customer_no": docBill.Customer, "buyer_sku_code": docBill.Code,
		"message": "Transaksi Sukses", "status": "Sukses", "rc": "00", "sn": "X", "price": 10900,
	}})
	return b
}

func TestBillPrices(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/price-list", 200, "pasca_price_list.json")
	d := newAdapter(t, f.srv.URL)
	got, err := d.BillPrices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []supplier.BillPrice{
		{Code: "pln", Name: "PLN Pascabayar", Admin: 2500, Commission: 1000, Active: true},
		{Code: "bpjs", Name: "BPJS Kesehatan", Admin: 2500, Commission: 1500, Active: false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bill prices = %+v, want %+v", got, want)
	}
	wantRequest(t, f.requests()[0], "/v1/price-list", map[string]any{
		"cmd": "pasca", "username": testUser, "sign": md5hex(testUser + testKey + "pricelist"),
	})
	f.answerFile("/v1/price-list", 200, "price_list_error.json")
	if _, err := d.BillPrices(context.Background()); err == nil {
		t.Error("rate-limited price list: no error")
	}
}

func TestCheckMeter(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/inquiry-pln", 200, "inquiry_pln.json")
	d := newAdapter(t, f.srv.URL)
	m, err := d.CheckMeter(context.Background(), "56601234567")
	want := supplier.Meter{Customer: "56601234567", MeterNo: "56601234567", SubscriberID: "523300817840", Name: "NAMA PELANGGAN", Tariff: "R1", Power: "1300"}
	if err != nil || m != want {
		t.Errorf("meter = %+v, %v; want %+v", m, err, want)
	}
	wantRequest(t, f.requests()[0], "/v1/inquiry-pln", map[string]any{
		"username": testUser, "customer_no": "56601234567", "sign": md5hex(testUser + testKey + "56601234567"),
	})
	f.answerFile("/v1/inquiry-pln", 200, "inquiry_pln_wrong.json")
	var le *loket.Error
	if _, err := d.CheckMeter(context.Background(), "56601234567"); !errors.As(err, &le) || le.Code != loket.ENOTFOUND {
		t.Errorf("wrong number: %v, want ENOTFOUND", err)
	}
	for _, tc := range []struct {
		status int
		body   string
	}{
		{502, "<html>"},
		{200, "garbage"},
		{200, `{"data":{"status":"Gagal","rc":"86","message":"Limitasi pengecekan nomor PLN tercapai"}}`},
		{200, `{"data":{"status":"Sukses","rc":"00","customer_no":"999"}}`},
		{http.StatusBadRequest, `{"data":{"status":"Gagal","rc":"41","message":"Signature tidak valid"}}`},
	} {
		f.answer("/v1/inquiry-pln", tc.status, []byte(tc.body))
		_, err := d.CheckMeter(context.Background(), "56601234567")
		if err == nil || errors.As(err, &le) {
			t.Errorf("%d %s: %v, want a plain error", tc.status, tc.body, err)
		}
	}
}

func TestCallbackBillPayment(t *testing.T) {
	d := newAdapter(t, "")
	body := readTestdata(t, "webhook_pasca_success.json")
	r := signed(t, body)
	r.Header.Set("User-Agent", "Digiflazz-Pasca-Hookshot")
	cbs, status, _, err := d.ReceiveCallback(r, body)
	if err != nil || status != 200 || len(cbs) != 1 {
		t.Fatalf("callback: %+v %d %v", cbs, status, err)
	}
	if cb := cbs[0]; cb.Ref != docBill.Ref || cb.Result.Outcome != supplier.Success || cb.Result.SN != "0A1B2C3D4E5F60718293A4B5C6D7E8F9" || cb.Result.Price != 10900 {
		t.Errorf("callback = %+v", cb)
	}
	// A postpaid success without a reference number may be the inquiry: not paid.
	var m map[string]map[string]any
	json.Unmarshal(body, &m)
	m["data"]["sn"] = ""
	body, _ = json.Marshal(m)
	cbs, _, _, _ = d.ReceiveCallback(signed(t, body), body)
	if len(cbs) != 1 || cbs[0].Result.Outcome != supplier.Unknown {
		t.Errorf("postpaid success without SN = %+v; want unknown", cbs)
	}
}
