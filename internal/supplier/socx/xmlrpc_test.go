package socx

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/loket/loket/internal/supplier"
	"github.com/loket/loket/internal/xmlrpc"
)

func xmlMode(cfg *supplier.Config) { cfg.MemberID = "xml" }

// xmlSeedReq is the order of the seed's topUpRequest example.
var xmlSeedReq = supplier.Request{Ref: "123456", Code: "HSA5", Target: "0818111222"}

func structOf(t *testing.T, body []byte, method string) map[string]string {
	t.Helper()
	mc, err := xmlrpc.ParseCall(body)
	if err != nil {
		t.Fatalf("not a methodCall: %v\n%s", err, body)
	}
	if mc.MethodName != method || len(mc.Params) != 1 || mc.Params[0].Value.Struct == nil {
		t.Fatalf("call %q with %d params", mc.MethodName, len(mc.Params))
	}
	out := map[string]string{}
	for _, m := range mc.Params[0].Value.Struct.Members {
		if m.Value.String == nil {
			t.Errorf("member %s is not a <string>", m.Name)
		}
		v, _ := m.Value.Scalar()
		out[m.Name] = v.Text
	}
	return out
}

func TestXMLOrderSeedExample(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/xml/purchase", reply(200, "text/xml", testdata(t, "topup_response_68.xml")))
	c := newClient(t, f.srv.URL, xmlMode)
	res, err := c.Order(context.Background(), xmlSeedReq)
	if err != nil {
		t.Fatal(err)
	}
	want := supplier.Result{Outcome: supplier.Pending, TrxID: "5483", Message: "rc 68: PENDING, Transaksi sedang diproses"}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
	calls := f.got()
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	got := calls[0]
	if got.Method != "POST" || got.Path != apiPath+"/xml/purchase" || got.Header.Get("Content-Type") != "text/xml" {
		t.Errorf("request %s %s %q", got.Method, got.Path, got.Header.Get("Content-Type"))
	}
	// The seed's own example, with the PIN filled from --secret.
	wantStruct := structOf(t, testdata(t, "topup_request.xml"), "topUpRequest")
	wantStruct["PIN"] = testSecret
	if s := structOf(t, got.Body, "topUpRequest"); !reflect.DeepEqual(s, wantStruct) {
		t.Errorf("struct %v, want %v", s, wantStruct)
	}
	if !strings.Contains(string(got.Body), "<member>\n<name>NOHP</name>") || strings.Index(string(got.Body), "NOHP") > strings.Index(string(got.Body), "NOM<") {
		t.Errorf("members not in the seed's order:\n%s", got.Body)
	}
}

func TestXMLOrderEveryRC(t *testing.T) {
	for _, row := range rcTable(t) {
		f := newFake(t)
		b := strings.Replace(string(testdata(t, "topup_response_68.xml")), "<string>68</string>", "<string>"+row.RC+"</string>", 1)
		f.on("POST", "/xml/purchase", reply(200, "text/xml", []byte(b)))
		f.on("POST", "/status", replyJSON([]byte(`{"request_id":"123456","rc":"11","message":"Transaksi tidak ditemukan"}`)))
		res, err := newClient(t, f.srv.URL, xmlMode).Order(context.Background(), xmlSeedReq)
		if err != nil {
			t.Fatalf("rc %s: %v", row.RC, err)
		}
		want := orderWant[row.RC]
		if res.Outcome != want.outcome {
			t.Errorf("rc %s: outcome %s, want %s", row.RC, res.Outcome, want.outcome)
		}
		calls := f.got()
		if want.confirm != (len(calls) == 2) {
			t.Errorf("rc %s: %d calls, confirm %v", row.RC, len(calls), want.confirm)
		}
		if want.confirm && (calls[1].Path != apiPath+"/status" || calls[1].Header.Get("Authorization") != "Bearer "+testKey) {
			t.Errorf("rc %s: confirmation %s %v", row.RC, calls[1].Path, calls[1].Header)
		}
	}
}

func TestXMLOrderUnusable(t *testing.T) {
	cases := []struct {
		name    string
		code    int
		body    string
		wantErr bool
	}{
		{"fault", 200, string(testdata(t, "fault.xml")), false},
		{"garbage", 200, "<html><body>502</body></html>", true},
		{"not xml", 200, `{"rc":"00"}`, true},
		{"no responsecode", 200, strings.Replace(string(testdata(t, "topup_response_68.xml")), "RESPONSECODE", "CODE", 1), true},
		{"5xx", 500, string(testdata(t, "topup_response_68.xml")), true},
		{"other request id", 200, strings.Replace(string(testdata(t, "topup_response_68.xml")), "123456", "777", 1), false},
		{"empty params", 200, `<?xml version="1.0"?><methodResponse><params></params></methodResponse>`, true},
	}
	for _, tc := range cases {
		f := newFake(t)
		f.on("POST", "/xml/purchase", reply(tc.code, "text/xml", []byte(tc.body)))
		res, err := newClient(t, f.srv.URL, xmlMode).Order(context.Background(), xmlSeedReq)
		if res.Outcome != supplier.Unknown || (err != nil) != tc.wantErr {
			t.Errorf("%s: got %s, %v", tc.name, res.Outcome, err)
		}
		if len(f.got()) != 1 {
			t.Errorf("%s: %d calls", tc.name, len(f.got()))
		}
	}
}

func TestXMLOrderSuccessAndTypes(t *testing.T) {
	body := `<?xml version="1.0" encoding="ISO-8859-1"?><methodResponse><params><param><value><struct>
<member><name>responsecode</name><value><int>0</int></value></member>
<member><name>REQUESTID</name><value>123456</value></member>
<member><name>MESSAGE</name><value><string>SUKSES</string></value></member>
<member><name>TRANSACTIONID</name><value><i4>5483</i4></value></member>
<member><name>SN</name><value><string>0041</string></value></member>
</struct></value></param></params></methodResponse>`
	f := newFake(t)
	f.on("POST", "/xml/purchase", reply(200, "text/xml", []byte(body)))
	res, err := newClient(t, f.srv.URL, xmlMode).Order(context.Background(), xmlSeedReq)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != supplier.Success || res.SN != "0041" || res.TrxID != "5483" {
		t.Errorf("got %+v", res)
	}
}

func TestXMLStatusUsesJSON(t *testing.T) {
	f := newFake(t)
	f.on("POST", "/status", replyJSON(testdata(t, "status_68.json")))
	res, err := newClient(t, f.srv.URL, xmlMode).Status(context.Background(), seedReq)
	if err != nil || res.Outcome != supplier.Pending {
		t.Errorf("got %+v, %v", res, err)
	}
}
