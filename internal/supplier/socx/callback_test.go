package socx

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/loket/loket/internal/supplier"
)

func callbackReq(query string, body []byte) *http.Request {
	target := "/callbacks/socx1"
	if query != "" {
		target += "?" + query
	}
	return httptest.NewRequest("POST", target, bytes.NewReader(body))
}

func tokenQuery(s string) string { return "token=" + url.QueryEscape(s) }

// jsonReport is the seed's purchase JSON as a report.
func jsonReport(t *testing.T, rc, sn, msg string) []byte {
	return withFields(t, "purchase_68.json", map[string]any{"rc": rc, "sn": sn, "message": msg})
}

func TestCallbackSeedTopUpReport(t *testing.T) {
	c := newClient(t, "http://unused.invalid")
	body := testdata(t, "topup_report_00.xml")
	results, status, answer, err := c.ReceiveCallback(callbackReq(tokenQuery(testSecret), body), body)
	if err != nil || status != 200 {
		t.Fatalf("status %d, %v", status, err)
	}
	want := []supplier.Callback{{Ref: "12345", TrxID: "123123", Result: supplier.Result{
		Outcome: supplier.Success, SN: "02123123123123123", TrxID: "123123", Price: 5500, Message: "rc 00: SUKSES"}}}
	if !reflect.DeepEqual(results, want) {
		t.Errorf("got %+v\nwant %+v", results, want)
	}
	m, err := parseMethodResponse(answer)
	if err != nil || m["RESPONSECODE"].s != "00" {
		t.Errorf("answer %s is not a methodResponse: %v", answer, err)
	}
}

func TestCallbackJSONSeedShape(t *testing.T) {
	c := newClient(t, "http://unused.invalid")
	cases := []struct {
		rc, sn  string
		outcome supplier.Outcome
	}{
		{"00", "0041000111", supplier.Success},
		{"68", "", supplier.Pending}, // the seed's own example body, as a report
		{"23", "", supplier.Failed},
		{"21", "", supplier.Failed},
		{"70", "", supplier.Failed},
		{"18", "", supplier.Failed},
	}
	for _, tc := range cases {
		body := jsonReport(t, tc.rc, tc.sn, "x")
		results, status, answer, err := c.ReceiveCallback(callbackReq(tokenQuery(testSecret), body), body)
		if err != nil || status != 200 {
			t.Fatalf("rc %s: %d %v", tc.rc, status, err)
		}
		if len(results) != 1 || results[0].Ref != "999999" || results[0].TrxID != "16413" ||
			results[0].Result.Outcome != tc.outcome || results[0].Result.SN != tc.sn || results[0].Result.Price != 5400 {
			t.Errorf("rc %s: got %+v", tc.rc, results)
		}
		var a map[string]string
		if json.Unmarshal(answer, &a) != nil || a["rc"] != "00" {
			t.Errorf("answer %s", answer)
		}
	}
	// The seed's example file unchanged is a pending report.
	body := testdata(t, "purchase_68.json")
	results, _, _, err := c.ReceiveCallback(callbackReq(tokenQuery(testSecret), body), body)
	if err != nil || len(results) != 1 || results[0].Result.Outcome != supplier.Pending {
		t.Errorf("seed example: %+v, %v", results, err)
	}
}

func TestCallbackEveryRC(t *testing.T) {
	c := newClient(t, "http://unused.invalid")
	for _, row := range rcTable(t) {
		body := []byte(strings.Replace(string(testdata(t, "topup_report_00.xml")), "<string>00</string>", "<string>"+row.RC+"</string>", 1))
		results, status, _, err := c.ReceiveCallback(callbackReq(tokenQuery(testSecret), body), body)
		if err != nil || status != 200 {
			t.Fatalf("rc %s: %d %v", row.RC, status, err)
		}
		want := statusWant[row.RC]
		if want == supplier.Unknown {
			// Nothing Loket can act on: acknowledged, left to polling.
			if len(results) != 0 {
				t.Errorf("rc %s: got %+v, want none", row.RC, results)
			}
			continue
		}
		if len(results) != 1 || results[0].Result.Outcome != want {
			t.Errorf("rc %s: got %+v, want %s", row.RC, results, want)
		}
	}
}

// Repeats and late reports are returned as they are; the settling is Loket's.
func TestCallbackDuplicateAndOutOfOrder(t *testing.T) {
	c := newClient(t, "http://unused.invalid")
	success := jsonReport(t, "00", "SN1", "SUKSES")
	pending := jsonReport(t, "68", "", "PENDING")
	var got []supplier.Outcome
	var first []supplier.Callback
	for i, body := range [][]byte{success, success, pending} {
		results, status, _, err := c.ReceiveCallback(callbackReq(tokenQuery(testSecret), body), body)
		if err != nil || status != 200 || len(results) != 1 {
			t.Fatalf("%d: %d %v %v", i, status, err, results)
		}
		if i == 0 {
			first = results
		}
		if i == 1 && !reflect.DeepEqual(results, first) {
			t.Errorf("repeat differs: %+v vs %+v", results, first)
		}
		got = append(got, results[0].Result.Outcome)
	}
	if !reflect.DeepEqual(got, []supplier.Outcome{supplier.Success, supplier.Success, supplier.Pending}) {
		t.Errorf("outcomes %v", got)
	}
}

func TestCallbackBadToken(t *testing.T) {
	c := newClient(t, "http://unused.invalid")
	xmlBody := testdata(t, "topup_report_00.xml")
	jsonBody := jsonReport(t, "00", "SN", "SUKSES")
	badSig := "sha256=" + strings.Repeat("ab", 32)
	cases := []struct {
		name, query, sig string
		body             []byte
	}{
		{"xml no token", "", "", xmlBody},
		{"xml wrong token", tokenQuery("nope"), "", xmlBody},
		{"json no token", "", "", jsonBody},
		{"json wrong token", tokenQuery(testSecret + "x"), "", jsonBody},
		{"json token prefix", tokenQuery(testSecret[:5]), "", jsonBody},
		{"json bad signature", "", badSig, jsonBody},
		{"json signature not hex", "", "sha256=zz", jsonBody},
		{"json signature of other body", "", sign(testSecret, xmlBody), jsonBody},
	}
	for _, tc := range cases {
		r := callbackReq(tc.query, tc.body)
		if tc.sig != "" {
			r.Header.Set("X-Loket-Signature", tc.sig)
		}
		results, status, answer, err := c.ReceiveCallback(r, tc.body)
		if err == nil || status != http.StatusUnauthorized || len(results) != 0 {
			t.Errorf("%s: %d %v %v", tc.name, status, err, results)
			continue
		}
		noSecrets(t, tc.name+" error", err.Error())
		noSecrets(t, tc.name+" answer", string(answer))
		if bytes.HasPrefix(tc.body, []byte("<")) {
			if _, err := parseMethodResponse(answer); err == nil || !strings.Contains(err.Error(), "fault") {
				t.Errorf("%s: answer %s is not a fault", tc.name, answer)
			}
		} else if !strings.Contains(string(answer), `"rc":"02"`) {
			t.Errorf("%s: answer %s", tc.name, answer)
		}
	}
}

func sign(key string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Another Loket upstream signs its reports with the reseller's secret key.
func TestCallbackLoketSignature(t *testing.T) {
	c := newClient(t, "http://unused.invalid")
	body := jsonReport(t, "23", "", "GAGAL, Gagal Biller. Saldo telah dikembalikan")
	r := callbackReq("", body)
	r.Header.Set("X-Loket-Signature", sign(testSecret, body))
	results, status, _, err := c.ReceiveCallback(r, body)
	if err != nil || status != 200 || len(results) != 1 || results[0].Result.Outcome != supplier.Failed {
		t.Errorf("got %d %v %+v", status, err, results)
	}
}

func TestCallbackBadBody(t *testing.T) {
	c := newClient(t, "http://unused.invalid")
	for name, body := range map[string]string{
		"garbage":      "hello",
		"empty":        "",
		"bad xml":      "<methodCall><oops",
		"other method": strings.Replace(string(testdata(t, "topup_report_00.xml")), "topUpReport", "topUpRequest", 1),
		"no struct":    `<?xml version="1.0"?><methodCall><methodName>topUpReport</methodName><params/></methodCall>`,
		"no ids":       `{"rc":"00","sn":"1"}`,
		"no rc":        `{"request_id":"1","sn":"1"}`,
		"json array":   `[{"rc":"00","request_id":"1"}]`,
	} {
		results, status, answer, err := c.ReceiveCallback(callbackReq(tokenQuery(testSecret), []byte(body)), []byte(body))
		if err == nil || status != http.StatusBadRequest || len(results) != 0 || len(answer) == 0 {
			t.Errorf("%s: %d %v %+v", name, status, err, results)
		}
	}
}

// Without a secret, a callback is only a prompt: the status answer decides.
func TestCallbackWithoutSecretAsksStatus(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.srv.URL, func(cfg *supplier.Config) { cfg.Secret = "" })
	forged := jsonReport(t, "00", "FAKE-SN", "SUKSES")

	f.on("POST", "/status", replyJSON(testdata(t, "status_68.json")))
	results, status, _, err := c.ReceiveCallback(callbackReq("", forged), forged)
	if err != nil || status != 200 {
		t.Fatalf("%d %v", status, err)
	}
	if len(results) != 1 || results[0].Ref != "999999" || results[0].Result.Outcome != supplier.Pending || results[0].Result.SN != "" {
		t.Errorf("got %+v, want the status answer (pending)", results)
	}
	calls := f.got()
	if len(calls) != 1 || calls[0].Path != apiPath+"/status" || calls[0].Header.Get("Authorization") != "Bearer "+testKey {
		t.Fatalf("calls %+v", calls)
	}
	if b := jsonBodyOf(t, calls[0].Body); b["request_id"] != "999999" {
		t.Errorf("status body %v", b)
	}

	// Status confirms success: the result is the status's, SN included.
	f.on("POST", "/status", replyJSON(withFields(t, "status_68.json", map[string]any{"rc": "00", "sn": "REAL-SN"})))
	results, _, _, _ = c.ReceiveCallback(callbackReq("", forged), forged)
	if len(results) != 1 || results[0].Result.Outcome != supplier.Success || results[0].Result.SN != "REAL-SN" {
		t.Errorf("got %+v", results)
	}

	// Status unreachable or unsure: nothing to act on, still acknowledged.
	for _, h := range []http.HandlerFunc{reply(500, "", nil), replyJSON([]byte(`{"rc":"11","request_id":"999999"}`))} {
		f.on("POST", "/status", h)
		results, status, answer, err := c.ReceiveCallback(callbackReq("", forged), forged)
		if err != nil || status != 200 || len(results) != 0 || len(answer) == 0 {
			t.Errorf("got %d %v %+v", status, err, results)
		}
	}

	// A report naming only a transaction id cannot be checked by request_id.
	f.reset()
	onlyTrx := []byte(`{"rc":"00","trxid":5,"sn":"X"}`)
	results, status, _, err = c.ReceiveCallback(callbackReq("", onlyTrx), onlyTrx)
	if err != nil || status != 200 || len(results) != 0 || len(f.got()) != 0 {
		t.Errorf("got %d %v %+v, %d calls", status, err, results, len(f.got()))
	}
}

func jsonBodyOf(t *testing.T, b []byte) map[string]any { return jsonBody(t, b) }
