package socx

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/loket/loket/internal/supplier"
)

// The XML-RPC side of the seed: the topUpRequest order (--member-id xml), its
// methodResponse, and the topUpReport callback. Only what the seed uses: one struct of
// scalar members.

type xrMethodCall struct {
	XMLName    xml.Name  `xml:"methodCall"`
	MethodName string    `xml:"methodName"`
	Params     []xrParam `xml:"params>param"`
}

type xrMethodResponse struct {
	XMLName xml.Name  `xml:"methodResponse"`
	Params  []xrParam `xml:"params>param"`
	Fault   *xrParam  `xml:"fault"`
}

type xrParam struct {
	Value xrValue `xml:"value"`
}

// xrValue is one XML-RPC value; one without a type element is a string.
type xrValue struct {
	Text    string    `xml:",chardata"`
	String  *string   `xml:"string"`
	Int     *string   `xml:"int"`
	I4      *string   `xml:"i4"`
	I8      *string   `xml:"i8"`
	Double  *string   `xml:"double"`
	Boolean *string   `xml:"boolean"`
	Struct  *xrStruct `xml:"struct"`
}

type xrStruct struct {
	Members []xrMember `xml:"member"`
}

type xrMember struct {
	Name  string  `xml:"name"`
	Value xrValue `xml:"value"`
}

// text is a scalar as text, and whether it came typed as a number.
func (v xrValue) text() (s string, num, ok bool) {
	for i, p := range []*string{v.String, v.Int, v.I4, v.I8, v.Double, v.Boolean} {
		if p != nil {
			return strings.TrimSpace(*p), i >= 1 && i <= 4, true
		}
	}
	if v.Struct != nil {
		return "", false, false
	}
	return strings.TrimSpace(v.Text), false, true
}

// members reads a struct's scalar members, names upper-cased.
func (s *xrStruct) members() map[string]flex {
	out := map[string]flex{}
	for _, m := range s.Members {
		if v, num, ok := m.Value.text(); ok {
			out[strings.ToUpper(strings.TrimSpace(m.Name))] = flex{s: v, isNum: num}
		}
	}
	return out
}

func newXMLDecoder(b []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = charsetReader
	return d
}

// charsetReader accepts the encodings XML-RPC servers declare besides UTF-8.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252":
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return strings.NewReader(string(rs)), nil
	}
	return nil, fmt.Errorf("unsupported encoding %q", label)
}

type member struct{ Name, Value string }

func writeStruct(b *bytes.Buffer, ms []member) {
	b.WriteString("<value>\n<struct>\n")
	for _, m := range ms {
		b.WriteString("<member>\n<name>")
		xml.EscapeText(b, []byte(m.Name))
		b.WriteString("</name>\n<value><string>")
		xml.EscapeText(b, []byte(m.Value))
		b.WriteString("</string></value>\n</member>\n")
	}
	b.WriteString("</struct>\n</value>\n")
}

// topUpRequest renders the seed's order call.
func topUpRequest(r supplier.Request, pin string) []byte {
	ms := []member{{"NOHP", r.Target}, {"REQUESTID", r.Ref}, {"PIN", pin}, {"NOM", r.Code}}
	// Further form fields (game server, zone) follow under their own names, in a
	// stable order; a pulsa order sends exactly the seed's four.
	keys := make([]string, 0, len(r.Fields))
	for k := range r.Fields {
		switch strings.ToUpper(k) {
		case "NOHP", "REQUESTID", "PIN", "NOM":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ms = append(ms, member{k, r.Fields[k]})
	}
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>topUpRequest</methodName>\n<params>\n<param>\n")
	writeStruct(&b, ms)
	b.WriteString("</param>\n</params>\n</methodCall>\n")
	return b.Bytes()
}

// methodResponse renders an XML-RPC answer of one struct.
func methodResponse(ms []member) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse>\n<params>\n<param>\n")
	writeStruct(&b, ms)
	b.WriteString("</param>\n</params>\n</methodResponse>\n")
	return b.Bytes()
}

// methodFault renders an XML-RPC fault.
func methodFault(code int, msg string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse>\n<fault>\n<value>\n<struct>\n"+
		"<member>\n<name>faultCode</name>\n<value><int>%d</int></value>\n</member>\n"+
		"<member>\n<name>faultString</name>\n<value><string>", code)
	xml.EscapeText(&b, []byte(msg))
	b.WriteString("</string></value>\n</member>\n</struct>\n</value>\n</fault>\n</methodResponse>\n")
	return b.Bytes()
}

// errFault marks an XML-RPC fault answer.
var errFault = errors.New("xml-rpc fault")

// parseMethodResponse reads the struct of a methodResponse. A fault returns errFault
// wrapped with its code and string.
func parseMethodResponse(b []byte) (map[string]flex, error) {
	var mr xrMethodResponse
	if err := newXMLDecoder(b).Decode(&mr); err != nil {
		return nil, errors.New("not an XML-RPC methodResponse")
	}
	if mr.Fault != nil {
		code, str := "?", ""
		if mr.Fault.Value.Struct != nil {
			m := mr.Fault.Value.Struct.members()
			code, str = m["FAULTCODE"].s, m["FAULTSTRING"].s
		}
		return nil, fmt.Errorf("%w %s: %s", errFault, clip(code, 16), clip(str, 200))
	}
	if len(mr.Params) == 0 || mr.Params[0].Value.Struct == nil {
		return nil, errors.New("methodResponse without a struct")
	}
	return mr.Params[0].Value.Struct.members(), nil
}

// orderXML places r as a topUpRequest at {base}/xml/purchase. The answer carries no
// SN; status and callbacks bring it.
func (c *Client) orderXML(ctx context.Context, r supplier.Request) (supplier.Result, error) {
	status, b, err := c.do(ctx, http.MethodPost, "/xml/purchase", "text/xml", topUpRequest(r, c.secret))
	if err != nil {
		return unknown(err.Error()), err
	}
	if !readable(status) {
		msg := fmt.Sprintf("socx: xml purchase: HTTP %d", status)
		return unknown(msg), c.errorf(nil, "%s", msg)
	}
	m, err := parseMethodResponse(b)
	if errors.Is(err, errFault) {
		// A fault may come from a proxy or a library after the call was handled:
		// nothing in it says the order was not placed.
		return unknown(c.redact(clip("socx: xml purchase: "+err.Error(), 300))), nil
	}
	if err != nil {
		msg := c.redact(fmt.Sprintf("socx: xml purchase: HTTP %d, %v: %q", status, err, clip(string(b), 120)))
		return unknown(msg), c.errorf(nil, "%s", msg)
	}
	rc := normRC(m["RESPONSECODE"].s)
	if rc == "" {
		msg := "socx: xml purchase: methodResponse without RESPONSECODE"
		return unknown(msg), c.errorf(nil, "%s", msg)
	}
	res := supplier.Result{
		TrxID:   trxID(m["TRANSACTIONID"]),
		SN:      m["SN"].s,
		Message: c.redact(clip(fmt.Sprintf("rc %s: %s", rc, m["MESSAGE"].s), 300)),
	}
	if p, err := parseAmount(m["PRICE"]); err == nil && p > 0 {
		res.Price = p
	}
	if status >= 400 && (rc == rcSuccess || rc == rcPending) {
		res.Outcome = supplier.Unknown
		return res, nil
	}
	if why := mismatch(r, m["REQUESTID"].s, m["NOM"].s, m["MSISDN"].s, res.TrxID); why != "" {
		res.Outcome = supplier.Unknown
		res.Message = clip("socx: xml purchase answer is about another transaction ("+why+"); "+res.Message, 300)
		return res, nil
	}
	return c.purchaseOutcome(ctx, r, rc, res)
}
