package tokowendigg

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
)

func TestPriceUpdateBody(t *testing.T) {
	// The seed's own example.
	got, err := PriceUpdateBody([]PriceChange{
		{ProductCode: "MLBB-BJ-V3-ALLMLBB_ID_5", PriceOld: 1425, PriceNew: 1480},
		{ProductCode: "MLBB-BJ-V3-ALLMLBB_ID_10", PriceOld: 2868, PriceNew: 1920},
		{ProductCode: "MLBB-BJ-V3-ALLMLBB_ID_15", PriceOld: 4255, PriceNew: 4290},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"webhook_type":"price_update","data":[` +
		`{"product_code":"MLBB-BJ-V3-ALLMLBB_ID_5","price_old":1425,"price_new":1480},` +
		`{"product_code":"MLBB-BJ-V3-ALLMLBB_ID_10","price_old":2868,"price_new":1920},` +
		`{"product_code":"MLBB-BJ-V3-ALLMLBB_ID_15","price_old":4255,"price_new":4290}]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	empty, _ := PriceUpdateBody(nil)
	if string(empty) != `{"webhook_type":"price_update","data":[]}` {
		t.Errorf("empty: %s", empty)
	}
}

func TestStatusWebhookBody(t *testing.T) {
	created := time.Date(2024, 7, 2, 13, 0, 0, 0, time.UTC)
	settled := time.Date(2024, 7, 2, 13, 11, 27, 0, time.UTC)
	o := &loket.Order{ID: 7, RefID: "tw-x", Status: loket.StatusSuccess, CreatedAt: created, UpdatedAt: settled, SettledAt: &settled}
	got, err := StatusWebhookBody(o, time.Date(2024, 7, 2, 13, 11, 43, 249729000, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"webhook_type":"transaction_status","reference":"` + Reference(o) + `","status":"success","sn":"N/A",` +
		`"note":"Transaksi berhasil pada 2024/07/02 20:11:27 WIB","sent_at":"2024-07-02T13:11:43.249729Z"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestReference(t *testing.T) {
	at := time.Date(2024, 6, 30, 20, 0, 0, 0, time.UTC) // 1 July in WIB
	for _, id := range []int64{1, 9, 12345, 1 << 40} {
		o := &loket.Order{ID: id, RefID: "tw-abc", CreatedAt: at}
		ref := Reference(o)
		if !strings.HasPrefix(ref, "API240701") || len(ref) < 20 {
			t.Errorf("reference %q", ref)
		}
		got, ok := parseReference(ref)
		if !ok || got != id {
			t.Errorf("parse %q = %d %v, want %d", ref, got, ok, id)
		}
		if !sameReference(ref, "api"+ref[3:]) || sameReference(ref, ref+"0") {
			t.Error("sameReference")
		}
		other := &loket.Order{ID: id, RefID: "tw-abd", CreatedAt: at}
		if Reference(other) == ref {
			t.Error("the check digits do not depend on the ref_id")
		}
	}
	for _, bad := range []string{"", "API", "API2407014428769438", "XYZ24070144287694389", "API2407014428769438x9", "API24070144287694380"} {
		if _, ok := parseReference(bad); ok {
			t.Errorf("parsed %q", bad)
		}
	}
}

func TestReply(t *testing.T) {
	cases := []struct {
		err    error
		status int
		msg    string
	}{
		{loket.Errorf(loket.EUNAUTHORIZED, "x"), 400, "Invalid API Key"},
		{loket.Errorf(loket.EFORBIDDEN, "x"), 400, "Anda tidak memiliki akses ke api kami"},
		{loket.Errorf(loket.EINACTIVE, "x"), 400, "Produk sedang tidak aktif"},
		{loket.Errorf(loket.EUNAVAILABLE, "x"), 400, "Produk sedang tidak aktif"},
		{loket.Errorf(loket.EOUTOFSTOCK, "x"), 400, "Stok produk sedang habis"},
		{loket.Errorf(loket.EINSUFFICIENT, "x"), 400, "Saldo anda tidak mencukupi"},
		{loket.Errorf(loket.EPRODUCT, "x"), 400, "Produk tidak ditemukan"},
		{loket.FieldError(loket.EFIELD, "server", "x"), 400, "Kolom server tidak valid"},
		{loket.Errorf(loket.ERATELIMIT, "x"), 429, "Terlalu banyak permintaan, coba lagi nanti"},
		{failf(http.StatusBadRequest, "Invalid signature"), 400, "Invalid signature"},
		{errors.New("database gone"), 500, "Terjadi kesalahan pada server, silahkan coba lagi"},
	}
	for _, c := range cases {
		status, msg := reply(c.err)
		if status != c.status || msg != c.msg {
			t.Errorf("reply(%v) = %d %q, want %d %q", c.err, status, msg, c.status, c.msg)
		}
	}
}

func TestFormat(t *testing.T) {
	for in, want := range map[int64]string{0: "Rp 0", 999: "Rp 999", 1000: "Rp 1.000", 10575: "Rp 10.575", 1234567: "Rp 1.234.567"} {
		if got := rupiah(in); got != want {
			t.Errorf("rupiah(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"1234": "1234", "12345": "12**5", "1234567890": "1234***890", "081234567890": "0812*****890"} {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}
