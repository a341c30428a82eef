package loket

import (
	"encoding/json"
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
