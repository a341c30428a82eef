package digiflazz

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

const (
	testUser   = "username"
	testKey    = "prod-key-0123456789abcdef"
	testSecret = "somesecretvalue"
)

// The order every documented example is about (developer.digiflazz.com/api/buyer/topup).
var docOrder = supplier.Request{Ref: "some1d", Code: "xld25", Target: "087800001233"}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recorded is one request the fake upstream received.
type recorded struct {
	Method, Path, ContentType string
	Body                      map[string]any
}

// fake is an upstream replaying canned answers per path and recording requests.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	reqs    []recorded
	answers map[string]answer
}

type answer struct {
	status int
	body   []byte
	delay  bool // hold the answer until the client gives up
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, answers: map[string]answer{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		f.t.Errorf("request body is not JSON: %q", raw)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: body})
	a, ok := f.answers[r.URL.Path]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if a.delay {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	w.Write(a.body)
}

func (f *fake) answer(path string, status int, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[path] = answer{status: status, body: body}
}

func (f *fake) answerFile(path string, status int, file string) {
	f.answer(path, status, readTestdata(f.t, file))
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// clock is a settable time for the adapter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newAdapter(t *testing.T, base string) *Digiflazz {
	d, _ := newClocked(t, base)
	return d
}

func newClocked(t *testing.T, base string) (*Digiflazz, *clock) {
	t.Helper()
	d, err := New(supplier.Config{Name: "df", Kind: "digiflazz", BaseURL: base, MemberID: testUser, APIKey: testKey, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now()}
	d.now = c.Now
	return d, c
}

func wantRequest(t *testing.T, got recorded, path string, body map[string]any) {
	t.Helper()
	if got.Method != http.MethodPost || got.Path != path || got.ContentType != "application/json" {
		t.Errorf("request = %s %s (Content-Type %q), want POST %s (application/json)", got.Method, got.Path, got.ContentType, path)
	}
	if !reflect.DeepEqual(got.Body, body) {
		t.Errorf("request body = %v, want %v", got.Body, body)
	}
}

func trxBody(r supplier.Request) map[string]any {
	return map[string]any{
		"username":       testUser,
		"buyer_sku_code": r.Code,
		"customer_no":    r.Target,
		"ref_id":         r.Ref,
		"sign":           md5hex(testUser + testKey + r.Ref),
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		base, want string
	}{
		{"", "https://api.digiflazz.com/v1"},
		{"https://api.digiflazz.com", "https://api.digiflazz.com/v1"},
		{"https://api.digiflazz.com/", "https://api.digiflazz.com/v1"},
		{"https://api.digiflazz.com/v1/", "https://api.digiflazz.com/v1"},
		{"http://other-loket/compat/digiflazz", "http://other-loket/compat/digiflazz/v1"},
	} {
		d, err := New(supplier.Config{BaseURL: tc.base, MemberID: "u", APIKey: "k"})
		if err != nil {
			t.Fatalf("base %q: %v", tc.base, err)
		}
		if d.base != tc.want {
			t.Errorf("base %q -> %q, want %q", tc.base, d.base, tc.want)
		}
	}
	for _, cfg := range []supplier.Config{
		{APIKey: "k"},
		{MemberID: "u"},
		{MemberID: "u", APIKey: "k", BaseURL: "ftp://x"},
		{MemberID: "u", APIKey: "k", BaseURL: "https://x/v1?a=b"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

func TestRegistered(t *testing.T) {
	s, err := supplier.New(supplier.Config{Kind: "digiflazz", MemberID: "u", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(supplier.CallbackReceiver); !ok {
		t.Error("digiflazz does not receive callbacks")
	}
}

func TestOrderSendsDocumentedRequest(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/transaction", 200, "topup_pending.json")
	d := newAdapter(t, f.srv.URL)
	if _, err := d.Order(context.Background(), docOrder); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	wantRequest(t, reqs[0], "/v1/transaction", trxBody(docOrder))
}

func TestDevelopmentKeySendsTesting(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/transaction", 200, "topup_pending.json")
	d, err := New(supplier.Config{BaseURL: f.srv.URL, MemberID: testUser, APIKey: "dev-ffe134c0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Order(context.Background(), docOrder); err != nil {
		t.Fatal(err)
	}
	want := trxBody(docOrder)
	want["sign"] = md5hex(testUser + "dev-ffe134c0" + docOrder.Ref)
	want["testing"] = true
	wantRequest(t, f.requests()[0], "/v1/transaction", want)

	// Bills too.
	f.answerFile("/v1/transaction", 200, "pasca_inquiry_pln.json")
	if _, err := d.Inquire(context.Background(), docBill); err != nil {
		t.Fatal(err)
	}
	want = pascaBody("inq-pasca", docBill)
	want["sign"] = md5hex(testUser + "dev-ffe134c0" + docBill.Ref)
	want["testing"] = true
	wantRequest(t, f.requests()[1], "/v1/transaction", want)
}

func TestStatusResendsTheSameRequest(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/transaction", 200, "topup_pending.json")
	d, clk := newClocked(t, f.srv.URL)
	r := docOrder
	r.PlacedAt = clk.Now()
	if _, err := d.Order(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	f.answerFile("/v1/transaction", 200, "topup_success.json")
	clk.Advance(time.Minute)
	res, err := d.Status(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != supplier.Success || res.SN != "1234567890" {
		t.Errorf("status = %+v, want success with SN 1234567890", res)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	wantRequest(t, reqs[1], "/v1/transaction", trxBody(docOrder))
	if !reflect.DeepEqual(reqs[0], reqs[1]) {
		t.Errorf("status request %v differs from order request %v", reqs[1], reqs[0])
	}
}

func TestStatusRefusesOrdersPastTheRefIDWindow(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/transaction", 200, "topup_success.json")
	d := newAdapter(t, f.srv.URL)
	r := docOrder
	r.PlacedAt = time.Now().Add(-86 * 24 * time.Hour)
	if _, err := d.Status(context.Background(), r); err == nil {
		t.Error("status of an 86-day-old order was sent")
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestStatusWaitsAMinuteBetweenRequests(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/transaction", 200, "topup_pending.json")
	d, clk := newClocked(t, f.srv.URL)
	r := docOrder
	r.PlacedAt = clk.Now()
	if _, err := d.Order(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	clk.Advance(20 * time.Second)
	res, err := d.Status(context.Background(), r)
	if err != nil || res.Outcome != supplier.Unknown || res.RetryAfter != 40*time.Second {
		t.Errorf("status 20s after the order = %+v, %v; want unknown, retry after 40s", res, err)
	}
	clk.Advance(40 * time.Second)
	if res, err := d.Status(context.Background(), r); err != nil || res.Outcome != supplier.Pending {
		t.Errorf("status a minute after the order = %+v, %v; want pending", res, err)
	}
	clk.Advance(59 * time.Second)
	if res, _ := d.Status(context.Background(), r); res.Outcome != supplier.Unknown || res.RetryAfter != time.Second {
		t.Errorf("status 59s after the last status = %+v; want unknown, retry after 1s", res)
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	// After a restart the memory is gone; PlacedAt still guards the first minute.
	d2, clk2 := newClocked(t, f.srv.URL)
	r.PlacedAt = clk2.Now().Add(-30 * time.Second)
	if res, _ := d2.Status(context.Background(), r); res.Outcome != supplier.Unknown || res.RetryAfter != 30*time.Second {
		t.Errorf("status 30s after placing, fresh adapter = %+v; want unknown, retry after 30s", res)
	}
}

func TestDocumentedAnswers(t *testing.T) {
	for _, tc := range []struct {
		file  string
		want  supplier.Result
		phase string
	}{
		{"topup_pending.json", supplier.Result{Outcome: supplier.Pending, Price: 25000, RetryAfter: time.Minute}, "both"},
		{"topup_success.json", supplier.Result{Outcome: supplier.Success, SN: "1234567890", Price: 25000}, "both"},
		{"topup_failed.json", supplier.Result{Outcome: supplier.Failed, Price: 25000}, "both"},
		// Loose shapes: rc and sn as numbers, amounts as "25.000", status in lower case,
		// SKU case and customer_no punctuation differing.
		{"topup_success_loose.json", supplier.Result{Outcome: supplier.Success, SN: "1234567890", TrxID: "5ca22497cc6d0f965d9f84ac", Price: 25000}, "both"},
	} {
		for _, call := range []string{"order", "status"} {
			f := newFake(t)
			f.answerFile("/v1/transaction", 200, tc.file)
			d := newAdapter(t, f.srv.URL)
			var res supplier.Result
			var err error
			if call == "order" {
				res, err = d.Order(context.Background(), docOrder)
			} else {
				res, err = d.Status(context.Background(), docOrder)
			}
			if err != nil {
				t.Fatalf("%s %s: %v", tc.file, call, err)
			}
			if res.Message == "" {
				t.Errorf("%s %s: no message", tc.file, call)
			}
			res.Message = ""
			if res != tc.want {
				t.Errorf("%s %s = %+v, want %+v", tc.file, call, res, tc.want)
			}
		}
	}
}

type rcRow struct {
	RC      string `json:"rc"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Formed  bool   `json:"formed"`
}

func loadRCTable(t *testing.T) []rcRow {
	var rows []rcRow
	if err := json.Unmarshal(readTestdata(t, "response_codes.json"), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func codes(s string) map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(s) {
		m[c] = true
	}
	return m
}

// The policy, written out independently of rc.go so a change to either shows.
var (
	wantFormedFailed = codes("02 51 52 53 54 55 57 58 59 60 71 72 73 74 84")
	wantRejected     = codes("40 41 42 43 44 45 56 61 62 63 64 65 66 67 68 69 80 81 82 87 88")
	wantLimited      = codes("85 86")
	wantInconclusive = codes("01 47 49 50 70 83")
)

func expected(rc string, ph phase) supplier.Outcome {
	switch {
	case rc == "00":
		return supplier.Success
	case rc == "03" || rc == "99":
		return supplier.Pending
	case wantFormedFailed[rc]:
		return supplier.Failed
	case wantRejected[rc] && ph == placing:
		return supplier.Failed
	case wantLimited[rc] && ph == pushed:
		return supplier.Failed
	}
	return supplier.Unknown
}

func trxJSON(r supplier.Request, status, rc, message string) []byte {
	b, _ := json.Marshal(map[string]any{"data": map[string]any{
		"ref_id": r.Ref, "customer_no": r.Target, "buyer_sku_code": r.Code,
		"message": message, "status": status, "rc": rc, "sn": "SN-" + rc, "price": 25000,
		"buyer_last_saldo": 100000, "tele": "@telegram", "wa": "081234512345",
	}})
	return b
}

func TestEveryResponseCode(t *testing.T) {
	rows := loadRCTable(t)
	if len(rows) != len(rcTable) {
		t.Errorf("testdata has %d codes, rc.go %d", len(rows), len(rcTable))
	}
	f := newFake(t)
	d, clk := newClocked(t, f.srv.URL)
	for _, row := range rows {
		if _, ok := rcTable[row.RC]; !ok {
			t.Errorf("rc %s documented but not in rcTable", row.RC)
		}
		if row.Status == "Gagal" && !(wantFormedFailed[row.RC] || wantRejected[row.RC] || wantLimited[row.RC] || wantInconclusive[row.RC]) {
			t.Errorf("rc %s not classified by the test policy", row.RC)
		}
		if wantRejected[row.RC] && row.Formed {
			t.Errorf("rc %s treated as 'nothing formed' but documented as forming a transaction", row.RC)
		}
		body := trxJSON(docOrder, row.Status, row.RC, row.Message)
		f.answer("/v1/transaction", 200, body)

		res, err := d.Order(context.Background(), docOrder)
		if err != nil {
			t.Fatalf("order rc %s: %v", row.RC, err)
		}
		if want := expected(row.RC, placing); res.Outcome != want {
			t.Errorf("order rc %s (%s) = %s, want %s", row.RC, row.Status, res.Outcome, want)
		}
		clk.Advance(time.Minute)
		res, err = d.Status(context.Background(), docOrder)
		if err != nil {
			t.Fatalf("status rc %s: %v", row.RC, err)
		}
		if want := expected(row.RC, checking); res.Outcome != want {
			t.Errorf("status rc %s (%s) = %s, want %s", row.RC, row.Status, res.Outcome, want)
		}
		if res.Outcome == supplier.Success && res.SN != "SN-00" {
			t.Errorf("success without the SN: %+v", res)
		}
		if res.Outcome != supplier.Success && res.SN != "" {
			t.Errorf("rc %s: SN reported on a non-success: %+v", row.RC, res)
		}
		if !strings.Contains(res.Message, "rc="+row.RC) {
			t.Errorf("rc %s: message %q does not name the rc", row.RC, res.Message)
		}

		cbs, status, _, err := d.ReceiveCallback(signed(t, body), body)
		if err != nil || status != 200 || len(cbs) != 1 {
			t.Fatalf("callback rc %s: %v %d %v", row.RC, cbs, status, err)
		}
		if want := expected(row.RC, pushed); cbs[0].Result.Outcome != want {
			t.Errorf("callback rc %s = %s, want %s", row.RC, cbs[0].Result.Outcome, want)
		}
	}
}

func TestStatusWordAndCodeMustAgree(t *testing.T) {
	f := newFake(t)
	d := newAdapter(t, f.srv.URL)
	for _, tc := range []struct {
		status, rc string
		want       supplier.Outcome
	}{
		{"Sukses", "02", supplier.Unknown},
		{"Sukses", "", supplier.Unknown},
		{"Gagal", "00", supplier.Unknown},
		{"Gagal", "03", supplier.Unknown},
		{"Gagal", "99", supplier.Unknown},
		{"Gagal", "77", supplier.Unknown}, // undocumented
		{"Gagal", "", supplier.Unknown},
		{"Gagal", "2", supplier.Unknown}, // not "02"
		{"Pending", "", supplier.Pending},
		{"Pending", "77", supplier.Pending},
		{"Processing", "03", supplier.Pending},
		{"", "00", supplier.Unknown},
		{"Refund", "74", supplier.Unknown},
		{"SUKSES", "00", supplier.Success},
		{"GAGAL", "02", supplier.Failed},
	} {
		f.answer("/v1/transaction", 200, trxJSON(docOrder, tc.status, tc.rc, "x"))
		res, err := d.Order(context.Background(), docOrder)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != tc.want {
			t.Errorf("status %q rc %q = %s, want %s", tc.status, tc.rc, res.Outcome, tc.want)
		}
	}
}

func TestAnswersAboutAnotherTransactionAreUnknown(t *testing.T) {
	for _, file := range []string{"topup_other_ref.json", "topup_other_product.json", "topup_other_customer.json"} {
		f := newFake(t)
		f.answerFile("/v1/transaction", 200, file)
		d, clk := newClocked(t, f.srv.URL)
		for _, call := range []func(context.Context, supplier.Request) (supplier.Result, error){d.Order, d.Status} {
			res, err := call(context.Background(), docOrder)
			clk.Advance(time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != supplier.Unknown || res.SN != "" {
				t.Errorf("%s: %+v, want unknown without SN", file, res)
			}
		}
	}
}

func TestHTTPRefusals(t *testing.T) {
	f := newFake(t)
	d, clk := newClocked(t, f.srv.URL)

	// A signature refusal with a 4xx: placing proves nothing was formed; a re-send
	// refused says nothing of the order it asks about.
	f.answerFile("/v1/transaction", 400, "topup_sign_invalid.json")
	res, err := d.Order(context.Background(), docOrder)
	if err != nil || res.Outcome != supplier.Failed {
		t.Errorf("order, HTTP 400 rc 41 = %+v, %v; want failed", res, err)
	}
	clk.Advance(time.Minute)
	res, err = d.Status(context.Background(), docOrder)
	if err != nil || res.Outcome != supplier.Unknown {
		t.Errorf("status, HTTP 400 rc 41 = %+v, %v; want unknown", res, err)
	}

	// Success or pending claimed with a 4xx is not believed.
	f.answerFile("/v1/transaction", 400, "topup_success.json")
	if res, err := d.Order(context.Background(), docOrder); err != nil || res.Outcome != supplier.Unknown || res.SN != "" {
		t.Errorf("success with HTTP 400 = %+v, %v; want unknown", res, err)
	}
	f.answerFile("/v1/transaction", 429, "topup_pending.json")
	if res, err := d.Order(context.Background(), docOrder); err != nil || res.Outcome != supplier.Unknown {
		t.Errorf("pending with HTTP 429 = %+v, %v; want unknown", res, err)
	}
}

func TestUnusableAnswersAreErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   []byte
	}{
		{"502 html", 502, readTestdata(t, "garbage.html")},
		{"500 claiming success", 500, readTestdata(t, "topup_success.json")},
		{"503 empty", 503, nil},
		{"200 html", 200, readTestdata(t, "garbage.html")},
		{"200 empty", 200, nil},
		{"200 no data", 200, []byte(`{"message":"ok"}`)},
		{"200 null data", 200, []byte(`{"data":null}`)},
		{"200 data array", 200, []byte(`{"data":[]}`)},
		{"200 truncated", 200, readTestdata(t, "topup_success.json")[:40]},
		{"404 html", 404, readTestdata(t, "garbage.html")},
	} {
		f := newFake(t)
		f.answer("/v1/transaction", tc.status, tc.body)
		d, clk := newClocked(t, f.srv.URL)
		for _, call := range []func(context.Context, supplier.Request) (supplier.Result, error){d.Order, d.Status} {
			res, err := call(context.Background(), docOrder)
			clk.Advance(time.Minute)
			if err == nil && res.Outcome != supplier.Unknown {
				t.Errorf("%s: %+v, want an error or unknown", tc.name, res)
			}
			if err != nil {
				checkNoSecret(t, err.Error())
			}
		}
	}
}

func TestEmptyDataIsUnknown(t *testing.T) {
	f := newFake(t)
	f.answer("/v1/transaction", 200, []byte(`{"data":{}}`))
	d := newAdapter(t, f.srv.URL)
	res, err := d.Order(context.Background(), docOrder)
	if err != nil || res.Outcome != supplier.Unknown {
		t.Errorf("empty data = %+v, %v; want unknown", res, err)
	}
}

func TestSlowAnswerRespectsTheDeadline(t *testing.T) {
	f := newFake(t)
	f.mu.Lock()
	f.answers["/v1/transaction"] = answer{delay: true}
	f.mu.Unlock()
	d := newAdapter(t, f.srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := d.Order(ctx, docOrder)
	if err == nil {
		t.Fatal("no error past the deadline")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v is not a deadline", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %s past a 100ms deadline", el)
	}
	checkNoSecret(t, err.Error())
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	d := newAdapter(t, url)
	if _, err := d.Order(context.Background(), docOrder); err == nil {
		t.Error("no error from a closed port")
	} else {
		checkNoSecret(t, err.Error())
	}
	if _, err := d.Balance(context.Background()); err == nil {
		t.Error("no balance error from a closed port")
	}
}

func TestFieldsAreNotDropped(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/transaction", 200, "topup_success.json")
	d := newAdapter(t, f.srv.URL)
	r := docOrder
	r.Fields = map[string]string{"server": "1234", "empty": ""}
	res, err := d.Order(context.Background(), r)
	if err != nil || res.Outcome != supplier.Failed || !strings.Contains(res.Message, "server") {
		t.Errorf("order with fields = %+v, %v; want failed (not sent) naming the field", res, err)
	}
	if _, err := d.Status(context.Background(), r); err == nil {
		t.Error("status with fields did not fail")
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	// Empty fields are fine.
	r.Fields = map[string]string{"zone": " "}
	if res, err := d.Order(context.Background(), r); err != nil || res.Outcome != supplier.Success {
		t.Errorf("order with empty fields = %+v, %v", res, err)
	}
}

func TestBalance(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/cek-saldo", 200, "cek_saldo.json")
	d := newAdapter(t, f.srv.URL)
	got, err := d.Balance(context.Background())
	if err != nil || got != 500000 {
		t.Fatalf("balance = %d, %v; want 500000", got, err)
	}
	wantRequest(t, f.requests()[0], "/v1/cek-saldo", map[string]any{
		"cmd": "deposit", "username": testUser, "sign": md5hex(testUser + testKey + "depo"),
	})

	for _, body := range []string{`{"data":{"deposit":"1.250.000"}}`, `{"data":{"deposit":1250000.00}}`, `{"data":{"deposit":"1250000"}}`} {
		f.answer("/v1/cek-saldo", 200, []byte(body))
		if got, err := d.Balance(context.Background()); err != nil || got != 1250000 {
			t.Errorf("%s: balance = %d, %v", body, got, err)
		}
	}

	f.answerFile("/v1/cek-saldo", 400, "cek_saldo_error.json")
	if _, err := d.Balance(context.Background()); err == nil || !strings.Contains(err.Error(), "45") {
		t.Errorf("refused balance: %v, want an error naming rc 45", err)
	} else {
		checkNoSecret(t, err.Error())
	}
	for _, tc := range []struct {
		status int
		body   string
	}{{502, "<html>"}, {200, "garbage"}, {200, `{"data":{}}`}, {200, `{"data":{"deposit":"lots"}}`}} {
		f.answer("/v1/cek-saldo", tc.status, []byte(tc.body))
		if _, err := d.Balance(context.Background()); err == nil {
			t.Errorf("balance from %d %q: no error", tc.status, tc.body)
		}
	}
}

func TestPrices(t *testing.T) {
	f := newFake(t)
	f.answerFile("/v1/price-list", 200, "price_list.json")
	d := newAdapter(t, f.srv.URL)
	got, err := d.Prices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []supplier.Price{
		{Code: "X100", Name: "Xl 100.000", Price: 98000, Active: true},
		{Code: "ML86", Name: "Mobile Legends 86 Diamond", Price: 20000, Active: false},
		{Code: "tsel5", Name: "Telkomsel 5.000", Price: 5450, Active: false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("prices = %+v, want %+v", got, want)
	}
	wantRequest(t, f.requests()[0], "/v1/price-list", map[string]any{
		"cmd": "prepaid", "username": testUser, "sign": md5hex(testUser + testKey + "pricelist"),
	})

	f.answerFile("/v1/price-list", 200, "price_list_error.json")
	if _, err := d.Prices(context.Background()); err == nil || !strings.Contains(err.Error(), "83") {
		t.Errorf("rate-limited price list: %v, want an error naming rc 83", err)
	}
	for _, tc := range []struct {
		status int
		body   string
	}{{502, "<html>"}, {200, "garbage"}, {200, `{"data":"x"}`}, {500, `{"data":[]}`}} {
		f.answer("/v1/price-list", tc.status, []byte(tc.body))
		if _, err := d.Prices(context.Background()); err == nil {
			t.Errorf("prices from %d %q: no error", tc.status, tc.body)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want loket.Money
		ok   bool
	}{
		{"1000", 1000, true},
		{"1.000", 1000, true},
		{"1.000.000", 1000000, true},
		{"1,000", 1000, true},
		{"1000.00", 1000, true},
		{"1000,50", 1001, true},
		{"1.000,50", 1001, true},
		{"Rp 25.000", 25000, true},
		{"Rp. 25.000", 25000, true},
		{"4995.88", 4996, true},
		{"1e+06", 1000000, true},
		{"0", 0, true},
		{"", 0, false},
		{"-5", 0, false},
		{"abc", 0, false},
		{"1.00.0", 0, false},
		{"99999999999999", 0, false}, // above MaxAmount
	} {
		got, ok := parseAmount(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseAmount(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// checkNoSecret fails if s carries the API key, a signature made with it, or the webhook secret.
func checkNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{testKey, testSecret, md5hex(testUser + testKey + docOrder.Ref), md5hex(testUser + testKey + "depo"), md5hex(testUser + testKey + "pricelist")} {
		if strings.Contains(s, secret) {
			t.Errorf("%q leaks a secret", s)
		}
	}
}

func TestSecretsNeverInErrorsOrMessages(t *testing.T) {
	// An upstream that echoes the request back, as a broken proxy might.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(502)
		w.Write(b)
	}))
	defer echo.Close()
	d := newAdapter(t, echo.URL)
	var msgs []string
	if _, err := d.Order(context.Background(), docOrder); err != nil {
		msgs = append(msgs, err.Error())
	}
	if _, err := d.Balance(context.Background()); err != nil {
		msgs = append(msgs, err.Error())
	}
	if _, err := d.Prices(context.Background()); err != nil {
		msgs = append(msgs, err.Error())
	}
	if len(msgs) != 3 {
		t.Fatalf("want 3 errors, got %v", msgs)
	}
	// Refusals whose text the adapter reports.
	f := newFake(t)
	f.answerFile("/v1/transaction", 400, "topup_sign_invalid.json")
	f.answerFile("/v1/cek-saldo", 400, "cek_saldo_error.json")
	f.answerFile("/v1/price-list", 200, "price_list_error.json")
	d = newAdapter(t, f.srv.URL)
	res, _ := d.Order(context.Background(), docOrder)
	msgs = append(msgs, res.Message, fmt.Sprint(res))
	_, err := d.Balance(context.Background())
	msgs = append(msgs, err.Error())
	_, err = d.Prices(context.Background())
	msgs = append(msgs, err.Error())
	_, _, _, err = d.ReceiveCallback(httptest.NewRequest("POST", "/callbacks/df", nil), []byte(`{}`))
	msgs = append(msgs, err.Error())
	for _, m := range msgs {
		checkNoSecret(t, m)
	}
	// An adapter printed into a log shows no credentials.
	msgs = append(msgs, fmt.Sprintf("%v %+v %#v %s", d, d, d, d))
	for _, m := range msgs[len(msgs)-1:] {
		checkNoSecret(t, m)
	}
}
