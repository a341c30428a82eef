package app

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

// Notifier renders an order's status report in the dialect it was placed through.
// Each surface registers one for its name; "api" is the native JSON. balance is the
// reseller's balance right after the settlement (a failed order's refund included),
// read in the settlement's own transaction.
type Notifier func(o *loket.Order, balance loket.Money) (event, contentType string, body []byte, err error)

// SetNotifier registers the report format of a surface. Call before Start.
func (a *App) SetNotifier(surface string, n Notifier) { a.notifiers[surface] = n }

// webhookGiveUp is how long a webhook is retried before Loket gives up on it.
const webhookGiveUp = 24 * time.Hour

func (a *App) queueOrderWebhook(t *store.Tx, r *loket.ResellerAuth, o *loket.Order) (int64, error) {
	if r.WebhookURL == "" {
		return 0, nil
	}
	n := a.notifiers[o.Surface]
	if n == nil {
		n = a.notifiers["api"]
	}
	if n == nil {
		return 0, nil
	}
	balance, err := t.AccountBalance(r.BalanceAccountID)
	if err != nil {
		return 0, fmt.Errorf("balance for webhook: %w", err)
	}
	event, ctype, body, err := n(o, balance)
	if err != nil {
		return 0, fmt.Errorf("render webhook: %w", err)
	}
	id := o.ID
	return t.EnqueueWebhook(loket.Webhook{ResellerID: r.ID, OrderID: &id, Event: event, URL: r.WebhookURL, ContentType: ctype, Body: string(body)})
}

// webhookDelay is the wait before retry n (n >= 1).
func (a *App) webhookDelay(n int) time.Duration {
	d := a.cfg.WebhookDelays
	return d[min(max(n-1, 0), len(d)-1)]
}

func (a *App) deliverWebhook(ctx context.Context, j store.Job) error {
	w, err := a.DB.WebhookByID(ctx, j.RefID)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a.DB.Write(ctx, 0, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
		}
		return err
	}
	if w.State != "pending" {
		return a.DB.Write(ctx, 0, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
	}
	ra, err := a.DB.ResellerAuthByID(ctx, w.ResellerID)
	if err != nil {
		return err
	}
	secret, err := a.SecretKey(ra)
	if err != nil {
		return err
	}
	start := time.Now()
	code, sendErr := a.postWebhook(ctx, w, secret)
	att := loket.WebhookAttempt{At: start.UTC(), StatusCode: code, DurationMS: float64(time.Since(start).Microseconds()) / 1000}
	if sendErr != nil {
		att.Error = sendErr.Error()
	}
	ok := sendErr == nil && code >= 200 && code < 300
	state := "pending"
	var next time.Time
	switch {
	case ok:
		state = "delivered"
	case time.Since(w.CreatedAt) > webhookGiveUp:
		state = "gave_up"
	default:
		next = time.Now().Add(a.webhookDelay(w.Attempts + 1))
	}
	a.m.webhookAttempts.With(state).Inc()
	err = a.DB.Write(ctx, uint64(w.ResellerID), func(t *store.Tx) error {
		if err := t.RecordWebhookAttempt(w.ID, att, state); err != nil {
			return err
		}
		if state != "pending" {
			return t.DeleteJob(j.Key)
		}
		return t.Reschedule(j.Key, a.cfg.Node, next, a.cfg.Lease, att.Error)
	})
	if err != nil {
		return err
	}
	if state == "pending" {
		a.later(j, time.Until(next))
	}
	if state == "gave_up" {
		a.Log.Warn("webhook given up after 24h", "webhook", w.ID, "reseller", w.ResellerID)
	}
	return nil
}

// WebhookAcceptor decides whether an answer acknowledges a webhook of some event, for
// dialects that say more than "any 2xx" (seed 001: until answered {"status":200}).
type WebhookAcceptor func(status int, body []byte) bool

// SetWebhookAcceptor registers the acknowledgement rule of an event. Call before Start.
func (a *App) SetWebhookAcceptor(event string, f WebhookAcceptor) { a.acceptors[event] = f }

func (a *App) postWebhook(ctx context.Context, w *loket.Webhook, secret string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	body := []byte(w.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", w.ContentType)
	req.Header.Set("User-Agent", "Loket-Webhook/1")
	req.Header.Set("X-Loket-Event", w.Event)
	req.Header.Set("X-Loket-Delivery", fmt.Sprint(w.ID))
	req.Header.Set("X-Loket-Signature", auth.Sign(secret, body))
	resp, err := a.webhookClient().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if acc := a.acceptors[w.Event]; acc != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 && !acc(resp.StatusCode, answer) {
		return resp.StatusCode, fmt.Errorf("answer not an acknowledgement: %.100q", answer)
	}
	return resp.StatusCode, nil
}

// webhookClient is the one client every delivery uses, so connections to a reseller's
// endpoint are reused rather than left idle per delivery.
func (a *App) webhookClient() *http.Client {
	a.hookOnce.Do(func() { a.hookClient = a.newWebhookClient() })
	return a.hookClient
}

func (a *App) newWebhookClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !a.cfg.AllowPrivateWebhooks {
		// Checked on the address actually dialled, so DNS cannot smuggle a private one in.
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return err
			}
			if private(ip) {
				return fmt.Errorf("webhook address %s is private (set LOKET_ALLOW_PRIVATE_WEBHOOKS=1 to allow)", ip)
			}
			return nil
		}
	}
	return &http.Client{
		Transport:     &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func private(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip)
}

// CheckWebhookURL refuses URLs a webhook may not go to.
func (a *App) CheckWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > 500 {
		return loket.FieldError(loket.EINVALID, "url", "webhook URL must be an http or https URL")
	}
	if a.cfg.AllowPrivateWebhooks {
		return nil
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") {
		return loket.FieldError(loket.EINVALID, "url", "webhook URL points at a private address (set LOKET_ALLOW_PRIVATE_WEBHOOKS=1 to allow)")
	}
	if ip, err := netip.ParseAddr(host); err == nil && private(ip) {
		return loket.FieldError(loket.EINVALID, "url", "webhook URL points at a private address (set LOKET_ALLOW_PRIVATE_WEBHOOKS=1 to allow)")
	}
	return nil
}

// Webhooks lists a reseller's recent webhooks with every attempt.
func (a *App) Webhooks(ctx context.Context, resellerID int64, limit int) ([]*loket.Webhook, error) {
	return a.DB.Webhooks(ctx, resellerID, limit)
}
