package socx

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/loket/loket/internal/supplier"
	"github.com/loket/loket/internal/xmlrpc"
)

// The XML-RPC side of the seed: the topUpRequest order (--member-id xml), its
// methodResponse, and the topUpReport callback. Only what the seed uses: one struct of
// scalar members.

// xrMethodCall is a methodCall as parseReportXML reads it: the shared shape, its
// struct read into flex members.
type xrMethodCall struct {
	XMLName    xml.Name  `xml:"methodCall"`
	MethodName string    `xml:"methodName"`
	Params     []xrParam `xml:"params>param"`
}

type xrParam struct {
	Value struct {
		Struct *xrStruct `xml:"struct"`
	} `xml:"value"`
}

type xrStruct xmlrpc.Struct

// members reads a struct's scalar members, names upper-cased.
func (s *xrStruct) members() map[string]flex {
	return flexes((*xmlrpc.Struct)(s).Scalars())
}

func flexes(m map[string]xmlrpc.Scalar) map[string]flex {
	out := make(map[string]flex, len(m))
	for k, v := range m {
		out[k] = flex{s: v.Text, isNum: v.Num}
	}
	return out
}

func newXMLDecoder(b []byte) *xml.Decoder { return xmlrpc.NewDecoder(b) }

type member xmlrpc.Member

// topUpRequest renders the seed's order call.
func topUpRequest(r supplier.Request, pin string) []byte {
	ms := []xmlrpc.Member{{Name: "NOHP", Value: r.Target}, {Name: "REQUESTID", Value: r.Ref}, {Name: "PIN", Value: pin}, {Name: "NOM", Value: r.Code}}
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
		ms = append(ms, xmlrpc.Member{Name: k, Value: r.Fields[k]})
	}
	return xmlrpc.Call("topUpRequest", ms)
}

// methodResponse renders an XML-RPC answer of one struct.
func methodResponse(ms []member) []byte {
	out := make([]xmlrpc.Member, len(ms))
	for i, m := range ms {
		out[i] = xmlrpc.Member(m)
	}
	return xmlrpc.Response(out)
}

// methodFault renders an XML-RPC fault.
func methodFault(code int, msg string) []byte { return xmlrpc.FaultResponse(code, msg) }

// errFault marks an XML-RPC fault answer.
var errFault = errors.New("xml-rpc fault")

// parseMethodResponse reads the struct of a methodResponse. A fault returns errFault
// wrapped with its code and string.
func parseMethodResponse(b []byte) (map[string]flex, error) {
	m, err := xmlrpc.ParseResponse(b)
	if f := (*xmlrpc.Fault)(nil); errors.As(err, &f) {
		return nil, fmt.Errorf("%w %s: %s", errFault, clip(f.Code, 16), clip(f.String, 200))
	}
	if err != nil {
		return nil, err
	}
	return flexes(m), nil
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
