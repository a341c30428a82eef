package tokowendigg

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

// Webhook types of the seed.
const (
	WebhookTransactionStatus = "transaction_status"
	WebhookPriceUpdate       = "price_update"
)

// StatusWebhook is the seed's transaction_status webhook body.
type StatusWebhook struct {
	WebhookType string `json:"webhook_type"`
	Reference   string `json:"reference"`
	Status      string `json:"status"`
	SN          string `json:"sn"`
	Note        string `json:"note"`
	SentAt      string `json:"sent_at"`
}

// now is the clock of sent_at; tests stop it.
var now = time.Now

// notify renders an order's final state as the seed's transaction_status webhook.
// Loket renders it once, when the order settles, so sent_at is that moment and stays
// the same on every retry.
func (h *handler) notify(o *loket.Order, _ loket.Money) (string, string, []byte, error) {
	b, err := StatusWebhookBody(o, now())
	return WebhookTransactionStatus, "application/json", b, err
}

// StatusWebhookBody renders the transaction_status webhook of an order, sent at at.
func StatusWebhookBody(o *loket.Order, at time.Time) ([]byte, error) {
	return marshal(StatusWebhook{WebhookType: WebhookTransactionStatus, Reference: Reference(o), Status: status(o.Status),
		SN: sn(o), Note: note(o), SentAt: at.UTC().Format(utcLayout)})
}

// Acknowledged reports whether a reseller's answer to one of this surface's webhooks
// acknowledges it: the seed retries "until answered {\"status\":200}", so a 2xx whose
// body says otherwise (e.g. {"status":400,"message":"Invalid signature"}) is retried.
func Acknowledged(_ int, body []byte) bool {
	var v struct {
		Status json.RawMessage `json:"status"`
	}
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	s := strings.Trim(string(v.Status), `" `)
	return s == "200"
}

// PriceChange is one product's new price in a price_update webhook.
type PriceChange struct {
	ProductCode string      `json:"product_code"`
	PriceOld    loket.Money `json:"price_old"`
	PriceNew    loket.Money `json:"price_new"`
}

// PriceUpdate is the seed's price_update webhook body.
type PriceUpdate struct {
	WebhookType string        `json:"webhook_type"`
	Data        []PriceChange `json:"data"`
}

// PriceUpdateBody renders the price_update webhook of a set of price changes: what
// resellers who order through this surface are told when prices move.
func PriceUpdateBody(changes []PriceChange) ([]byte, error) {
	if changes == nil {
		changes = []PriceChange{}
	}
	return marshal(PriceUpdate{WebhookType: WebhookPriceUpdate, Data: changes})
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
