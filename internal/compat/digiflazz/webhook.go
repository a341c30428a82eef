package digiflazz

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/loket/loket/internal/loket"
)

// WebhookEvent is the event of this surface's order reports, as Loket records it;
// Digiflazz's X-Digiflazz-Event says "update".
const WebhookEvent = "digiflazz.update"

// UserAgent is the User-Agent of Digiflazz's prepaid webhooks.
const UserAgent = "Digiflazz-Hookshot"

// PascaWebhookEvent is the event of this surface's bill payment reports, as Loket
// records it; Digiflazz's X-Digiflazz-Event says "update" for these too.
const PascaWebhookEvent = "digiflazz.pasca.update"

// PascaUserAgent is the User-Agent of Digiflazz's postpaid webhooks.
const PascaUserAgent = "Digiflazz-Pasca-Hookshot"

// notify renders an order's final state as Digiflazz's webhook: {"data": {...}} with
// the transaction as a status check answers it, plus trx_id (Loket's order id).
// balance is the reseller's balance right after the settlement.
// A bill's payment (o.InquiryID set) is reported in the postpaid shape: the bill's
// fields as pay-pasca answers them, under PascaWebhookEvent.
func notify(o *loket.Order, balance loket.Money) (string, string, []byte, error) {
	b, err := WebhookBody(o, balance)
	if o.InquiryID != 0 {
		return PascaWebhookEvent, "application/json", b, err
	}
	return WebhookEvent, "application/json", b, err
}

// WebhookBody renders the webhook of an order, the reseller's balance being balance.
func WebhookBody(o *loket.Order, balance loket.Money) ([]byte, error) {
	id := strconv.FormatInt(o.ID, 10)
	if o.InquiryID != 0 {
		d := billOrderData(o, o.Target, balance)
		d.TrxID = id
		return encode(d)
	}
	d := orderData(o, o.Target, balance)
	d.TrxID = id
	return encode(d)
}

// encode is {"data": d} as Digiflazz writes it, without a trailing newline.
func encode(d any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(envelope{Data: d}); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// headers are Digiflazz's webhook headers (docs: Webhooks): the event, the delivery,
// and X-Hub-Signature, "sha1=" and the hex HMAC-SHA1 of the body keyed with the
// reseller's secret key, which is its Digiflazz key and webhook secret both.
func headers(h http.Header, delivery int64, body []byte, secret string) {
	signed(h, UserAgent, delivery, body, secret)
}

// pascaHeaders are headers with the postpaid webhooks' User-Agent.
func pascaHeaders(h http.Header, delivery int64, body []byte, secret string) {
	signed(h, PascaUserAgent, delivery, body, secret)
}

func signed(h http.Header, userAgent string, delivery int64, body []byte, secret string) {
	h.Set("User-Agent", userAgent)
	h.Set("X-Digiflazz-Event", "update")
	h.Set("X-Digiflazz-Delivery", strconv.FormatInt(delivery, 10))
	h.Set("X-Hub-Signature", Signature(secret, body))
}

// Signature is X-Hub-Signature of body under secret.
func Signature(secret string, body []byte) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(body)
	return "sha1=" + hex.EncodeToString(mac.Sum(nil))
}
