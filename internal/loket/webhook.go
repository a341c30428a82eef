package loket

import (
	"encoding/json"
	"net/http"
	"time"
)

// Event is a change a reseller is told about by webhook.
type Event struct {
	Type  string          `json:"event"`
	Order json.RawMessage `json:"order"`
}

// Webhook is one message to a reseller's URL.
type Webhook struct {
	ID          int64            `json:"id"`
	ResellerID  int64            `json:"-"`
	OrderID     *int64           `json:"order_id,omitempty"`
	Event       string           `json:"event"`
	URL         string           `json:"url"`
	ContentType string           `json:"content_type"`
	Body        string           `json:"body"`
	State       string           `json:"state"`
	Attempts    int              `json:"attempts"`
	CreatedAt   time.Time        `json:"created_at"`
	DeliveredAt *time.Time       `json:"delivered_at,omitempty"`
	Log         []WebhookAttempt `json:"log,omitempty"`
}

// WebhookAttempt is one try at delivering a webhook.
type WebhookAttempt struct {
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code"`
	Error      string    `json:"error,omitempty"`
	DurationMS float64   `json:"duration_ms"`
}

// OrderNotifier renders an order's status report in the dialect it was placed through.
// Each surface registers one for its name; "api" is the native JSON. balance is the
// reseller's balance right after the settlement (a failed order's refund included),
// read in the settlement's own transaction.
type OrderNotifier func(o *Order, balance Money) (event, contentType string, body []byte, err error)

// PriceNotifier renders price news in a surface's dialect. An empty event sends none:
// a dialect without price webhooks (Digiflazz) registers one that renders nothing, so
// its programs are not sent the native JSON they do not read.
type PriceNotifier func(updates []PriceUpdate) (event, contentType string, body []byte, err error)

// SMSNotifier renders the webhook of an SMS that arrived, in a surface's dialect. act is
// the activation as it is after the SMS (state received, SMS included).
type SMSNotifier func(act *Activation, sms VNSMS) (event, contentType string, body []byte, err error)

// WebhookAcceptor decides whether an answer acknowledges a webhook of some event, for
// dialects that say more than "any 2xx" (seed 001: until answered {"status":200}).
type WebhookAcceptor func(status int, body []byte) bool

// WebhookHeaders sets a dialect's own headers on one delivery of one of its events
// (Digiflazz's X-Hub-Signature...), after Loket's: delivery is the webhook's id, body
// what is sent, secret the reseller's secret key.
type WebhookHeaders func(h http.Header, delivery int64, body []byte, secret string)
