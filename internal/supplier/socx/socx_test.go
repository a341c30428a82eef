package socx

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// orderWant is what a purchase answered with an rc must become, and whether /status
// is asked to confirm it (refusals).
var orderWant = map[string]struct {
	outcome supplier.Outcome
	confirm bool
}{
	"00": {supplier.Success, false},
	"01": {supplier.Failed, true},
	"02": {supplier.Failed, true},
	"03": {supplier.Unknown, false},
	"05": {supplier.Failed, true},
	"06": {supplier.Unknown, false},
	"07": {supplier.Failed, true},
	"08": {supplier.Unknown, false},
	"09": {supplier.Failed, true},
	"10": {supplier.Failed, true},
	"11": {supplier.Unknown, false},
	"12": {supplier.Failed, true},
	"13": {supplier.Failed, true},
	"14": {supplier.Unknown, false},
	"17": {supplier.Unknown, false},
	"18": {supplier.Failed, true},
	"19": {supplier.Failed, true},
	"21": {supplier.Failed, false},
	"22": {supplier.Failed, true},
	"23": {supplier.Failed, false},
	"35": {supplier.Failed, true},
	"36": {supplier.Failed, true},
	"68": {supplier.Pending, false},
	"70": {supplier.Failed, false},
}

// statusWant is what a status answer (or a callback) with an rc must become.
var statusWant = map[string]supplier.Outcome{
	"00": supplier.Success, "68": supplier.Pending,
	"05": supplier.Failed, "07": supplier.Failed, "12": supplier.Failed, "13": supplier.Failed,
	"18": supplier.Failed, "19": supplier.Failed, "21": supplier.Failed, "22": supplier.Failed,
	"23": supplier.Failed, "70": supplier.Failed,
	"01": supplier.Unknown, "02": supplier.Unknown, "03": supplier.Unknown, "06": supplier.Unknown,
	"08": supplier.Unknown, "09": supplier.Unknown, "10": supplier.Unknown, "11": supplier.Unknown,
	"14": supplier.Unknown, "17": supplier.Unknown, "35": supplier.Unknown, "36": supplier.Unknown,
}

func TestEveryRCHasAnExpectation(t *testing.T) {
	for _, row := range rcTable(t) {
		if _, ok := orderWant[row.RC]; !ok {
			t.Errorf("rc %s (%s) has no purchase expectation", row.RC, row.Text)
		}
		if _, ok := statusWant[row.RC]; !ok {
			t.Errorf("rc %s (%s) has no status expectation", row.RC, row.Text)
		}
	}
}

func TestOrderSeedExample(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/purchase", replyJSON(testdata(t, "purchase_68.json")))
	// --base-url may carry a prefix, as another Loket's /compat/socx does.
	f.routes["POST /compat/socx"+apiPath+"/purchase"] = replyJSON(testdata(t, "purchase_68.json"))
	for _, base := range []string{f.srv.URL, f.srv.URL + "/", f.srv.URL + apiPath, f.srv.URL + "/compat/socx"} {
		f.reset()
		c := newClient(t, base)
		res, err := c.Order(context.Background(), seedReq)
		if err != nil {
			t.Fatal(err)
		}
		want := supplier.Result{Outcome: supplier.Pending, TrxID: "16413", Price: 5400, Message: "rc 68: PENDING, Transaksi sedang diproses"}
		if !reflect.DeepEqual(res, want) {
			t.Errorf("base %s: got %+v, want %+v", base, res, want)
		}
		calls := f.got()
		if len(calls) != 1 {
			t.Fatalf("base %s: %d calls, want 1", base, len(calls))
		}
		got := calls[0]
		wantPath := apiPath + "/purchase"
		if strings.HasSuffix(base, "/compat/socx") {
			wantPath = "/compat/socx" + wantPath
		}
		if got.Method != "POST" || got.Path != wantPath || got.Query != "" {
			t.Errorf("request %s %s?%s, want POST %s", got.Method, got.Path, got.Query, wantPath)
		}
		if h := got.Header.Get("Authorization"); h != "Bearer "+testKey {
			t.Errorf("Authorization %q", h)
		}
		if h := got.Header.Get("Content-Type"); h != "application/json" {
			t.Errorf("Content-Type %q", h)
		}
		if b := jsonBody(t, got.Body); !reflect.DeepEqual(b, map[string]any{"code": "HSA5", "msisdn": "08121231231", "request_id": "999999"}) {
			t.Errorf("body %v", b)
		}
	}
}

func TestOrderSendsFormFields(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/purchase", replyJSON(withFields(t, "purchase_68.json", map[string]any{"code": "MLBB5", "msisdn": "1122334455", "request_id": "LK9A1"})))
	c := newClient(t, f.srv.URL)
	r := supplier.Request{Ref: "LK9A1", Code: "MLBB5", Target: "1122334455", Fields: map[string]string{"server": "2001", "request_id": "evil"}}
	res, err := c.Order(context.Background(), r)
	if err != nil || res.Outcome != supplier.Pending {
		t.Fatalf("got %+v, %v", res, err)
	}
	want := map[string]any{"code": "MLBB5", "msisdn": "1122334455", "request_id": "LK9A1", "server": "2001"}
	if b := jsonBody(t, f.got()[0].Body); !reflect.DeepEqual(b, want) {
		t.Errorf("body %v, want %v", b, want)
	}
}

func TestOrderEveryRC(t *testing.T) {
	for _, row := range rcTable(t) {
		t.Run(row.RC, func(t *testing.T) {
			f := newFake(t)
			sn := ""
			if row.RC == "00" {
				sn = "0041000123456789"
			}
			f.on("POST", "/purchase", replyJSON(withFields(t, "purchase_68.json", map[string]any{"rc": row.RC, "message": row.Text, "sn": sn})))
			f.on("POST", "/status", replyJSON(withFields(t, "status_68.json", map[string]any{"rc": "11", "message": "Transaksi tidak ditemukan", "trxid": 0, "sn": ""})))
			c := newClient(t, f.srv.URL)
			res, err := c.Order(context.Background(), seedReq)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			want := orderWant[row.RC]
			if res.Outcome != want.outcome {
				t.Errorf("rc %s (%s): outcome %s, want %s (%s)", row.RC, row.Text, res.Outcome, want.outcome, res.Message)
			}
			if row.RC == "00" && res.SN != sn {
				t.Errorf("SN %q", res.SN)
			}
			if res.TrxID != "16413" || res.Price != 5400 {
				t.Errorf("trx %q price %d", res.TrxID, res.Price)
			}
			calls := f.got()
			if want.confirm {
				if len(calls) != 2 || calls[1].Path != apiPath+"/status" {
					t.Fatalf("want purchase then status, got %d calls", len(calls))
				}
				if b := jsonBody(t, calls[1].Body); !reflect.DeepEqual(b, map[string]any{"request_id": "999999"}) {
					t.Errorf("status body %v", b)
				}
			} else if len(calls) != 1 {
				t.Errorf("want the purchase only, got %d calls", len(calls))
			}
		})
	}
}

// A refusal on a re-send (the first send went through) must not fail the order: the
// status check finds the transaction.
func TestOrderRefusalButStatusFindsTransaction(t *testing.T) {
	cases := []struct {
		status  []byte
		code    int
		outcome supplier.Outcome
	}{
		{status: testdata(t, "status_68.json"), code: 200, outcome: supplier.Pending},
		{status: []byte(`{"code":"HSA5","msisdn":"08121231231","request_id":"999999","rc":"00","trxid":16413,"sn":"SN-1","message":"SUKSES"}`), code: 200, outcome: supplier.Success},
		{status: []byte(`{"code":"HSA5","msisdn":"08121231231","request_id":"999999","rc":"18","trxid":16413,"message":"Saldo tidak cukup"}`), code: 200, outcome: supplier.Failed},
		{status: []byte(`{"rc":"02","message":"Invalid authorization"}`), code: 401, outcome: supplier.Unknown},
		{status: []byte(`oops`), code: 502, outcome: supplier.Unknown},
		{status: []byte(`{"rc":"03","request_id":"999999"}`), code: 200, outcome: supplier.Unknown},
		// Another client's transaction under the same request_id: not ours to settle.
		{status: []byte(`{"code":"HSA10","msisdn":"08999","request_id":"999999","rc":"00","sn":"X"}`), code: 200, outcome: supplier.Unknown},
	}
	for i, tc := range cases {
		f := newFake(t)
		f.on("POST", "/purchase", replyJSON(withFields(t, "purchase_68.json", map[string]any{"rc": "22", "message": "Produk sementara ditutup"})))
		f.on("POST", "/status", reply(tc.code, "application/json", tc.status))
		res, err := newClient(t, f.srv.URL).Order(context.Background(), seedReq)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if res.Outcome != tc.outcome {
			t.Errorf("%d: outcome %s, want %s (%s)", i, res.Outcome, tc.outcome, res.Message)
		}
		noSecrets(t, "message", res.Message)
	}
}

func TestOrderUnknownRCAndShapes(t *testing.T) {
	cases := []struct {
		name    string
		code    int
		body    string
		wantErr bool
		outcome supplier.Outcome
	}{
		{"rc not in table", 200, `{"rc":"99","request_id":"999999","message":"?"}`, false, supplier.Unknown},
		{"5xx with rc", 500, `{"rc":"08","message":"Internal error"}`, true, supplier.Unknown},
		{"5xx with failure rc", 503, `{"rc":"23","message":"Gagal Biller"}`, true, supplier.Unknown},
		{"502 empty", 502, ``, true, supplier.Unknown},
		{"html", 200, `<html>gateway</html>`, true, supplier.Unknown},
		{"empty 200", 200, ``, true, supplier.Unknown},
		{"json without rc", 200, `{"message":"ok"}`, true, supplier.Unknown},
		{"json array", 200, `[{"rc":"00"}]`, true, supplier.Unknown},
		{"json null", 200, `null`, true, supplier.Unknown},
		{"rc object", 200, `{"rc":{"x":1}}`, true, supplier.Unknown},
		{"404 no body", 404, ``, true, supplier.Unknown},
		{"401 success contradicts", 401, `{"rc":"00","request_id":"999999","sn":"1"}`, true, supplier.Unknown},
		{"3xx", 302, `{"rc":"00"}`, true, supplier.Unknown},
		{"other request_id", 200, `{"rc":"00","request_id":"111","sn":"1"}`, false, supplier.Unknown},
		{"other code", 200, `{"rc":"00","request_id":"999999","code":"XL10","sn":"1"}`, false, supplier.Unknown},
		{"other msisdn", 200, `{"rc":"00","request_id":"999999","msisdn":"0899","sn":"1"}`, false, supplier.Unknown},
		{"same msisdn as 62", 200, `{"rc":"00","request_id":"999999","msisdn":"628121231231","code":"hsa5","sn":"1"}`, false, supplier.Success},
		{"numeric rc 0", 200, `{"rc":0,"request_id":"999999","sn":"77","price":"5.400","trxid":"A-1"}`, false, supplier.Success},
		{"numeric rc 68", 200, `{"rc":68,"request_id":999999}`, false, supplier.Pending},
		{"success without sn", 200, `{"rc":"00","request_id":"999999"}`, false, supplier.Success},
		{"garbage price kept outcome", 200, `{"rc":"68","request_id":"999999","price":"lima ribu"}`, false, supplier.Pending},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.on("POST", "/purchase", reply(tc.code, "application/json", []byte(tc.body)))
			res, err := newClient(t, f.srv.URL).Order(context.Background(), seedReq)
			if (err != nil) != tc.wantErr {
				t.Errorf("err %v, want error %v", err, tc.wantErr)
			}
			if res.Outcome != tc.outcome {
				t.Errorf("outcome %s, want %s (%s)", res.Outcome, tc.outcome, res.Message)
			}
			if len(f.got()) != 1 {
				t.Errorf("%d calls, want 1 (no confirmation of an unusable answer)", len(f.got()))
			}
		})
	}
}

func TestOrderNumericFields(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/purchase", replyJSON([]byte(`{"rc":0,"request_id":"999999","sn":"77","price":"5.400","trxid":"A-1"}`)))
	res, err := newClient(t, f.srv.URL).Order(context.Background(), seedReq)
	if err != nil {
		t.Fatal(err)
	}
	want := supplier.Result{Outcome: supplier.Success, SN: "77", TrxID: "A-1", Price: 5400, Message: "rc 00: "}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
}

func TestOrderSlowAnswerPastDeadline(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	defer close(release)
	f.on("POST", "/purchase", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	f.on("POST", "/status", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := newClient(t, f.srv.URL)
	for _, op := range []func(context.Context, supplier.Request) (supplier.Result, error){c.Order, c.Status} {
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		start := time.Now()
		res, err := op(ctx, seedReq)
		cancel()
		if err == nil || res.Outcome != supplier.Unknown {
			t.Errorf("got %+v, %v; want Unknown with an error", res, err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v does not say deadline", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %v past a 150ms deadline", d)
		}
	}
}

func TestOrderClientTimeout(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	defer close(release)
	f.on("POST", "/purchase", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := newClient(t, f.srv.URL, func(cfg *supplier.Config) { cfg.HTTP = &http.Client{Timeout: 100 * time.Millisecond} })
	res, err := c.Order(context.Background(), seedReq)
	if err == nil || res.Outcome != supplier.Unknown {
		t.Errorf("got %+v, %v", res, err)
	}
}

func TestOrderConnectionRefused(t *testing.T) {
	f := newFake(t)
	url := f.srv.URL
	f.srv.Close()
	res, err := newClient(t, url).Order(context.Background(), seedReq)
	if err == nil || res.Outcome != supplier.Unknown {
		t.Errorf("got %+v, %v", res, err)
	}
}

func TestOrderHugeAnswer(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/purchase", replyJSON([]byte(`{"rc":"00","sn":"`+strings.Repeat("9", maxBody)+`"}`)))
	res, err := newClient(t, f.srv.URL).Order(context.Background(), seedReq)
	if err == nil || res.Outcome != supplier.Unknown {
		t.Errorf("got outcome %s, %v", res.Outcome, err)
	}
}

func TestStatusSeedExample(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/status", replyJSON(testdata(t, "status_68.json")))
	res, err := newClient(t, f.srv.URL).Status(context.Background(), seedReq)
	if err != nil {
		t.Fatal(err)
	}
	want := supplier.Result{Outcome: supplier.Pending, TrxID: "16413", Price: 5400, Message: "rc 68: PENDING, Transaksi sedang diproses"}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
	calls := f.got()
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	got := calls[0]
	if got.Method != "POST" || got.Path != apiPath+"/status" || got.Header.Get("Authorization") != "Bearer "+testKey ||
		got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s %v", got.Method, got.Path, got.Header)
	}
	if b := jsonBody(t, got.Body); !reflect.DeepEqual(b, map[string]any{"request_id": "999999"}) {
		t.Errorf("body %v", b)
	}
}

func TestStatusEveryRC(t *testing.T) {
	for _, row := range rcTable(t) {
		f := newFake(t)
		f.on("POST", "/status", replyJSON(withFields(t, "status_68.json", map[string]any{"rc": row.RC, "message": row.Text, "sn": "SN" + row.RC})))
		res, err := newClient(t, f.srv.URL).Status(context.Background(), seedReq)
		if err != nil {
			t.Fatalf("rc %s: %v", row.RC, err)
		}
		if res.Outcome != statusWant[row.RC] {
			t.Errorf("rc %s (%s): outcome %s, want %s", row.RC, row.Text, res.Outcome, statusWant[row.RC])
		}
		if res.Outcome == supplier.Success && res.SN != "SN00" {
			t.Errorf("SN %q", res.SN)
		}
		if len(f.got()) != 1 {
			t.Errorf("rc %s: %d calls", row.RC, len(f.got()))
		}
	}
}

func TestStatusChecksTrxID(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/status", replyJSON(withFields(t, "status_68.json", map[string]any{"rc": "00", "sn": "1"})))
	r := seedReq
	r.TrxID = "16413"
	if res, _ := newClient(t, f.srv.URL).Status(context.Background(), r); res.Outcome != supplier.Success {
		t.Errorf("same trxid: %s", res.Outcome)
	}
	r.TrxID = "99"
	if res, _ := newClient(t, f.srv.URL).Status(context.Background(), r); res.Outcome != supplier.Unknown {
		t.Errorf("other trxid: %s", res.Outcome)
	}
}

func TestStatusUnusable(t *testing.T) {
	for _, tc := range []struct {
		code int
		body string
	}{{500, `{"rc":"00"}`}, {200, `garbage`}, {200, `{}`}, {401, `{"rc":"02","message":"Invalid authorization"}`}} {
		f := newFake(t)
		f.on("POST", "/status", reply(tc.code, "application/json", []byte(tc.body)))
		res, _ := newClient(t, f.srv.URL).Status(context.Background(), seedReq)
		if res.Outcome != supplier.Unknown {
			t.Errorf("%d %s: outcome %s", tc.code, tc.body, res.Outcome)
		}
	}
}

func TestBalance(t *testing.T) {
	cases := []struct {
		code    int
		body    string
		want    loket.Money
		wantErr bool
	}{
		{200, string(testdata(t, "saldo.json")), 14450, false},
		{200, `{"balance":"14.450"}`, 14450, false},
		{200, `{"balance":"14450.00"}`, 14450, false},
		{200, `{"balance":-500}`, -500, false},
		{401, `{"rc":"02","message":"Invalid authorization"}`, 0, true},
		{500, `{"balance":1}`, 0, true},
		{200, `{"saldo":1}`, 0, true},
		{200, `{"balance":"banyak"}`, 0, true},
		{200, `<html>`, 0, true},
	}
	for _, tc := range cases {
		f := newFake(t)
		f.on("GET", "/saldo", reply(tc.code, "application/json", []byte(tc.body)))
		got, err := newClient(t, f.srv.URL).Balance(context.Background())
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%d %s: got %d, %v; want %d (error %v)", tc.code, tc.body, got, err, tc.want, tc.wantErr)
		}
		if err != nil {
			noSecrets(t, "balance error", err.Error())
		}
		c := f.got()[0]
		if c.Method != "GET" || c.Path != apiPath+"/saldo" || c.Header.Get("Authorization") != "Bearer "+testKey || len(c.Body) != 0 {
			t.Errorf("request %s %s %v %q", c.Method, c.Path, c.Header, c.Body)
		}
	}
}

func TestPricesEmpty(t *testing.T) {
	f := newFake(t)
	p, err := newClient(t, f.srv.URL).Prices(context.Background())
	if err != nil || p == nil || len(p) != 0 {
		t.Errorf("got %v, %v; want an empty list", p, err)
	}
	if len(f.got()) != 0 {
		t.Errorf("Prices called the upstream")
	}
}

func TestParseAmount(t *testing.T) {
	cases := []struct {
		in   flex
		want loket.Money
		ok   bool
	}{
		{flex{s: "1000"}, 1000, true},
		{flex{s: "1.000"}, 1000, true},
		{flex{s: "1,000"}, 1000, true},
		{flex{s: "1000.00"}, 1000, true},
		{flex{s: "1000,50"}, 1001, true},
		{flex{s: "1.000.000"}, 1000000, true},
		{flex{s: "1.000,00"}, 1000, true},
		{flex{s: "1,000.00"}, 1000, true},
		{flex{s: "Rp 5.400"}, 5400, true},
		{flex{s: "Rp5400"}, 5400, true},
		{flex{s: "-2.500"}, -2500, true},
		{flex{s: "5400", isNum: true}, 5400, true},
		{flex{s: "5400.0", isNum: true}, 5400, true},
		{flex{s: "5.4e3", isNum: true}, 5400, true},
		{flex{s: "1.5", isNum: true}, 2, true},
		{flex{s: ""}, 0, false},
		{flex{s: "abc"}, 0, false},
		{flex{s: "1.00.0"}, 0, false},
		{flex{s: "99999999999999999999"}, 0, false},
		{flex{s: "1e300", isNum: true}, 0, false},
	}
	for _, tc := range cases {
		got, err := parseAmount(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseAmount(%+v) = %d, %v; want %d ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestNewValidates(t *testing.T) {
	bad := []supplier.Config{
		{Kind: Kind, BaseURL: "", APIKey: "k"},
		{Kind: Kind, BaseURL: "niskalaapi.socx.app", APIKey: "k"},
		{Kind: Kind, BaseURL: "ftp://x", APIKey: "k"},
		{Kind: Kind, BaseURL: "https://x?a=1", APIKey: "k"},
		{Kind: Kind, BaseURL: "https://x", APIKey: ""},
		{Kind: Kind, BaseURL: "https://x", APIKey: "k", MemberID: "soap"},
	}
	for _, cfg := range bad {
		if _, err := supplier.New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	s, err := supplier.New(supplier.Config{Kind: Kind, BaseURL: "https://niskalaapi.socx.app", APIKey: "k", MemberID: "XML"})
	if err != nil {
		t.Fatal(err)
	}
	c := s.(*Client)
	if c.base != "https://niskalaapi.socx.app/reseller/api/v1" || !c.xml {
		t.Errorf("base %q xml %v", c.base, c.xml)
	}
	if _, ok := s.(supplier.CallbackReceiver); !ok {
		t.Error("not a CallbackReceiver")
	}
	if _, ok := s.(supplier.RefLess); ok {
		t.Error("SOCX takes a client reference; it must not be RefLess")
	}
}

// Credentials echoed by the upstream never reach messages or errors.
func TestSecretsNeverLeak(t *testing.T) {
	echo := `{"rc":"%s","request_id":"999999","message":"token ` + testKey + ` pin ` + testSecret + `"}`
	for _, rc := range []string{"00", "68", "18", "03", "99"} {
		f := newFake(t)
		f.on("POST", "/purchase", replyJSON([]byte(strings.Replace(echo, "%s", rc, 1))))
		f.on("POST", "/status", reply(500, "", []byte(strings.Replace(echo, "%s", "11", 1))))
		c := newClient(t, f.srv.URL)
		res, err := c.Order(context.Background(), seedReq)
		noSecrets(t, "order message", res.Message)
		if err != nil {
			noSecrets(t, "order error", err.Error())
		}
		res, err = c.Status(context.Background(), seedReq)
		noSecrets(t, "status message", res.Message)
		if err != nil {
			noSecrets(t, "status error", err.Error())
		}
	}
	// Garbage that echoes them, over both modes.
	f := newFake(t)
	f.on("POST", "/purchase", reply(200, "", []byte("bad token "+testKey)))
	f.on("POST", "/xml/purchase", reply(200, "", []byte("bad pin "+testSecret)))
	for _, mode := range []string{"", "xml"} {
		c := newClient(t, f.srv.URL, func(cfg *supplier.Config) { cfg.MemberID = mode })
		res, err := c.Order(context.Background(), seedReq)
		noSecrets(t, "garbage message", res.Message)
		if err == nil {
			t.Errorf("mode %q: garbage accepted", mode)
		} else {
			noSecrets(t, "garbage error", err.Error())
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/purchase", replyJSON(testdata(t, "purchase_68.json")))
	c := newClient(t, f.srv.URL)
	done := make(chan supplier.Outcome)
	for range 8 {
		go func() {
			res, _ := c.Order(context.Background(), seedReq)
			done <- res.Outcome
		}()
	}
	for range 8 {
		if o := <-done; o != supplier.Pending {
			t.Errorf("outcome %s", o)
		}
	}
}

func TestNoRefNothingSent(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.srv.URL)
	r := seedReq
	r.Ref = " "
	if res, err := c.Order(context.Background(), r); err == nil || res.Outcome != supplier.Unknown {
		t.Errorf("order: %+v, %v", res, err)
	}
	if res, err := c.Status(context.Background(), r); err == nil || res.Outcome != supplier.Unknown {
		t.Errorf("status: %+v, %v", res, err)
	}
	if len(f.got()) != 0 {
		t.Errorf("%d calls", len(f.got()))
	}
}
