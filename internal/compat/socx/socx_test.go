package socx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

const base = "/compat/socx/reseller/api/v1"

// The seed's XML topUpRequest, as printed.
const seedXML = `<?xml version="1.0"?>
<methodCall>
    <methodName>topUpRequest</methodName>
    <params>
        <param>
            <value>
                <struct>
                    <member>
                        <name>NOHP</name>
                        <value>
                            <string>0818111222</string>
                        </value>
                    </member>
                    <member>
                        <name>REQUESTID</name>
                        <value>
                            <string>123456</string>
                        </value>
                    </member>
                    <member>
                        <name>PIN</name>
                        <value>
                            <string></string>
                        </value>
                    </member>
                    <member>
                        <name>NOM</name>
                        <value>
                            <string>HSA5</string>
                        </value>
                    </member>
                </struct>
            </value>
        </param>
    </params>
</methodCall>
`

func bearer(key string) []string { return []string{"Authorization", "Bearer " + key} }

func withJSON(h []string) []string { return append(h, "Content-Type", "application/json") }

// topUp makes a topUpRequest body.
func topUp(nohp, reqID, pin, nom string) []byte {
	return []byte(strings.NewReplacer("0818111222", nohp, "<string>123456</string>", "<string>"+reqID+"</string>",
		"<string></string>", "<string>"+pin+"</string>", "HSA5", nom).Replace(seedXML))
}

// waitStatus polls POST status until the order leaves pending.
func waitStatus(t *testing.T, s *server.Server, key, ref string) purchase {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := loketest.Do(t, "POST", s.URL+base+"/status", []byte(`{"request_id":"`+ref+`"}`), withJSON(bearer(key))...)
		p := purchaseShape(t, r.Body)
		if p.RC != "68" {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("request_id %s still pending", ref)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// TestSeedExamples runs every example request of seed 002 as printed, with only the
// scheme, host and credentials changed.
func TestSeedExamples(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		r := loketest.NewReseller(t, s, 1_000_000)
		key := r.Creds.APIKey

		// API Check Saldo.
		resp := loketest.Do(t, "GET", s.URL+base+"/saldo", nil, bearer(key)...)
		var saldo map[string]any
		if err := json.Unmarshal(resp.Body, &saldo); err != nil || resp.Status != 200 {
			t.Fatalf("saldo: %d %s", resp.Status, resp.Body)
		}
		if len(saldo) != 1 || saldo["balance"] != float64(1_000_000) {
			t.Fatalf("saldo: %s", resp.Body)
		}

		// API Transaksi HTTP JSON POST.
		body := []byte(`{
              "code":"HSA5",
              "msisdn":"08121231231",
              "request_id":"999999"
            }`)
		resp = loketest.Do(t, "POST", s.URL+base+"/purchase", body, withJSON(bearer(key))...)
		p := purchaseShape(t, resp.Body)
		if resp.Status != 200 || p.RC != "68" || p.Code != "HSA5" || p.MSISDN != "08121231231" || p.RequestID != "999999" ||
			p.Price != 5400 || p.Balance != 1_000_000-5400 || p.TrxID == 0 || p.SN != "" || p.Message != "PENDING, Transaksi sedang diproses" {
			t.Fatalf("purchase: %d %s", resp.Status, resp.Body)
		}
		// The same request_id again: that transaction, not a second one.
		resp = loketest.Do(t, "POST", s.URL+base+"/purchase", body, withJSON(bearer(key))...)
		if p2 := purchaseShape(t, resp.Body); p2.TrxID != p.TrxID || p2.Balance != 1_000_000-5400 {
			t.Fatalf("repeat: %s", resp.Body)
		}

		// API Transaksi HTTP GET.
		resp = loketest.Do(t, "GET", s.URL+base+"/http/purchase?code=HSA5&request_id=123456&msisdn=081234567890&token="+url.QueryEscape(key), nil)
		p = purchaseShape(t, resp.Body)
		if resp.Status != 200 || (p.RC != "68" && p.RC != "00") || p.RequestID != "123456" || p.MSISDN != "081234567890" || p.Price != 5400 {
			t.Fatalf("http purchase: %d %s", resp.Status, resp.Body)
		}

		// API Transaksi HTTP POST, multipart form as curl --form sends it. The seed's
		// msisdn 081471384 has 9 digits: accepted (loket.NormalizeMSISDN), and the
		// simulator keeps a number ending in 4 pending.
		form := func(requestID, msisdn string) purchase {
			t.Helper()
			var mp bytes.Buffer
			mw := multipart.NewWriter(&mp)
			for _, kv := range [][2]string{{"code", "HSA5"}, {"request_id", requestID}, {"msisdn", msisdn}, {"token", key}} {
				mw.WriteField(kv[0], kv[1])
			}
			mw.Close()
			resp := loketest.Do(t, "POST", s.URL+base+"/http/purchase", mp.Bytes(), "Content-Type", mw.FormDataContentType())
			if resp.Status != 200 {
				t.Fatalf("form purchase: %d %s", resp.Status, resp.Body)
			}
			return purchaseShape(t, resp.Body)
		}
		if p = form("13013", "081471384"); p.RC != "68" || p.RequestID != "13013" || p.MSISDN != "081471384" || p.TrxID == 0 ||
			p.Balance != 1_000_000-3*5400 {
			t.Fatalf("form purchase: %+v", p)
		}
		// Eight digits are not a mobile number: rc 07, no transaction.
		if p = form("13014", "08147138"); p.RC != "07" || p.TrxID != 0 {
			t.Fatalf("form purchase of 8 digits: %+v", p)
		}

		// API Transaksi XML, by another reseller (the GET example used 123456 already).
		rx := loketest.NewReseller(t, s, 100_000)
		resp = loketest.Do(t, "POST", s.URL+base+"/xml/purchase", []byte(seedXML), append(bearer(rx.Creds.APIKey), "Content-Type", "text/xml")...)
		doc, m, order := parseXML(t, resp.Body)
		if resp.Status != 200 || doc.XMLName.Local != "methodResponse" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/xml") {
			t.Fatalf("xml: %d %s", resp.Status, resp.Body)
		}
		if !eq(order, []string{"RESPONSECODE", "REQUESTID", "MESSAGE", "TRANSACTIONID"}) || m["RESPONSECODE"] != "68" ||
			m["REQUESTID"] != "123456" || m["MESSAGE"] != "PENDING, Transaksi sedang diproses" || m["TRANSACTIONID"] == "" {
			t.Fatalf("xml: %s", resp.Body)
		}
		// Target ending in 2 fails at the supplier: the order fails, refunded, rc 23.
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp = loketest.Do(t, "POST", s.URL+base+"/xml/purchase", []byte(seedXML), bearer(rx.Creds.APIKey)...)
			_, m, _ = parseXML(t, resp.Body)
			if m["RESPONSECODE"] != "68" || time.Now().After(deadline) {
				break
			}
			time.Sleep(30 * time.Millisecond)
		}
		if m["RESPONSECODE"] != "23" || loketest.Balance(t, s, rx.ID) != 100_000 {
			t.Fatalf("xml failed order: %s, balance %d", resp.Body, loketest.Balance(t, s, rx.ID))
		}

		// API Cek Status.
		resp = loketest.Do(t, "POST", s.URL+base+"/status", []byte(`{
"request_id":"999999"
}`), withJSON(bearer(key))...)
		p = purchaseShape(t, resp.Body)
		if resp.Status != 200 || p.RequestID != "999999" || p.Code != "HSA5" || p.Price != 5400 {
			t.Fatalf("status: %d %s", resp.Status, resp.Body)
		}
		p = waitStatus(t, s, key, "999999")
		if p.RC != "00" || p.Message != "SUKSES" || p.SN == "" {
			t.Fatalf("status: %+v", p)
		}

		// API Create Tiket Deposit, once the operator has set up the bank accounts.
		loketest.SetupPayments(t, s)
		resp = loketest.Do(t, "POST", s.URL+base+"/deposit_ticket", []byte(`{
"amount":1000000
}`), withJSON(bearer(key))...)
		if resp.Status != 200 {
			t.Fatalf("deposit ticket: %d %s", resp.Status, resp.Body)
		}
		tk := ticketShape(t, resp.Body)
		checkTicket(t, s, r.ID, tk, 1_000_000)
		loketest.VerifyLedger(t, s)
	})
}

// TestErrors checks every rc from its cause.
func TestErrors(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		r := loketest.NewReseller(t, s, 50_000)
		key, secret := r.Creds.APIKey, r.Creds.SecretKey
		buy := func(body string, h ...string) (int, purchase) {
			t.Helper()
			resp := loketest.Do(t, "POST", s.URL+base+"/purchase", []byte(body), h...)
			return resp.Status, purchaseShape(t, resp.Body)
		}
		cases := []struct {
			name   string
			body   string
			header []string
			status int
			rc     string
		}{
			{"bad key", `{"code":"HSA5","msisdn":"08121231230","request_id":"e1"}`, withJSON(bearer("lk_nope")), 401, "02"},
			{"no key", `{"code":"HSA5","msisdn":"08121231230","request_id":"e1"}`, nil, 401, "02"},
			{"malformed JSON", `{"code":"HSA5",`, withJSON(bearer(key)), 200, "01"},
			{"missing code", `{"msisdn":"08121231230","request_id":"e2"}`, withJSON(bearer(key)), 200, "01"},
			{"missing msisdn", `{"code":"HSA5","request_id":"e2"}`, withJSON(bearer(key)), 200, "01"},
			{"missing request_id", `{"code":"HSA5","msisdn":"08121231230"}`, withJSON(bearer(key)), 200, "01"},
			{"unknown product", `{"code":"NOPE9","msisdn":"08121231230","request_id":"e3"}`, withJSON(bearer(key)), 200, "05"},
			{"invalid msisdn", `{"code":"HSA5","msisdn":"12ab","request_id":"e4"}`, withJSON(bearer(key)), 200, "07"},
			{"closed product", `{"code":"ZZOFF","msisdn":"08121231230","request_id":"e6"}`, withJSON(bearer(key)), 200, "22"},
			{"no route", `{"code":"ZZNOROUTE","msisdn":"08121231230","request_id":"e7"}`, withJSON(bearer(key)), 200, "22"},
		}
		importClosed(t, s)
		for _, c := range cases {
			status, p := buy(c.body, c.header...)
			if status != c.status || p.RC != c.rc || !strings.HasPrefix(p.Message, "GAGAL") || p.TrxID != 0 {
				t.Errorf("%s: %d %+v, want %d rc %s", c.name, status, p, c.status, c.rc)
			}
		}
		if b := loketest.Balance(t, s, r.ID); b != 50_000 {
			t.Errorf("balance %d after refused orders", b)
		}

		// Numbers as JSON numbers, a form content type, a trailing slash.
		status, p := buy(`{"code":"hsa5","msisdn":8121231230,"request_id":777}`, append(bearer(key), "Content-Type", "application/x-www-form-urlencoded")...)
		if status != 200 || (p.RC != "68" && p.RC != "00") || p.RequestID != "777" || p.MSISDN != "08121231230" {
			t.Fatalf("liberal purchase: %d %+v", status, p)
		}
		resp := loketest.Do(t, "POST", s.URL+base+"/purchase/", []byte(`{"code":"HSA5","msisdn":"08121231230","request_id":"777"}`), bearer(key)...)
		if p2 := purchaseShape(t, resp.Body); p2.TrxID != p.TrxID {
			t.Fatalf("trailing slash: %s", resp.Body)
		}
		// A used request_id with another number or product is refused, not bought.
		for _, body := range []string{`{"code":"HSA5","msisdn":"08121231239","request_id":"777"}`, `{"code":"HSA10","msisdn":"08121231230","request_id":"777"}`} {
			if status, p := buy(body, bearer(key)...); status != 200 || p.RC != "10" || p.TrxID != 0 {
				t.Errorf("reused request_id: %d %+v", status, p)
			}
		}
		// The anti double-order guard: same product and number under a new request_id
		// while the first is pending (a target ending 5 gets no answer at first).
		buy(`{"code":"HSA5","msisdn":"08121231235","request_id":"d1"}`, bearer(key)...)
		if status, p := buy(`{"code":"HSA5","msisdn":"08121231235","request_id":"d2"}`, bearer(key)...); status != 200 || p.RC != "17" {
			t.Errorf("double order: %d %+v", status, p)
		}
		// Insufficient balance.
		poor := loketest.NewReseller(t, s, 1000)
		if status, p := buy(`{"code":"HSA5","msisdn":"08121231230","request_id":"e5"}`, bearer(poor.Creds.APIKey)...); status != 200 || p.RC != "18" || p.Balance != 1000 || p.Price != 5400 {
			t.Errorf("insufficient: %d %+v", status, p)
		}

		// http/purchase tokens: the API key alone, the secret key next to a Bearer API
		// key; the secret key alone cannot name a reseller.
		get := func(q string, h ...string) purchase {
			resp := loketest.Do(t, "GET", s.URL+base+"/http/purchase?"+q, nil, h...)
			return purchaseShape(t, resp.Body)
		}
		q := "code=HSA5&msisdn=08121231233&request_id=h1&token="
		if p := get(q + url.QueryEscape(secret)); p.RC != "02" {
			t.Errorf("secret alone: %+v", p)
		}
		if p := get(q+url.QueryEscape(secret), bearer(key)...); p.RC != "68" && p.RC != "00" {
			t.Errorf("secret with bearer: %+v", p)
		}
		if p := get("code=HSA5&msisdn=08121231234&request_id=h2&token=wrong", bearer(key)...); p.RC != "02" {
			t.Errorf("wrong token with bearer: %+v", p)
		}
		if p := get("code=HSA5&msisdn=08121231234&request_id=h2&token=lk_wrong"); p.RC != "02" {
			t.Errorf("wrong token: %+v", p)
		}
		// urlencoded form POST.
		resp = loketest.Do(t, "POST", s.URL+base+"/http/purchase", []byte("code=HSA5&msisdn=08121231236&request_id=h3&token="+url.QueryEscape(key)),
			"Content-Type", "application/x-www-form-urlencoded")
		if p := purchaseShape(t, resp.Body); p.RC != "68" && p.RC != "00" {
			t.Errorf("urlencoded: %s", resp.Body)
		}

		// A game: msisdn is the account id, the form's other fields come as parameters.
		resp = loketest.Do(t, "GET", s.URL+base+"/http/purchase?code=MLBB-BJ-V3-ALLMLBB_ID_5&msisdn=1122334450&server=2001&request_id=g1&token="+url.QueryEscape(key), nil)
		if p := purchaseShape(t, resp.Body); (p.RC != "68" && p.RC != "00") || p.MSISDN != "1122334450" {
			t.Errorf("game: %s", resp.Body)
		}
		resp = loketest.Do(t, "GET", s.URL+base+"/http/purchase?code=MLBB-BJ-V3-ALLMLBB_ID_5&msisdn=1122334450&server=2002&request_id=g1&token="+url.QueryEscape(key), nil)
		if p := purchaseShape(t, resp.Body); p.RC != "10" {
			t.Errorf("game, used request_id, other server: %s", resp.Body)
		}
		resp = loketest.Do(t, "GET", s.URL+base+"/http/purchase?code=MLBB-BJ-V3-ALLMLBB_ID_5&msisdn=1122334450&request_id=g2&token="+url.QueryEscape(key), nil)
		if p := purchaseShape(t, resp.Body); p.RC != "01" {
			t.Errorf("game without server: %s", resp.Body)
		}

		// Status of an unknown request_id, and without one.
		resp = loketest.Do(t, "POST", s.URL+base+"/status", []byte(`{"request_id":"nope"}`), bearer(key)...)
		if p := purchaseShape(t, resp.Body); resp.Status != 200 || p.RC != "11" {
			t.Errorf("status unknown: %d %s", resp.Status, resp.Body)
		}
		resp = loketest.Do(t, "POST", s.URL+base+"/status", []byte(`{}`), bearer(key)...)
		if p := purchaseShape(t, resp.Body); p.RC != "01" {
			t.Errorf("status empty: %s", resp.Body)
		}
		resp = loketest.Do(t, "POST", s.URL+base+"/status", []byte(`{"request_id":"777"}`), bearer("lk_bad")...)
		if p := purchaseShape(t, resp.Body); resp.Status != 401 || p.RC != "02" {
			t.Errorf("status bad key: %d %s", resp.Status, resp.Body)
		}

		// Saldo and deposit ticket with a bad key; unknown paths and methods.
		for _, c := range []struct{ method, path string }{{"GET", "/saldo"}, {"POST", "/deposit_ticket"}} {
			resp = loketest.Do(t, c.method, s.URL+base+c.path, []byte(`{"amount":1000}`), bearer("lk_bad")...)
			var e map[string]any
			json.Unmarshal(resp.Body, &e)
			if resp.Status != 401 || e["rc"] != "02" {
				t.Errorf("%s bad key: %d %s", c.path, resp.Status, resp.Body)
			}
		}
		resp = loketest.Do(t, "POST", s.URL+base+"/deposit_ticket", []byte(`{}`), bearer(key)...)
		if !strings.Contains(string(resp.Body), `"rc":"01"`) {
			t.Errorf("deposit ticket without amount: %s", resp.Body)
		}
		for _, c := range []struct {
			method, path string
			status       int
		}{{"GET", "/nope", 404}, {"DELETE", "/purchase", 405}, {"GET", "/xml/purchase", 405}} {
			resp = loketest.Do(t, c.method, s.URL+base+c.path, nil, bearer(key)...)
			var e map[string]any
			if json.Unmarshal(resp.Body, &e) != nil || resp.Status != c.status || e["rc"] == nil {
				t.Errorf("%s %s: %d %s", c.method, c.path, resp.Status, resp.Body)
			}
		}
		loketest.VerifyLedger(t, s)
	})
}

// importClosed adds an inactive product and one without a route.
func importClosed(t *testing.T, s *server.Server) {
	t.Helper()
	y := `products:
  - {code: ZZOFF, name: Closed 5.000, brand: THREE, price: 5400, active: false,
     routes: [{supplier: sim, code: HSA5, cost: 5290, priority: 100}]}
  - {code: ZZNOROUTE, name: Unrouted 5.000, brand: THREE, price: 5400}
`
	if _, err := catalog.Import(context.Background(), s.DB, strings.NewReader(y), "closed.yaml"); err != nil {
		t.Fatalf("import: %v", err)
	}
	if err := s.Core.Catalog.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestXMLRPC checks the XML endpoint's auth, PIN and faults.
func TestXMLRPC(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		r := loketest.NewReseller(t, s, 100_000)
		key, secret := r.Creds.APIKey, r.Creds.SecretKey
		poor := loketest.NewReseller(t, s, 1000)
		post := func(body []byte, path string, h ...string) (xmlDoc, map[string]string) {
			t.Helper()
			resp := loketest.Do(t, "POST", s.URL+base+"/xml/purchase"+path, body, h...)
			if resp.Status != 200 {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			d, m, _ := parseXML(t, resp.Body)
			return d, m
		}
		// PIN = secret key, token in the query.
		_, m := post(topUp("08121231230", "x1", secret, "HSA5"), "?token="+url.QueryEscape(key))
		if m["RESPONSECODE"] != "68" && m["RESPONSECODE"] != "00" {
			t.Errorf("pin+token: %v", m)
		}
		for _, c := range []struct {
			name, body, path string
			h                []string
			rc               string
		}{
			{"wrong PIN", string(topUp("08121231230", "x2", "1234", "HSA5")), "", bearer(key), "02"},
			{"no key", string(topUp("08121231230", "x2", "", "HSA5")), "", nil, "02"},
			{"bad key", string(topUp("08121231230", "x2", "", "HSA5")), "", bearer("lk_x"), "02"},
			{"unknown product", string(topUp("08121231230", "x3", "", "NOPE")), "", bearer(key), "05"},
			{"bad number", string(topUp("0812", "x4", "", "HSA5")), "", bearer(key), "07"},
			{"insufficient", string(topUp("08121231230", "x5", "", "HSA5")), "", bearer(poor.Creds.APIKey), "18"},
			{"missing NOHP", strings.Replace(string(topUp("08121231230", "x6", "", "HSA5")), "NOHP", "OTHER", 1), "", bearer(key), "01"},
			{"reused REQUESTID", string(topUp("08121231239", "x1", "", "HSA5")), "", bearer(key), "10"},
			{"untyped values", `<methodCall><methodName>topUpRequest</methodName><params><param><value><struct>
				<member><name>nohp</name><value>08121231238</value></member><member><name>requestid</name><value><int>55</int></value></member>
				<member><name>nom</name><value>HSA5</value></member></struct></value></param></params></methodCall>`, "/", bearer(key), "68"},
		} {
			_, m := post([]byte(c.body), c.path, c.h...)
			if m["RESPONSECODE"] != c.rc {
				t.Errorf("%s: %v, want rc %s", c.name, m, c.rc)
			}
		}
		for _, c := range []struct {
			name, body string
			code       string
		}{
			{"not XML", `{"code":"HSA5"}`, "-32700"},
			{"broken XML", `<methodCall><methodName>topUpRequest</methodName><params>`, "-32700"},
			{"empty", ``, "-32700"},
			{"wrong method", strings.Replace(seedXML, "topUpRequest", "balanceRequest", 1), "-32601"},
			{"no struct", `<methodCall><methodName>topUpRequest</methodName><params><param><value><string>x</string></value></param></params></methodCall>`, "-32602"},
		} {
			d, m := post([]byte(c.body), "", bearer(key)...)
			if len(d.Fault) == 0 || m["faultCode"] != c.code || m["faultString"] == "" {
				t.Errorf("%s: %+v %v, want fault %s", c.name, d, m, c.code)
			}
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestReports checks the status reports: topUpReport for XML orders, the purchase JSON
// otherwise.
func TestReports(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		r := loketest.NewReseller(t, s, 100_000)
		type delivery struct {
			ctype string
			body  []byte
		}
		ch := make(chan delivery, 8)
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			b, _ := io.ReadAll(req.Body)
			ch <- delivery{req.Header.Get("Content-Type"), b}
		}))
		t.Cleanup(rcv.Close)
		u := rcv.URL
		if err := s.Core.Resellers.UpdateReseller(context.Background(), r.ID, loket.ResellerUpdate{WebhookURL: &u}); err != nil {
			t.Fatal(err)
		}
		next := func() delivery {
			select {
			case d := <-ch:
				return d
			case <-time.After(10 * time.Second):
				t.Fatal("no report")
				return delivery{}
			}
		}
		resp := loketest.Do(t, "POST", s.URL+base+"/xml/purchase", topUp("08121231230", "rx1", "", "HSA5"), bearer(r.Creds.APIKey)...)
		_, m, _ := parseXML(t, resp.Body)
		d := next()
		doc, rep, order := parseXML(t, d.body)
		if d.ctype != "text/xml" || doc.XMLName.Local != "methodCall" || doc.MethodName != "topUpReport" ||
			!eq(order, []string{"RESPONSECODE", "REQUESTID", "MESSAGE", "TRANSACTIONID", "SN", "MSISDN", "PRICE"}) ||
			rep["RESPONSECODE"] != "00" || rep["MESSAGE"] != "SUKSES" || rep["REQUESTID"] != "rx1" || rep["SN"] == "" ||
			rep["MSISDN"] != "08121231230" || rep["PRICE"] != "5400" || rep["TRANSACTIONID"] != m["TRANSACTIONID"] {
			t.Fatalf("xml report: %s %s", d.ctype, d.body)
		}

		resp = loketest.Do(t, "POST", s.URL+base+"/purchase", []byte(`{"code":"HSA5","msisdn":"08121231232","request_id":"rj1"}`), bearer(r.Creds.APIKey)...)
		p := purchaseShape(t, resp.Body)
		d = next()
		rp := purchaseShape(t, d.body)
		if !strings.HasPrefix(d.ctype, "application/json") || rp.RC != "23" || rp.TrxID != p.TrxID || rp.RequestID != "rj1" ||
			rp.Balance != 100_000-5400 {
			t.Fatalf("json report: %s %s", d.ctype, d.body)
		}
		loketest.VerifyLedger(t, s)
	})
}
