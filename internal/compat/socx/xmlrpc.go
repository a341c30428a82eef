package socx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/loket/loket/internal/compat/input"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/xmlrpc"
)

// faultError is an XML-RPC fault to answer with.
type faultError struct {
	Code   int
	String string
}

func (f *faultError) Error() string { return fmt.Sprintf("fault %d: %s", f.Code, f.String) }

// parseTopUpRequest reads a topUpRequest call into its members (names upper-cased).
// Anything that is not one is a fault.
func parseTopUpRequest(body []byte) (map[string]string, error) {
	c, err := xmlrpc.ParseCall(body)
	if err != nil {
		return nil, &faultError{xmlrpc.FaultParse, "parse error: not well formed XML-RPC methodCall"}
	}
	if name := strings.TrimSpace(c.MethodName); !strings.EqualFold(name, "topUpRequest") {
		return nil, &faultError{xmlrpc.FaultMethodNotFound, fmt.Sprintf("method %q not found; this endpoint serves topUpRequest", clip(name, 64))}
	}
	s := xmlrpc.FirstStruct(c.Params)
	if s == nil {
		return nil, &faultError{xmlrpc.FaultInvalidParams, "invalid params: topUpRequest takes one struct (NOHP, REQUESTID, PIN, NOM)"}
	}
	out := map[string]string{}
	for k, v := range s.Scalars() {
		out[k] = v.Text
	}
	return out, nil
}

func (h *handler) purchaseXML(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpx.MaxBody))
	if err != nil {
		writeFault(w, &faultError{xmlrpc.FaultParse, fmt.Sprintf("request body unreadable or larger than %d bytes", httpx.MaxBody)})
		return
	}
	m, err := parseTopUpRequest(body)
	if err != nil {
		var f *faultError
		if !errors.As(err, &f) {
			f = &faultError{xmlrpc.FaultInternal, "internal error"}
		}
		writeFault(w, f)
		return
	}
	reqID := clip(m["REQUESTID"], 64)
	answer := func(rc, msg, trx string) {
		writeMethodResponse(w, []member{{"RESPONSECODE", rc}, {"REQUESTID", reqID}, {"MESSAGE", msg}, {"TRANSACTIONID", trx}})
	}
	ra, err := h.identify(r, r.URL.Query().Get("token"))
	if err == nil && m["PIN"] != "" && !h.svc.Resellers.CheckSecret(ra, m["PIN"]) {
		err = loket.Errorf(loket.EUNAUTHORIZED, "wrong PIN")
	}
	if err == nil {
		err = input.Check(r, m)
	}
	if err != nil {
		rc, msg := rcOf(opOrder, err)
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
type member xmlrpc.Member

func xrMembers(ms []member) []xmlrpc.Member {
	out := make([]xmlrpc.Member, len(ms))
	for i, m := range ms {
		out[i] = xmlrpc.Member(m)
	}
	return out
}

func writeMethodCall(b *bytes.Buffer, method string, ms []member) {
	b.Write(xmlrpc.Call(method, xrMembers(ms)))
}

func writeXML(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK) // XML-RPC answers every call, faults too, with 200
	w.Write(b)
}

func writeMethodResponse(w http.ResponseWriter, ms []member) {
	writeXML(w, xmlrpc.Response(xrMembers(ms)))
}

func writeFault(w http.ResponseWriter, f *faultError) {
	writeXML(w, xmlrpc.FaultResponse(f.Code, f.String))
}
