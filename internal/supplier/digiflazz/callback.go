package digiflazz

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/loket/loket/internal/supplier"
)

// signatureHeader carries "sha1=" + hex(HMAC-SHA1(raw body, webhook secret)) (docs: Webhooks).
const signatureHeader = "X-Hub-Signature"

var (
	answerOK           = []byte("OK")
	answerUnauthorized = []byte("invalid signature")
	answerBadRequest   = []byte("unreadable payload")
)

// ReceiveCallback checks a webhook's signature against the raw body and reads the
// transaction it describes: a prepaid order, or a bill payment (User-Agent
// Digiflazz-Pasca-Hookshot, same fields plus the bill), whose ref_id is the payment's
// Ref. Both events ("create" and "update") carry the whole
// transaction, so they are read alike; Loket settles repeats and stale ones. Without
// a configured secret nothing can be verified and every webhook is refused.
func (d *Digiflazz) ReceiveCallback(r *http.Request, body []byte) ([]supplier.Callback, int, []byte, error) {
	if d.secret == "" {
		return nil, http.StatusUnauthorized, answerUnauthorized,
			errors.New("digiflazz: webhook refused: no webhook secret configured (--secret), so its signature cannot be checked")
	}
	if !d.validSignature(r.Header.Get(signatureHeader), body) {
		return nil, http.StatusUnauthorized, answerUnauthorized, errors.New("digiflazz: webhook refused: missing or wrong X-Hub-Signature")
	}
	var payload struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &payload); err != nil {
		return nil, http.StatusBadRequest, answerBadRequest, errors.New("digiflazz: signed webhook with an unreadable body")
	}
	if t := bytes.TrimSpace(payload.Data); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		// The ping Digiflazz sends when a webhook is set up has no data: nothing to settle.
		return nil, http.StatusOK, answerOK, nil
	}
	var t pascaData
	if err := json.Unmarshal(payload.Data, &t); err != nil {
		return nil, http.StatusBadRequest, answerBadRequest, errors.New("digiflazz: signed webhook with unexpected data")
	}
	if t.RefID == "" && t.TrxID == "" {
		return nil, http.StatusBadRequest, answerBadRequest, errors.New("digiflazz: signed webhook names no transaction")
	}
	res := result(t.trxData, pushed)
	postpaid := strings.Contains(r.Header.Get("User-Agent"), "Pasca") || len(t.Desc) > 0
	if postpaid && res.Outcome == supplier.Success && res.SN == "" {
		// A bill payment's proof is its reference number; a postpaid "success" without
		// one may describe the inquiry under the same ref_id, not the payment.
		res.Outcome, res.RetryAfter = supplier.Unknown, recheckAfter
		res.Message += " (postpaid success without a reference number: not taken as paid)"
	}
	return []supplier.Callback{{
		Ref:    string(t.RefID),
		TrxID:  string(t.TrxID),
		Result: res,
	}}, http.StatusOK, answerOK, nil
}

func (d *Digiflazz) validSignature(header string, body []byte) bool {
	header = strings.TrimSpace(header)
	const prefix = "sha1="
	if len(header) <= len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return false
	}
	got, err := hex.DecodeString(header[len(prefix):])
	if err != nil {
		return false
	}
	mac := hmac.New(sha1.New, []byte(d.secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
