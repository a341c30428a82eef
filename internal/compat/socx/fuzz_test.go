package socx_test

import (
	"github.com/loket/loket/internal/loketest"

	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// FuzzXMLRPC sends arbitrary bodies to the XML endpoint: never a panic, never a 5xx,
// always an XML-RPC methodResponse (a struct or a fault).
func FuzzXMLRPC(f *testing.F) {
	s := loketest.Start(f, "sqlite")
	r := loketest.NewReseller(f, s, 1_000_000_000)
	f.Add([]byte(seedXML))
	f.Add(topUp("08121231230", "f1", r.Creds.SecretKey, "HSA5"))
	f.Add(topUp("08121231230", "f1", "wrong", "hsa5"))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><methodCall><methodName>topUpRequest</methodName><params><param><value><struct><member><name>NOHP</name><value>0812\xe9</value></member></struct></value></param></params></methodCall>`))
	f.Add([]byte(`<?xml version="1.0" encoding="EBCDIC"?><methodCall/>`))
	f.Add([]byte(`<methodCall><methodName>topUpRequest</methodName><params><param><value><struct><member><name>NOHP</name><value><struct></struct></value></member></struct></value></param></params></methodCall>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall><methodName>&a;</methodName></methodCall>`))
	f.Add([]byte(strings.Repeat("<value>", 5000)))
	f.Add([]byte("\x00\xff<"))
	f.Add([]byte(``))
	url := s.URL + base + "/xml/purchase"
	f.Fuzz(func(t *testing.T, body []byte) {
		resp := loketest.Do(t, "POST", url, body, bearer(r.Creds.APIKey)...)
		if resp.Status >= 500 {
			t.Fatalf("status %d for %q: %s", resp.Status, body, resp.Body)
		}
		var doc struct {
			XMLName xml.Name
		}
		if err := xml.Unmarshal(resp.Body, &doc); err != nil || doc.XMLName.Local != "methodResponse" {
			t.Fatalf("not a methodResponse (%v): %s", err, resp.Body)
		}
	})
}

// FuzzHTTPPurchase sends arbitrary queries and bodies to http/purchase: never a panic,
// never a 5xx, always the purchase JSON.
func FuzzHTTPPurchase(f *testing.F) {
	s := loketest.Start(f, "sqlite")
	r := loketest.NewReseller(f, s, 1_000_000_000)
	key := url.QueryEscape(r.Creds.APIKey)
	f.Add(true, "code=HSA5&request_id=123456&msisdn=081234567890", "", "", false)
	f.Add(true, "", "multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nHSA5\r\n--X\r\nContent-Disposition: form-data; name=\"msisdn\"\r\n\r\n081471384\r\n--X--\r\n", true)
	f.Add(true, "", "multipart/form-data; boundary=X", "--X\r\nbroken", true)
	f.Add(true, "", "application/x-www-form-urlencoded", "code=HSA5&msisdn=0812%zz&request_id=1", true)
	f.Add(true, "", "", `{"code":["HSA5"],"msisdn":{"a":1},"request_id":1e400}`, true)
	f.Add(false, "code=%ff%fe&msisdn=\x00&request_id="+strings.Repeat("9", 500), "text/plain", "<x>", true)
	f.Add(true, "code=FFMAX-BJ-V3FFMAX_ID_10&msisdn=1122334450&request_id=g1&server=1", "", "", false)
	f.Add(true, "code=MLBB-BJ-V3-ALLMLBB_ID_5&msisdn=1122334450&request_id=g2", "", "", false)
	purchaseURL := s.URL + base + "/http/purchase"
	f.Fuzz(func(t *testing.T, withToken bool, query, ctype, body string, post bool) {
		q := query
		if withToken {
			q = "token=" + key + "&" + q
		}
		method, b := "GET", []byte(nil)
		if post {
			method, b = "POST", []byte(body)
		}
		var h []string
		if ctype != "" && strings.ReplaceAll(ctype, " ", "") == safeQuery(strings.ReplaceAll(ctype, " ", "")) {
			h = []string{"Content-Type", ctype}
		}
		resp := loketest.Do(t, method, purchaseURL, b, append(h, loketest.RawQuery, safeQuery(q))...)
		if resp.Status >= 500 {
			t.Fatalf("status %d for %q %q: %s", resp.Status, q, body, resp.Body)
		}
		var p map[string]any
		if err := json.Unmarshal(resp.Body, &p); err != nil || p["rc"] == nil {
			t.Fatalf("not the purchase JSON (%v): %d %s", err, resp.Status, resp.Body)
		}
	})
}

// safeQuery percent-encodes what cannot travel in a request line (controls, spaces,
// '#', bytes above ASCII) and leaves the rest, broken escapes included, as it is.
func safeQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
