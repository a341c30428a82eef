// Package xmlrpc is the small subset of XML-RPC Loket speaks: a methodCall or a
// methodResponse carrying one struct param whose members are strings (and int/i4
// numbers), and faults.
//
// Writing is strict: every member is a <string>, a fault has an <int> faultCode and a
// <string> faultString. Reading is liberal: member names in any case (they come back
// upper-cased), untyped values (read as strings) and the other scalar types (read as
// text), and bodies declared ISO-8859-1 or windows-1252 besides UTF-8. Size limits are
// the caller's: it reads bodies under a limit and clips what it repeats from them.
package xmlrpc

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Fault codes, from the "specification for fault code interoperability" that most
// XML-RPC libraries follow.
const (
	FaultParse          = -32700
	FaultMethodNotFound = -32601
	FaultInvalidParams  = -32602
	FaultInternal       = -32603
)

// MethodCall is an XML-RPC request.
type MethodCall struct {
	XMLName    xml.Name `xml:"methodCall"`
	MethodName string   `xml:"methodName"`
	Params     []Param  `xml:"params>param"`
}

// MethodResponse is an XML-RPC answer: params, or a fault.
type MethodResponse struct {
	XMLName xml.Name `xml:"methodResponse"`
	Params  []Param  `xml:"params>param"`
	Fault   *Param   `xml:"fault"`
}

// Param is one param of a call or an answer (and the value of a fault).
type Param struct {
	Value Value `xml:"value"`
}

// Value is one XML-RPC value. A value without a type element is a string.
type Value struct {
	Text    string  `xml:",chardata"`
	String  *string `xml:"string"`
	Int     *string `xml:"int"`
	I4      *string `xml:"i4"`
	I8      *string `xml:"i8"`
	Double  *string `xml:"double"`
	Boolean *string `xml:"boolean"`
	Struct  *Struct `xml:"struct"`
}

// Struct is an XML-RPC struct.
type Struct struct {
	Members []StructMember `xml:"member"`
}

// StructMember is one member of a Struct as read.
type StructMember struct {
	Name  string `xml:"name"`
	Value Value  `xml:"value"`
}

// Scalar is a scalar value as text, and whether it came typed as a number (int, i4,
// i8 or double).
type Scalar struct {
	Text string
	Num  bool
}

// Scalar is v as text; ok is false for a struct.
func (v Value) Scalar() (s Scalar, ok bool) {
	for i, p := range []*string{v.String, v.Int, v.I4, v.I8, v.Double, v.Boolean} {
		if p != nil {
			return Scalar{Text: strings.TrimSpace(*p), Num: i >= 1 && i <= 4}, true
		}
	}
	if v.Struct != nil {
		return Scalar{}, false
	}
	return Scalar{Text: strings.TrimSpace(v.Text)}, true
}

// Scalars reads a struct's scalar members, names trimmed and upper-cased; of members
// with the same name the last counts, and struct members are left out.
func (s *Struct) Scalars() map[string]Scalar {
	out := map[string]Scalar{}
	for _, m := range s.Members {
		if v, ok := m.Value.Scalar(); ok {
			out[strings.ToUpper(strings.TrimSpace(m.Name))] = v
		}
	}
	return out
}

// FirstStruct is the struct of the first param, or nil when there is none.
func FirstStruct(ps []Param) *Struct {
	if len(ps) == 0 {
		return nil
	}
	return ps[0].Value.Struct
}

// NewDecoder is an XML decoder of b that understands the encodings CharsetReader does.
func NewDecoder(b []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.CharsetReader = CharsetReader
	return d
}

// CharsetReader accepts the encodings XML-RPC peers declare besides UTF-8.
func CharsetReader(label string, r io.Reader) (io.Reader, error) {
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

// ParseCall decodes a methodCall. Its method name and params are as sent: checking
// them is the caller's.
func ParseCall(body []byte) (*MethodCall, error) {
	var c MethodCall
	if err := NewDecoder(body).Decode(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Fault is a fault answer as read: its code and string as text.
type Fault struct {
	Code, String string
}

func (f *Fault) Error() string { return fmt.Sprintf("fault %s: %s", f.Code, f.String) }

// ParseResponse reads the struct of a methodResponse. A fault answer returns a *Fault
// (code "?" when the fault carries no struct).
func ParseResponse(body []byte) (map[string]Scalar, error) {
	var mr MethodResponse
	if err := NewDecoder(body).Decode(&mr); err != nil {
		return nil, errors.New("not an XML-RPC methodResponse")
	}
	if mr.Fault != nil {
		f := &Fault{Code: "?"}
		if mr.Fault.Value.Struct != nil {
			m := mr.Fault.Value.Struct.Scalars()
			f.Code, f.String = m["FAULTCODE"].Text, m["FAULTSTRING"].Text
		}
		return nil, f
	}
	s := FirstStruct(mr.Params)
	if s == nil {
		return nil, errors.New("methodResponse without a struct")
	}
	return s.Scalars(), nil
}

// Member is one name and string value of a struct to write.
type Member struct{ Name, Value string }

func writeStruct(b *bytes.Buffer, ms []Member) {
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

// Call renders a methodCall of method with one struct param.
func Call(method string, ms []Member) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>")
	xml.EscapeText(&b, []byte(method))
	b.WriteString("</methodName>\n<params>\n<param>\n")
	writeStruct(&b, ms)
	b.WriteString("</param>\n</params>\n</methodCall>\n")
	return b.Bytes()
}

// Response renders a methodResponse of one struct param.
func Response(ms []Member) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse>\n<params>\n<param>\n")
	writeStruct(&b, ms)
	b.WriteString("</param>\n</params>\n</methodResponse>\n")
	return b.Bytes()
}

// FaultResponse renders a fault answer.
func FaultResponse(code int, msg string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse>\n<fault>\n<value>\n<struct>\n"+
		"<member>\n<name>faultCode</name>\n<value><int>%d</int></value>\n</member>\n"+
		"<member>\n<name>faultString</name>\n<value><string>", code)
	xml.EscapeText(&b, []byte(msg))
	b.WriteString("</string></value>\n</member>\n</struct>\n</value>\n</fault>\n</methodResponse>\n")
	return b.Bytes()
}
