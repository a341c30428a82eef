package socx

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/loket/loket/internal/supplier"
)

// confirmTimeout bounds the status checks an unauthenticated callback prompts.
const confirmTimeout = 15 * time.Second

var _ supplier.CallbackReceiver = (*Client)(nil)

// ReceiveCallback reads a result SOCX pushed: the XML-RPC topUpReport methodCall, or the
// purchase JSON shape. The seed signs nothing, so:
//
//   - with --secret set, only callbacks whose URL carries ?token=<secret> (register the
//     callback URL with it), or whose X-Loket-Signature is the HMAC-SHA256 of the body
//     under the secret (what another Loket upstream sends), are taken at their word;
//     the rest are refused with 401;
//   - without a secret, a callback is only a prompt: the adapter asks /status for its
//     request_id and returns what that authenticated answer says, so a forged callback
//     cannot settle an order.
//
// Results Loket cannot act on (Unknown) are left out; polling carries those orders on.
// The upstream gets 200 with a methodResponse (XML-RPC) or {"rc":"00"} (JSON).
func (c *Client) ReceiveCallback(r *http.Request, body []byte) ([]supplier.Callback, int, []byte, error) {
	isXML := bytes.HasPrefix(bytes.TrimSpace(body), []byte("<"))
	authed := false
	if c.secret != "" {
		if !c.genuine(r, body) {
			return nil, http.StatusUnauthorized, refusal(isXML, "02", "Invalid authorization"),
				errors.New("socx callback: missing or wrong token")
		}
		authed = true
	}
	var cb supplier.Callback
	var err error
	if isXML {
		cb, err = c.parseReportXML(body)
	} else {
		cb, err = c.parseReportJSON(body)
	}
	if err != nil {
		return nil, http.StatusBadRequest, refusal(isXML, "01", "Invalid payload"), err
	}
	if !authed {
		var ok bool
		if cb, ok = c.confirm(r.Context(), cb); !ok {
			return nil, http.StatusOK, ack(isXML), nil
		}
	}
	if cb.Result.Outcome == supplier.Unknown {
		return nil, http.StatusOK, ack(isXML), nil
	}
	return []supplier.Callback{cb}, http.StatusOK, ack(isXML), nil
}

// genuine checks the token in the URL, or another Loket's body signature.
func (c *Client) genuine(r *http.Request, body []byte) bool {
	if r.URL != nil {
		if t := r.URL.Query().Get("token"); t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(c.secret)) == 1 {
			return true
		}
	}
	sig := strings.TrimSpace(r.Header.Get("X-Loket-Signature"))
	if hexSig, ok := strings.CutPrefix(sig, "sha256="); ok {
		got, err := hex.DecodeString(hexSig)
		if err != nil {
			return false
		}
		m := hmac.New(sha256.New, []byte(c.secret))
		m.Write(body)
		return hmac.Equal(got, m.Sum(nil))
	}
	return false
}

// confirm replaces an unauthenticated callback's result by a status check's. ok is
// false when there is nothing Loket can act on.
func (c *Client) confirm(ctx context.Context, cb supplier.Callback) (supplier.Callback, bool) {
	if cb.Ref == "" {
		return cb, false // status is asked by request_id only
	}
	ctx, cancel := context.WithTimeout(ctx, confirmTimeout)
	defer cancel()
	res, err := c.Status(ctx, supplier.Request{Ref: cb.Ref})
	if err != nil || res.Outcome == supplier.Unknown {
		return cb, false
	}
	if res.TrxID == "" {
		res.TrxID = cb.TrxID
	}
	cb.Result = res
	if res.TrxID != "" {
		cb.TrxID = res.TrxID
	}
	return cb, true
}

func (c *Client) parseReportXML(body []byte) (supplier.Callback, error) {
	var mc xrMethodCall
	if err := newXMLDecoder(body).Decode(&mc); err != nil {
		return supplier.Callback{}, errors.New("socx callback: not an XML-RPC methodCall")
	}
	if name := strings.TrimSpace(mc.MethodName); !strings.EqualFold(name, "topUpReport") {
		return supplier.Callback{}, fmt.Errorf("socx callback: method %q is not topUpReport", clip(name, 40))
	}
	if len(mc.Params) == 0 || mc.Params[0].Value.Struct == nil {
		return supplier.Callback{}, errors.New("socx callback: topUpReport without a struct")
	}
	m := mc.Params[0].Value.Struct.members()
	return c.report(m["RESPONSECODE"].s, m["REQUESTID"].s, m["TRANSACTIONID"], m["SN"].s, m["MESSAGE"].s, m["PRICE"])
}

func (c *Client) parseReportJSON(body []byte) (supplier.Callback, error) {
	a, ok := decodeAnswer(body)
	if !ok {
		return supplier.Callback{}, errors.New("socx callback: body is neither a topUpReport nor a JSON object")
	}
	return c.report(a.RC.s, a.RequestID.s, a.TrxID, a.SN.s, a.Message.s, a.Price)
}

// report builds a callback from a report's fields.
func (c *Client) report(rc, ref string, trx flex, sn, msg string, price flex) (supplier.Callback, error) {
	rc = normRC(rc)
	cb := supplier.Callback{Ref: clip(strings.TrimSpace(ref), 64), TrxID: trxID(trx)}
	if rc == "" {
		return cb, errors.New("socx callback: no response code")
	}
	if cb.Ref == "" && cb.TrxID == "" {
		return cb, errors.New("socx callback: neither request id nor transaction id")
	}
	res := supplier.Result{TrxID: cb.TrxID, SN: clip(strings.TrimSpace(sn), 128),
		Message: c.redact(clip(fmt.Sprintf("rc %s: %s", rc, msg), 300))}
	if p, err := parseAmount(price); err == nil && p > 0 {
		res.Price = p
	}
	cb.Result = c.stateOutcome(rc, res)
	return cb, nil
}

// ack is the 200 answer the upstream expects.
func ack(isXML bool) []byte {
	if isXML {
		return methodResponse([]member{{"RESPONSECODE", "00"}, {"MESSAGE", "OK"}})
	}
	b, _ := json.Marshal(map[string]string{"rc": "00", "message": "OK"})
	return b
}

// refusal is the answer to a callback not taken.
func refusal(isXML bool, rc, msg string) []byte {
	if isXML {
		code := -32700
		if rc == "02" {
			code = 401
		}
		return methodFault(code, msg)
	}
	b, _ := json.Marshal(map[string]string{"rc": rc, "message": msg})
	return b
}
