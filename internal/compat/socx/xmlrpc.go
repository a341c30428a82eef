package socx

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/loket/loket/internal/api"
	"github.com/loket/loket/internal/app"
	"github.com/loket/loket/internal/loket"
)

// XML-RPC fault codes, from the "specification for fault code interoperability"
// that most XML-RPC libraries follow.
const (
	faultParse          = -32700
	faultMethodNotFound = -32601
	faultInvalidParams  = -32602
	faultInternal       = -32603
)

// methodCall is an XML-RPC request.
type methodCall struct {
	XMLName    xml.Name  `xml:"methodCall"`
	MethodName string    `xml:"methodName"`
	Params     []xrParam `xml:"params>param"`
}

type xrParam struct {
	Value xrValue `xml:"value"`
}

// xrValue is one XML-RPC value. A value without a type element is a string.
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

// text is a scalar value as text; ok is false for a struct.
func (v xrValue) text() (string, bool) {
	for _, p := range []*string{v.String, v.Int, v.I4, v.I8, v.Double, v.Boolean} {
		if p != nil {
			return strings.TrimSpace(*p), true
		}
	}
	if v.Struct != nil {
		return "", false
	}
	return strings.TrimSpace(v.Text), true
}

// faultError is an XML-RPC fault to answer with.
type faultError struct {
	Code   int
	String string
}

func (f *faultError) Error() string { return fmt.Sprintf("fault %d: %s", f.Code, f.String) }

// parseTopUpRequest reads a topUpRequest call into its members (names upper-cased).
// Anything that is not one is a fault.
func parseTopUpRequest(body []byte) (map[string]string, error) {
	var c methodCall
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = charsetReader
	if err := d.Decode(&c); err != nil {
		return nil, &faultError{faultParse, "parse error: not well formed XML-RPC methodCall"}
	}
	if name := strings.TrimSpace(c.MethodName); !strings.EqualFold(name, "topUpRequest") {
		return nil, &faultError{faultMethodNotFound, fmt.Sprintf("method %q not found; this endpoint serves topUpRequest", clip(name, 64))}
	}
	if len(c.Params) == 0 || c.Params[0].Value.Struct == nil {
		return nil, &faultError{faultInvalidParams, "invalid params: topUpRequest takes one struct (NOHP, REQUESTID, PIN, NOM)"}
	}
	out := map[string]string{}
	for _, m := range c.Params[0].Value.Struct.Members {
		if v, ok := m.Value.text(); ok {
			out[strings.ToUpper(strings.TrimSpace(m.Name))] = v
		}
	}
	return out, nil
}

// charsetReader accepts the encodings XML-RPC clients declare besides UTF-8.
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

func (h *handler) purchaseXML(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxBody))
	if err != nil {
		writeFault(w, &faultError{faultParse, fmt.Sprintf("request body unreadable or larger than %d bytes", api.MaxBody)})
		return
	}
	m, err := parseTopUpRequest(body)
	if err != nil {
		var f *faultError
		if !errors.As(err, &f) {
			f = &faultError{faultInternal, "internal error"}
		}
		writeFault(w, f)
		return
	}
	reqID := clip(m["REQUESTID"], 64)
	answer := func(rc, msg, trx string) {
		writeMethodResponse(w, []member{{"RESPONSECODE", rc}, {"REQUESTID", reqID}, {"MESSAGE", msg}, {"TRANSACTIONID", trx}})
	}
	ra, err := h.identify(r, r.URL.Query().Get("token"))
	if err == nil && m["PIN"] != "" && !app.CheckSecret(ra, m["PIN"]) {
		err = loket.Errorf(loket.EUNAUTHORIZED, "wrong PIN")
	}
	if err != nil {
		rc, msg := rcOf(err)
		if loket.ErrorCode(err) == loket.EUNAUTHORIZED && m["PIN"] != "" && ra != nil {
			msg = "GAGAL, Invalid authorization: PIN salah"
		}
		answer(rc, msg, "")
		return
	}
	res := h.purchase(r.Context(), ra, purchaseReq{Code: m["NOM"], MSISDN: m["NOHP"], RequestID: m["REQUESTID"], Extra: lower(m)}, SurfaceXML)
	trx := ""
	if res.TrxID != 0 {
		trx = fmt.Sprint(res.TrxID)
	}
	if res.RequestID != "" {
		reqID = res.RequestID
	}
	answer(res.RC, res.Message, trx)
}

func lower(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// member is one name and string value of a struct we write.
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

func writeMethodCall(b *bytes.Buffer, method string, ms []member) {
	b.WriteString("<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>")
	xml.EscapeText(b, []byte(method))
	b.WriteString("</methodName>\n<params>\n<param>\n")
	writeStruct(b, ms)
	b.WriteString("</param>\n</params>\n</methodCall>\n")
}

func writeXML(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK) // XML-RPC answers every call, faults too, with 200
	w.Write(b)
}

func writeMethodResponse(w http.ResponseWriter, ms []member) {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse>\n<params>\n<param>\n")
	writeStruct(&b, ms)
	b.WriteString("</param>\n</params>\n</methodResponse>\n")
	writeXML(w, b.Bytes())
}

func writeFault(w http.ResponseWriter, f *faultError) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse>\n<fault>\n<value>\n<struct>\n"+
		"<member>\n<name>faultCode</name>\n<value><int>%d</int></value>\n</member>\n"+
		"<member>\n<name>faultString</name>\n<value><string>", f.Code)
	xml.EscapeText(&b, []byte(f.String))
	b.WriteString("</string></value>\n</member>\n</struct>\n</value>\n</fault>\n</methodResponse>\n")
	writeXML(w, b.Bytes())
}
