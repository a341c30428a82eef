package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/loket/loket/internal/loket"
)

// TestWebhook sends one signed test event to a reseller's webhook URL now, outside the
// queue (nothing is stored or retried), and reports the HTTP status it got. The
// dashboard's "send a test" button calls it.
func (a *App) TestWebhook(ctx context.Context, resellerID int64) (int, error) {
	r, err := a.DB.ResellerAuthByID(ctx, resellerID)
	if err != nil {
		return 0, err
	}
	if r.WebhookURL == "" {
		return 0, loket.FieldError(loket.EINVALID, "webhook_url", "no webhook URL is set")
	}
	if err := a.CheckWebhookURL(r.WebhookURL); err != nil {
		return 0, err
	}
	secret, err := a.SecretKey(r)
	if err != nil {
		return 0, err
	}
	body, _ := json.Marshal(map[string]any{"event": "test", "message": "Loket webhook test",
		"sent_at": time.Now().UTC().Format(time.RFC3339)})
	return a.postWebhook(ctx, &loket.Webhook{URL: r.WebhookURL, ContentType: "application/json", Event: "test", Body: string(body)}, secret)
}
