package xmlrpc

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	const head, resp = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "<methodResponse>\n"
	cases := []struct{ name, got, want string }{
		{"call", string(Call("topUpReport", []Member{{Name: "RESPONSECODE", Value: "00"}, {Name: "MESSAGE", Value: "a<b & \"c\""}})),
			"<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>topUpReport</methodName>\n<params>\n<param>\n" +
				"<value>\n<struct>\n" +
				"<member>\n<name>RESPONSECODE</name>\n<value><string>00</string></value>\n</member>\n" +
				"<member>\n<name>MESSAGE</name>\n<value><string>a&lt;b &amp; &#34;c&#34;</string></value>\n</member>\n" +
				"</struct>\n</value>\n</param>\n</params>\n</methodCall>\n"},
		{"response", string(Response([]Member{{Name: "RESPONSECODE", Value: "68"}})),
			head + resp + "<params>\n<param>\n<value>\n<struct>\n" +
				"<member>\n<name>RESPONSECODE</name>\n<value><string>68</string></value>\n</member>\n" +
				"</struct>\n</value>\n</param>\n</params>\n</methodResponse>\n"},
		{"fault", string(FaultResponse(FaultMethodNotFound, "method \"x\" <not> found")),
			head + resp + "<fault>\n<value>\n<struct>\n" +
				"<member>\n<name>faultCode</name>\n<value><int>-32601</int></value>\n</member>\n" +
				"<member>\n<name>faultString</name>\n<value><string>method &#34;x&#34; &lt;not&gt; found</string></value>\n</member>\n" +
				"</struct>\n</value>\n</fault>\n</methodResponse>\n"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, tc.got, tc.want)
		}
	}
	_, err := ParseResponse([]byte(cases[2].got))
	var f *Fault
	if !errors.As(err, &f) || f.Code != "-32601" || f.String != "method \"x\" <not> found" {
		t.Errorf("fault read back: %v", err)
	}
}

func TestParseCallLiberal(t *testing.T) {
	body := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<methodCall><methodName> topUpRequest </methodName><params><param><value><struct>" +
		"<member><name> nohp </name><value> 0812\xe9 </value></member>" +
		"<member><name>NOM</name><value><string>HSA5</string></value></member>" +
		"<member><name>price</name><value><int> 5500 </int></value></member>" +
		"<member><name>TRX</name><value><i4>77</i4></value></member>" +
		"<member><name>OK</name><value><boolean>1</boolean></value></member>" +
		"<member><name>NESTED</name><value><struct></struct></value></member>" +
		"<member><name>nom</name><value><string>HSA10</string></value></member>" +
		"</struct></value></param></params></methodCall>"
	c, err := ParseCall([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if c.MethodName != " topUpRequest " {
		t.Errorf("method %q", c.MethodName)
	}
	s := FirstStruct(c.Params)
	if s == nil {
		t.Fatal("no struct")
	}
	want := map[string]Scalar{
		"NOHP":  {Text: "0812é"},
		"NOM":   {Text: "HSA10"},
		"PRICE": {Text: "5500", Num: true},
		"TRX":   {Text: "77", Num: true},
		"OK":    {Text: "1"},
	}
	if got := s.Scalars(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestParseCallUnreadable(t *testing.T) {
	for _, body := range []string{
		``,
		`<methodResponse/>`,
		`<?xml version="1.0" encoding="EBCDIC"?><methodCall/>`,
		`<methodCall><methodName>x</methodName>`,
	} {
		if _, err := ParseCall([]byte(body)); err == nil {
			t.Errorf("%q: no error", body)
		}
	}
	c, err := ParseCall([]byte(`<methodCall><methodName>x</methodName></methodCall>`))
	if err != nil || FirstStruct(c.Params) != nil {
		t.Errorf("call without params: %+v, %v", c, err)
	}
}

func TestParseResponse(t *testing.T) {
	m, err := ParseResponse([]byte(`<?xml version="1.0" encoding="windows-1252"?><methodResponse><params><param><value><struct>
<member><name>responsecode</name><value><int>0</int></value></member>
<member><name>MESSAGE</name><value>SUKSES</value></member>
</struct></value></param></params></methodResponse>`))
	want := map[string]Scalar{"RESPONSECODE": {Text: "0", Num: true}, "MESSAGE": {Text: "SUKSES"}}
	if err != nil || !reflect.DeepEqual(m, want) {
		t.Errorf("got %v, %v", m, err)
	}
	cases := []struct{ body, err string }{
		{`<html>502</html>`, "not an XML-RPC methodResponse"},
		{`{"rc":"00"}`, "not an XML-RPC methodResponse"},
		{`<methodResponse><params></params></methodResponse>`, "methodResponse without a struct"},
		{`<methodResponse><params><param><value>x</value></param></params></methodResponse>`, "methodResponse without a struct"},
		{`<methodResponse><fault><value>x</value></fault></methodResponse>`, "fault ?: "},
		{`<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>4</int></value></member>` +
			`<member><name>faultString</name><value>Too many parameters</value></member></struct></value></fault></methodResponse>`, "fault 4: Too many parameters"},
	}
	for _, tc := range cases {
		if _, err := ParseResponse([]byte(tc.body)); err == nil || err.Error() != tc.err {
			t.Errorf("%s: got %v, want %s", tc.body, err, tc.err)
		}
	}
}

// FuzzParse reads arbitrary bodies as a call and as an answer: never a panic, and what
// is read survives being written and read again.
func FuzzParse(f *testing.F) {
	f.Add([]byte(Call("topUpRequest", []Member{{Name: "NOHP", Value: "0818111222"}, {Name: "REQUESTID", Value: "123456"}, {Name: "PIN", Value: "1234"}, {Name: "NOM", Value: "HSA5"}})))
	f.Add([]byte(Response([]Member{{Name: "RESPONSECODE", Value: "68"}, {Name: "MESSAGE", Value: "PENDING"}})))
	f.Add([]byte(FaultResponse(FaultParse, "parse error")))
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodCall><methodName>topUpRequest</methodName><params><param><value><struct><member><name>nohp</name><value>0812\xe9</value></member><member><name>N</name><value><i4>1</i4></value></member></struct></value></param></params></methodCall>"))
	f.Add([]byte(`<?xml version="1.0" encoding="EBCDIC"?><methodCall/>`))
	f.Add([]byte(`<methodCall><methodName>topUpRequest</methodName><params><param><value><struct><member><name>NOHP</name><value><struct></struct></value></member></struct></value></param></params></methodCall>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><methodCall><methodName>&a;</methodName></methodCall>`))
	f.Add([]byte(`<methodResponse><fault><value>x</value></fault></methodResponse>`))
	f.Add([]byte(strings.Repeat("<value>", 5000)))
	f.Add([]byte("\x00\xff<"))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		if c, err := ParseCall(body); err == nil {
			if s := FirstStruct(c.Params); s != nil {
				m := s.Scalars()
				c2, err := ParseCall(Call("x", members(m)))
				if err != nil || FirstStruct(c2.Params) == nil {
					t.Fatalf("written call unreadable: %v", err)
				}
				if got := texts(FirstStruct(c2.Params).Scalars()); !reflect.DeepEqual(got, texts(m)) {
					t.Fatalf("call read back %v, want %v", got, texts(m))
				}
			}
		}
		m, err := ParseResponse(body)
		var fault *Fault
		switch {
		case errors.As(err, &fault):
			if _, err := ParseResponse(FaultResponse(FaultInternal, fault.String)); err == nil {
				t.Fatal("written fault read as a struct")
			}
		case err == nil:
			got, err := ParseResponse(Response(members(m)))
			if err != nil || !reflect.DeepEqual(texts(got), texts(m)) {
				t.Fatalf("answer read back %v (%v), want %v", got, err, texts(m))
			}
		}
	})
}

// members is m as members to write, in name order.
func members(m map[string]Scalar) []Member {
	ms := make([]Member, 0, len(m))
	for k, v := range m {
		ms = append(ms, Member{Name: k, Value: v.Text})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	return ms
}

// texts is m without the number marks (everything is written as a string).
func texts(m map[string]Scalar) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v.Text
	}
	return out
}
