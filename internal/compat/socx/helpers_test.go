package socx_test

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

// purchaseShape checks that b is exactly the seed's purchase object, with its JSON
// types, and decodes it.
func purchaseShape(t testing.TB, b []byte) purchase {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	want := map[string]string{"code": "string", "msisdn": "string", "request_id": "string", "rc": "string",
		"trxid": "number", "price": "number", "balance": "number", "sn": "string", "message": "string"}
	if len(m) != len(want) {
		t.Errorf("keys %v, want those of the seed %v", keys(m), want)
	}
	for k, typ := range want {
		v, ok := m[k]
		if !ok {
			t.Errorf("missing %q in %s", k, b)
			continue
		}
		got := "other"
		switch v.(type) {
		case string:
			got = "string"
		case float64:
			got = "number"
		}
		if got != typ {
			t.Errorf("%q is a %s (%v), want a %s", k, got, v, typ)
		}
	}
	var p purchase
	json.Unmarshal(b, &p)
	return p
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

type purchase struct {
	Code      string `json:"code"`
	MSISDN    string `json:"msisdn"`
	RequestID string `json:"request_id"`
	RC        string `json:"rc"`
	TrxID     int64  `json:"trxid"`
	Price     int64  `json:"price"`
	Balance   int64  `json:"balance"`
	SN        string `json:"sn"`
	Message   string `json:"message"`
}

// xmlStruct decodes an XML-RPC methodResponse or methodCall with one struct param
// into its members (all strings), or its fault.
type xmlDoc struct {
	XMLName    xml.Name
	MethodName string      `xml:"methodName"`
	Members    []xmlMember `xml:"params>param>value>struct>member"`
	Fault      []xmlMember `xml:"fault>value>struct>member"`
}

type xmlMember struct {
	Name   string `xml:"name"`
	String string `xml:"value>string"`
	Int    string `xml:"value>int"`
}

func parseXML(t testing.TB, b []byte) (doc xmlDoc, members map[string]string, order []string) {
	t.Helper()
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not XML: %v: %s", err, b)
	}
	members = map[string]string{}
	for _, m := range doc.Members {
		members[m.Name] = m.String
		order = append(order, m.Name)
	}
	for _, m := range doc.Fault {
		members[m.Name] = m.String + m.Int
	}
	return doc, members, order
}

func eq(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }
