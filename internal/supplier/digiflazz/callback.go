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
// transaction it describes. Both events ("create" and "update") carry the whole
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
	var t trxData
	if err := json.Unmarshal(payload.Data, &t); err != nil {
		return nil, http.StatusBadRequest, answerBadRequest, errors.New("digiflazz: signed webhook with unexpected data")
	}
	if t.RefID == "" && t.TrxID == "" {
		return nil, http.StatusBadRequest, answerBadRequest, errors.New("digiflazz: signed webhook names no transaction")
	}
	return []supplier.Callback{{
		Ref:    string(t.RefID),
		TrxID:  string(t.TrxID),
		Result: result(t, pushed),
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
