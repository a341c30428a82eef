// Package webhooks tells resellers what happened, at their URL: every message is a row
// written in the transaction of the change it reports (an order's settlement, an SMS,
// a price move), rendered in the dialect the reseller speaks, then delivered by a job
// with a signature (X-Loket-Signature: sha256=HMAC(body, secret key)) and retried with
// backoff for 24 hours. Dialects register how they render each kind of message.
//
// The node that wrote a webhook delivers it from memory once committed (Send), its job
// that node's for a lease, so no other claims it meanwhile; deliveries acknowledged
// are recorded many in one write (deliveredLog). A node that dies first leaves its
// webhooks to whichever node claims them when the leases lapse: at least once, and
// X-Loket-Delivery names each webhook for the receiver to tell repeats.
package webhooks

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/store"
)

// Config tunes delivery.
type Config struct {
	// AllowPrivate lets webhook URLs point at loopback or private addresses
	// (LOKET_ALLOW_PRIVATE_WEBHOOKS): for tests and closed networks.
	AllowPrivate bool
	// Delays are the waits between attempts; the last repeats until GiveUp has passed.
	// Nil: DefaultDelays.
	Delays []time.Duration
}

// DefaultDelays are the waits between delivery attempts: 10s, 30s, 1m, 2m, 5m, 10m,
// 30m, 1h, then every 2h.
var DefaultDelays = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour}

// GiveUp is how long a webhook is retried before Loket gives up on it.
const GiveUp = 24 * time.Hour

// Service queues and delivers webhooks.
type Service struct {
	db     *store.DB
	log    *slog.Logger
	runner *jobs.Runner
	sealer *auth.Sealer
	cfg    Config

	orders    map[string]loket.OrderNotifier
	prices    map[string]loket.PriceNotifier
	sms       map[string]loket.SMSNotifier
	acceptors map[string]loket.WebhookAcceptor
	headers   map[string]loket.WebhookHeaders
	orderURL  map[string]bool // surfaces whose orders may name their own report address
	reporters []Reporter      // reports of settled orders besides webhooks (chat)

	clientOnce sync.Once
	client     *http.Client
	attempts   *metrics.CounterVec

	written   sync.Map // webhook id → *loket.Webhook: written here, for Send
	delivered *deliveredLog

	auth      func(ctx context.Context, id int64) (*loket.ResellerAuth, error) // SetAuth
	secretsMu sync.Mutex
	secrets   map[string]string // a sealed secret key → the key: opened once
}

// SetAuth has deliveries find a reseller (its sealed secret key, which signs its
// webhooks) through f: the resellers service's Auth, which keeps a reseller for a
// moment and forgets it when its keys change on this node. Unset, each delivery reads
// it. Call before the runner starts.
func (s *Service) SetAuth(f func(ctx context.Context, id int64) (*loket.ResellerAuth, error)) {
	s.auth = f
}

// secret is a reseller's secret key, which signs its webhooks.
func (s *Service) secret(ctx context.Context, resellerID int64) (string, error) {
	auth := s.auth
	if auth == nil {
		auth = s.db.ResellerAuthByID
	}
	ra, err := auth(ctx, resellerID)
	if err != nil {
		return "", err
	}
	s.secretsMu.Lock()
	key, ok := s.secrets[ra.SecretSeal]
	s.secretsMu.Unlock()
	if ok {
		return key, nil
	}
	if key, err = s.sealer.Open(ra.SecretSeal); err != nil {
		return "", err
	}
	s.secretsMu.Lock()
	if s.secrets == nil || len(s.secrets) > 100_000 { // a bound: keys replaced stay until then
		s.secrets = map[string]string{}
	}
	s.secrets[ra.SecretSeal] = key
	s.secretsMu.Unlock()
	return key, nil
}

// New makes the service and registers its delivery job with the runner.
func New(db *store.DB, runner *jobs.Runner, sealer *auth.Sealer, log *slog.Logger, reg *metrics.Registry, cfg Config) *Service {
	if len(cfg.Delays) == 0 {
		cfg.Delays = DefaultDelays
	}
	s := &Service{db: db, log: log, runner: runner, sealer: sealer, cfg: cfg,
		orders: map[string]loket.OrderNotifier{}, prices: map[string]loket.PriceNotifier{},
		sms: map[string]loket.SMSNotifier{}, acceptors: map[string]loket.WebhookAcceptor{},
		headers: map[string]loket.WebhookHeaders{}, orderURL: map[string]bool{},
		attempts: reg.Counter("loket_webhook_attempts_total", "Webhook delivery attempts, by resulting state.", "state")}
	s.delivered = newDeliveredLog(db, log)
	runner.Handle(store.JobWebhook, s.deliver)
	runner.Go(s.delivered.run)
	return s
}

// SetNotifier registers how a surface reports an order's final state; "api" is the
// native JSON and the fallback. Call before the runner starts.
func (s *Service) SetNotifier(surface string, n loket.OrderNotifier) { s.orders[surface] = n }

// Reporter writes, in an order's settlement transaction, a report of its final state
// other than a webhook (chat's answer to the chat the order came from).
type Reporter func(t *store.Tx, r *loket.ResellerAuth, o *loket.Order) error

// SetReporter adds a reporter every settled order goes through. Call before the
// runner starts.
func (s *Service) SetReporter(f Reporter) { s.reporters = append(s.reporters, f) }

// SetPriceNotifier registers how a surface tells its resellers of price changes; "api"
// is the native JSON. A reseller hears in the dialect of the surface it last ordered
// through (the native one if that surface has none). Call before the runner starts.
func (s *Service) SetPriceNotifier(surface string, n loket.PriceNotifier) { s.prices[surface] = n }

// SetSMSNotifier registers how a surface tells its resellers of an SMS; "api" is the
// native JSON and the fallback. Call before the runner starts.
func (s *Service) SetSMSNotifier(surface string, n loket.SMSNotifier) { s.sms[surface] = n }

// SetAcceptor registers the acknowledgement rule of an event. Call before the runner
// starts.
func (s *Service) SetAcceptor(event string, f loket.WebhookAcceptor) { s.acceptors[event] = f }

// SetHeaders registers the headers a dialect adds to each delivery of an event. Call
// before the runner starts.
func (s *Service) SetHeaders(event string, f loket.WebhookHeaders) { s.headers[event] = f }

// AllowOrderURL lets the orders of a surface carry their own report address
// (SetOrderURL). Call before the runner starts.
func (s *Service) AllowOrderURL(surface string) { s.orderURL[surface] = true }

// orderURLKey is the setting that holds the report address of a reseller's order
// ref_id until the order's report is queued. Loket has no column for it: the settings
// table keeps it, one row per order that named one, deleted when the report is queued.
func orderURLKey(resellerID int64, refID string) string {
	return fmt.Sprintf("webhook.order_url:%d:%s", resellerID, refID)
}

// SetOrderURL keeps the address the report of the reseller's order ref_id goes to,
// instead of the reseller's webhook URL. Call it before the order is written, so that
// no settlement can come first; the URL is checked as a webhook URL is. An empty URL
// forgets the one kept (the order was refused).
func (s *Service) SetOrderURL(ctx context.Context, resellerID int64, refID, raw string) error {
	if err := loket.CheckText("ref_id", refID, loket.MaxText); err != nil {
		return err
	}
	if raw == "" {
		return s.db.DeleteSetting(ctx, orderURLKey(resellerID, refID))
	}
	if err := s.CheckURL(raw); err != nil {
		return err
	}
	return s.db.SetSetting(ctx, orderURLKey(resellerID, refID), raw)
}

// reportURL is where the report of o goes: the order's own address when its surface
// allows one and it named one (taken, so the row does not outlive the report), else
// the reseller's webhook URL.
func (s *Service) reportURL(t *store.Tx, r *loket.ResellerAuth, o *loket.Order) (string, error) {
	if !s.orderURL[o.Surface] {
		return r.WebhookURL, nil
	}
	key := orderURLKey(r.ID, o.RefID)
	own, err := t.Setting(key)
	if err != nil || own == "" {
		return r.WebhookURL, err
	}
	return own, t.DeleteSetting(key)
}

// QueueOrder writes, in t, the report of an order's final state to its reseller, if the
// reseller has a webhook URL (or the order its own address); it returns the webhook's
// id (0: none), to Send after the commit.
func (s *Service) QueueOrder(t *store.Tx, r *loket.ResellerAuth, o *loket.Order) (int64, error) {
	for _, report := range s.reporters {
		if err := report(t, r, o); err != nil {
			return 0, err
		}
	}
	to, err := s.reportURL(t, r, o)
	if err != nil || to == "" {
		return 0, err
	}
	n := s.orders[o.Surface]
	if n == nil {
		n = s.orders["api"]
	}
	if n == nil {
		return 0, nil
	}
	balance, err := t.OrderBalance(r.BalanceAccountID) // known to a settlement set, or read once for it
	if err != nil {
		return 0, fmt.Errorf("balance for webhook: %w", err)
	}
	event, ctype, body, err := n(o, balance)
	if err != nil {
		return 0, fmt.Errorf("render webhook: %w", err)
	}
	id := o.ID
	return s.enqueue(t, loket.Webhook{ResellerID: r.ID, OrderID: &id, Event: event, URL: to, ContentType: ctype, Body: string(body)})
}

// QueueSMS writes, in t, the news of an SMS to its activation's reseller, if the
// reseller has a webhook URL; it returns the webhook's id (0: none).
func (s *Service) QueueSMS(t *store.Tx, r *loket.ResellerAuth, act *loket.Activation, sms loket.VNSMS) (int64, error) {
	if r.WebhookURL == "" {
		return 0, nil
	}
	n := s.sms[act.Surface]
	if n == nil {
		n = s.sms["api"]
	}
	if n == nil {
		return 0, nil
	}
	event, ctype, body, err := n(act, sms)
	if err != nil {
		return 0, fmt.Errorf("render sms webhook: %w", err)
	}
	return s.enqueue(t, loket.Webhook{ResellerID: r.ID, Event: event, URL: r.WebhookURL, ContentType: ctype, Body: string(body)})
}

// QueuePrices writes, in t, the news of price changes to a reseller in the dialect of
// the surface it last ordered through; it returns the webhook's id (0: none, also when
// that dialect renders no event: it has no price news).
func (s *Service) QueuePrices(t *store.Tx, r store.WebhookReseller, ups []loket.PriceUpdate) (int64, error) {
	n := s.prices[r.LastSurface]
	if n == nil {
		n = s.prices["api"]
	}
	if n == nil {
		return 0, nil
	}
	event, ctype, body, err := n(ups)
	if err != nil {
		return 0, fmt.Errorf("render price news: %w", err)
	}
	if event == "" {
		return 0, nil // the dialect has no price news to send
	}
	return s.enqueue(t, loket.Webhook{ResellerID: r.ID, Event: event, URL: r.URL, ContentType: ctype, Body: string(body)})
}

// enqueue writes w in t, its job this node's for a lease: once t commits, Send hands it
// to this node's workers as written, and no node claims it meanwhile (if this node
// dies first, the lease lapses and another does). A process whose runner does not run
// (a CLI command) leaves the job to whichever node claims it first, at once.
func (s *Service) enqueue(t *store.Tx, w loket.Webhook) (int64, error) {
	if !s.runner.Started() {
		return t.EnqueueWebhook(w, "", 0)
	}
	id, err := t.EnqueueWebhook(w, s.runner.Node(), s.runner.Lease())
	if err != nil {
		return 0, err
	}
	w.ID, w.State, w.CreatedAt = id, "pending", time.Now().UTC()
	t.AfterCommit(func() { s.written.Store(id, &w) })
	return id, nil
}

// Send hands queued webhooks to this node's workers; call after the commit that wrote
// them. Ids of 0 are skipped.
func (s *Service) Send(ids ...int64) {
	for _, id := range ids {
		if id == 0 {
			continue
		}
		j := store.Job{Key: store.WebhookJobKey(id), Kind: store.JobWebhook, RefID: id}
		if w, ok := s.written.LoadAndDelete(id); ok {
			j.Webhook = w.(*loket.Webhook)
		}
		s.runner.Enqueue(j)
	}
}

// delay is the wait before retry n (n >= 1).
func (s *Service) delay(n int) time.Duration {
	d := s.cfg.Delays
	return d[min(max(n-1, 0), len(d)-1)]
}

func (s *Service) deliver(ctx context.Context, j store.Job) error {
	w := j.Webhook // as this node just wrote it, its first delivery
	if w == nil {
		var err error
		if w, err = s.db.WebhookByID(ctx, j.RefID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return s.db.Write(ctx, 0, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
			}
			return err
		}
		if w.State != "pending" {
			return s.db.Write(ctx, 0, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
		}
	}
	secret, err := s.secret(ctx, w.ResellerID)
	if err != nil {
		return err
	}
	start := time.Now()
	code, sendErr := s.post(ctx, w, secret)
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
	case time.Since(w.CreatedAt) > GiveUp:
		state = "gave_up"
	default:
		next = time.Now().Add(s.delay(w.Attempts + 1))
	}
	s.attempts.With(state).Inc()
	if ok {
		// Recorded with other deliveries, in a write of their own (delivered.go); the job
		// stays this node's meanwhile.
		s.delivered.add(store.WebhookDelivered{ID: w.ID, Attempt: att})
		return nil
	}
	err = s.db.Write(ctx, uint64(w.ResellerID), func(t *store.Tx) error {
		if err := t.RecordWebhookAttempt(w.ID, att, state); err != nil {
			return err
		}
		if state != "pending" {
			return t.DeleteJob(j.Key)
		}
		return t.Reschedule(j.Key, s.runner.Node(), next, s.runner.Lease(), att.Error)
	})
	if err != nil {
		return err
	}
	if state == "pending" {
		j.Webhook = nil // the next try reads it back: its attempts, its state
		s.runner.Later(j, time.Until(next))
	}
	if state == "gave_up" {
		s.log.Warn("webhook given up after 24h", "webhook", w.ID, "reseller", w.ResellerID)
	}
	return nil
}

func (s *Service) post(ctx context.Context, w *loket.Webhook, secret string) (int, error) {
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
	if f := s.headers[w.Event]; f != nil {
		f(req.Header, w.ID, body, secret)
	}
	resp, err := s.httpClient().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if acc := s.acceptors[w.Event]; acc != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 && !acc(resp.StatusCode, answer) {
		return resp.StatusCode, fmt.Errorf("answer not an acknowledgement: %.100q", answer)
	}
	return resp.StatusCode, nil
}

// httpClient is the one client every delivery uses, so connections to a reseller's
// endpoint are reused rather than left idle per delivery.
func (s *Service) httpClient() *http.Client {
	s.clientOnce.Do(func() {
		dialer := &net.Dialer{Timeout: 5 * time.Second}
		if !s.cfg.AllowPrivate {
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
				if blocked(ip) {
					return fmt.Errorf("webhook address %s is private or reserved (set LOKET_ALLOW_PRIVATE_WEBHOOKS=1 to allow)", ip)
				}
				return nil
			}
		}
		s.client = &http.Client{
			// As many deliveries go to one reseller's endpoint at once as its orders
			// settle in a set, up to the node's workers: with fewer kept open, every
			// one past them opened a connection (a TLS handshake) and closed it.
			Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 32, MaxIdleConns: 256,
				IdleConnTimeout: 30 * time.Second, TLSHandshakeTimeout: 10 * time.Second},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	})
	return s.client
}

// CheckURL refuses URLs a webhook may not go to: not http(s), or (unless
// LOKET_ALLOW_PRIVATE_WEBHOOKS) a local name, an address blocked says no to, or a host
// that is a number in another form than a.b.c.d. A name is checked again, on the
// address it resolves to, each time a delivery dials.
func (s *Service) CheckURL(raw string) error {
	if err := loket.CheckText("url", raw, loket.MaxText); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || len(raw) > 500 {
		return loket.FieldError(loket.EINVALID, "url", "webhook URL must be an http or https URL")
	}
	if s.cfg.AllowPrivate {
		return nil
	}
	// A resolver takes "name." as "name": judge both alike.
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		if blocked(ip) {
			return privateURL()
		}
		return nil
	}
	if endsInNumber(host) {
		return loket.FieldError(loket.EINVALID, "url", "webhook URL host is a number: write an IP address as a.b.c.d, or use a host name")
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") {
		return privateURL()
	}
	return nil
}

func privateURL() error {
	return loket.FieldError(loket.EINVALID, "url", "webhook URL points at a private or reserved address (set LOKET_ALLOW_PRIVATE_WEBHOOKS=1 to allow)")
}

// Webhooks lists a reseller's recent webhooks with every attempt.
func (s *Service) Webhooks(ctx context.Context, resellerID int64, limit int) ([]*loket.Webhook, error) {
	return s.db.Webhooks(ctx, resellerID, limit)
}

// Test sends one signed test event to a reseller's webhook URL now, outside the queue
// (nothing is stored or retried), and reports the HTTP status it got. The dashboard's
// "send a test" button calls it.
func (s *Service) Test(ctx context.Context, resellerID int64) (int, error) {
	r, err := s.db.ResellerAuthByID(ctx, resellerID)
	if err != nil {
		return 0, err
	}
	if r.WebhookURL == "" {
		return 0, loket.FieldError(loket.EINVALID, "webhook_url", "no webhook URL is set")
	}
	if err := s.CheckURL(r.WebhookURL); err != nil {
		return 0, err
	}
	secret, err := s.sealer.Open(r.SecretSeal)
	if err != nil {
		return 0, err
	}
	body, _ := json.Marshal(map[string]any{"event": "test", "message": "Loket webhook test",
		"sent_at": time.Now().UTC().Format(time.RFC3339)})
	return s.post(ctx, &loket.Webhook{URL: r.WebhookURL, ContentType: "application/json", Event: "test", Body: string(body)}, secret)
}
