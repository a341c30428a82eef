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
		got, dep, ok := parseReference(ref)
		if !ok || got != id || dep {
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
		if _, _, ok := parseReference(bad); ok {
			t.Errorf("parsed %q", bad)
		}
	}
}

func TestDepositReference(t *testing.T) {
	at := time.Date(2024, 7, 13, 1, 0, 0, 0, time.UTC)
	for _, id := range []int64{1, 9, 12345, 1 << 40} {
		ref := depositReference(id, at, "token")
		if !strings.HasPrefix(ref, "API240713") || len(ref) < 21 {
			t.Errorf("reference %q", ref)
		}
		got, dep, ok := parseReference(ref)
		if !ok || got != id || !dep {
			t.Errorf("parse %q = %d %v %v, want deposit %d", ref, got, dep, ok, id)
		}
		// The order of the same id has another reference, read as an order.
		o := Reference(&loket.Order{ID: id, RefID: "tw-abc", CreatedAt: at})
		if o == ref {
			t.Errorf("order and deposit %d share %q", id, ref)
		}
		if _, dep, _ := parseReference(o); dep {
			t.Errorf("order reference %q read as a deposit", o)
		}
		if depositReference(id, at, "other") == ref {
			t.Error("the check digits do not depend on the secret token")
		}
	}
	for _, bad := range []string{"API24071345143053340", "API240713451430533400", "API2407134514305334001x"} {
		if _, _, ok := parseReference(bad); ok {
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
		{&depositError{loket.Errorf(loket.ELIMIT, "x")}, 400, "Anda masih memiliki deposit yang belum dibayar, selesaikan atau tunggu hingga kedaluwarsa"},
		{&depositError{loket.FieldError(loket.EINVALID, "amount", "x")}, 400, "Nominal deposit melebihi batas maksimum"},
		{&depositError{loket.Errorf(loket.EUNAUTHORIZED, "x")}, 400, "Invalid API Key"},
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
		if got := rupiah(loket.Money(in)); got != want {
			t.Errorf("rupiah(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"1234": "1234", "12345": "12**5", "1234567890": "1234***890", "081234567890": "0812*****890"} {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDepositStatus(t *testing.T) {
	created := time.Date(2024, 7, 13, 7, 40, 35, 0, time.UTC)
	expires := created.Add(30 * time.Minute)
	settled := created.Add(5 * time.Minute)
	during, after := created.Add(time.Minute), expires.Add(time.Minute)
	d := func(status string, settledAt *time.Time) *loket.Deposit {
		return &loket.Deposit{ID: 1, Amount: 500000, UniqueCode: 655, Total: 500655, Status: status, CreatedAt: created, ExpiresAt: expires, SettledAt: settledAt}
	}
	cases := []struct {
		d      *loket.Deposit
		now    time.Time
		status string
		note   string
	}{
		{d(loket.DepositPending, nil), during, "unpaid", "Menunggu transfer sebesar Rp 500.655 sebelum 2024/07/13 15:10:35 WIB"},
		{d(loket.DepositPending, nil), after, "expired", "Deposit kedaluwarsa pada 2024/07/13 15:10:35 WIB"},
		{d(loket.DepositExpired, &after), after, "expired", "Deposit kedaluwarsa pada 2024/07/13 15:11:35 WIB"},
		{d(loket.DepositCancel, &settled), after, "expired", "Deposit dibatalkan pada 2024/07/13 14:45:35 WIB"},
		{d(loket.DepositSuccess, &settled), after, "success", "Deposit berhasil pada 2024/07/13 14:45:35 WIB, saldo Rp 500.000 telah ditambahkan"},
	}
	for _, c := range cases {
		if got := depositStatus(c.d, c.now); got != c.status {
			t.Errorf("%s at %v: status %q, want %q", c.d.Status, c.now, got, c.status)
		}
		if got := depositNote(c.d, c.now); got != c.note {
			t.Errorf("%s at %v: note %q, want %q", c.d.Status, c.now, got, c.note)
		}
	}
	if got := depositProduct(500000); got != "Isi Saldo Rp. 500.000" {
		t.Errorf("product %q", got)
	}
	for in, want := range map[string]string{"bca": "bca", " Bank  BCA ": "bca", "MANDIRI": "mandiri"} {
		if got := loket.BankKey(in); got != want {
			t.Errorf("BankKey(%q) = %q", in, got)
		}
	}
	if bankLabel("BCA") != "Bank BCA" || bankLabel("Bank Jago") != "Bank Jago" {
		t.Error("bankLabel")
	}
}

func TestAcknowledged(t *testing.T) {
	for body, want := range map[string]bool{
		`{"status":200,"message":"Webhook berhasil diiproses"}`: true,
		`{"status":"200"}`: true,
		`{"status":400,"message":"Invalid signature"}`: false,
		`OK`: false,
		``:   false,
		`{}`: false,
	} {
		if got := Acknowledged(200, []byte(body)); got != want {
			t.Errorf("Acknowledged(%q) = %v, want %v", body, got, want)
		}
	}
}
