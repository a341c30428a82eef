package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loketest"
)

// delivery is one webhook request a receiver got.
type delivery struct {
	header http.Header
	body   []byte
}

// receiver is a reseller's webhook endpoint; answer gives the status of the nth (from
// 1) request.
type receiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []delivery
	ch  chan delivery
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	rc := &receiver{ch: make(chan delivery, 16)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		d := delivery{header: r.Header.Clone(), body: b}
		rc.mu.Lock()
		rc.got = append(rc.got, d)
		n := len(rc.got)
		rc.mu.Unlock()
		w.WriteHeader(answer(n))
		rc.ch <- d
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) next(t *testing.T, within time.Duration) delivery {
	t.Helper()
	select {
	case d := <-rc.ch:
		return d
	case <-time.After(within):
		t.Fatalf("no webhook within %v", within)
		return delivery{}
	}
}

// checkDelivery verifies the signature and decodes the body.
func checkDelivery(t *testing.T, d delivery, secret string) client.WebhookEvent {
	t.Helper()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(d.body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if got := d.header.Get("X-Loket-Signature"); got != want {
		t.Errorf("X-Loket-Signature %q, want %q", got, want)
	}
	if !client.VerifySignature(secret, d.body, d.header.Get(client.SignatureHeader)) {
		t.Error("client.VerifySignature refuses a good signature")
	}
	if client.VerifySignature(secret+"x", d.body, d.header.Get(client.SignatureHeader)) {
		t.Error("client.VerifySignature accepts a wrong key")
	}
	if ct := d.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var ev client.WebhookEvent
	if err := json.Unmarshal(d.body, &ev); err != nil {
		t.Fatalf("webhook body %q: %v", d.body, err)
	}
	var rawEv map[string]json.RawMessage
	json.Unmarshal(d.body, &rawEv)
	if len(rawEv) != 2 || rawEv["event"] == nil || rawEv["order"] == nil {
		t.Errorf("webhook body %s: want exactly event and order", d.body)
	}
	if ev.Event != "order.updated" || d.header.Get("X-Loket-Event") != "order.updated" {
		t.Errorf("event %q / header %q, want order.updated", ev.Event, d.header.Get("X-Loket-Event"))
	}
	return ev
}

// TestWebhooks: a reseller sets its webhook through the API; each settled order is
// reported, signed with the secret key; a failed delivery is logged and retried.
func TestWebhooks(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		r := newReseller(t, s, 100_000)
		rc := newReceiver(t, func(int) int { return http.StatusOK })
		if err := r.C.SetWebhook(ctx, rc.URL+"/loket"); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			digit  int
			status string
		}{{0, client.StatusSuccess}, {2, client.StatusFailed}, {3, client.StatusSuccess}} {
			o, _, err := r.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: msisdn(c.digit, c.digit), RefID: fmt.Sprintf("wh-%d", c.digit)})
			if err != nil {
				t.Fatal(err)
			}
			ev := checkDelivery(t, rc.next(t, 5*time.Second), r.Creds.SecretKey)
			if ev.Order.ID != o.ID || ev.Order.Status != c.status || ev.Order.RefID != o.RefID || ev.Order.Price != o.Price {
				t.Errorf("digit %d: webhook order %+v, want order %d %s", c.digit, ev.Order, o.ID, c.status)
			}
			if (c.status == client.StatusSuccess) != (ev.Order.SN != "") {
				t.Errorf("digit %d: webhook SN %q with status %s", c.digit, ev.Order.SN, ev.Order.Status)
			}
			got := waitOrder(t, r.C, o.ID, 3*time.Second)
			if got.Status != ev.Order.Status || got.SN != ev.Order.SN {
				t.Errorf("digit %d: webhook says %s %q, the API %s %q", c.digit, ev.Order.Status, ev.Order.SN, got.Status, got.SN)
			}
		}
		// One report per order, no more.
		select {
		case d := <-rc.ch:
			t.Errorf("unexpected extra webhook: %s", d.body)
		case <-time.After(300 * time.Millisecond):
		}
		hooks := waitWebhooks(t, r.C, func(hs []client.Webhook) bool {
			for _, h := range hs {
				if h.State == "pending" || !settledLog(h) {
					return false
				}
			}
			return len(hs) == 3
		})
		for _, h := range hooks {
			if h.State != "delivered" || h.Attempts != 1 || len(h.Log) != 1 || h.Log[0].StatusCode != 200 || h.URL != rc.URL+"/loket" {
				t.Errorf("webhook log: %+v", h)
			}
		}

		// New keys: later webhooks are signed with the new secret key.
		cr, err := r.C.RegenerateKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		o4, _, err := r.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: msisdn(4, 0), RefID: "wh-new-key"})
		if err != nil {
			t.Fatal(err)
		}
		if ev := checkDelivery(t, rc.next(t, 5*time.Second), cr.SecretKey); ev.Order.ID != o4.ID {
			t.Errorf("webhook for order %d, want %d", ev.Order.ID, o4.ID)
		}

		// A receiver that answers 500 first gets the webhook again.
		r2 := newReseller(t, s, 100_000)
		flaky := newReceiver(t, func(n int) int {
			if n == 1 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		if err := r2.C.SetWebhook(ctx, flaky.URL); err != nil {
			t.Fatal(err)
		}
		o, _, err := r2.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: msisdn(7, 0), RefID: "flaky"})
		if err != nil {
			t.Fatal(err)
		}
		first := flaky.next(t, 5*time.Second)
		checkDelivery(t, first, r2.Creds.SecretKey)
		h := waitWebhooks(t, r2.C, func(hs []client.Webhook) bool {
			return len(hs) == 1 && len(hs[0].Log) == 1 && settledLog(hs[0])
		})[0]
		if h.State != "pending" || h.Attempts != 1 || h.Log[0].StatusCode != 500 || h.OrderID == nil || *h.OrderID != o.ID {
			t.Errorf("after a 500: %+v", h)
		}

		// The first retry comes 10s later (app.webhookDelay); -short skips the wait.
		if testing.Short() {
			return
		}
		second := flaky.next(t, 20*time.Second)
		if string(second.body) != string(first.body) {
			t.Errorf("retry body differs:\n%s\n%s", first.body, second.body)
		}
		checkDelivery(t, second, r2.Creds.SecretKey)
		if second.header.Get("X-Loket-Delivery") != first.header.Get("X-Loket-Delivery") {
			t.Errorf("retry delivery id %q, first %q", second.header.Get("X-Loket-Delivery"), first.header.Get("X-Loket-Delivery"))
		}
		h = waitWebhooks(t, r2.C, func(hs []client.Webhook) bool {
			return len(hs) == 1 && hs[0].State != "pending" && settledLog(hs[0])
		})[0]
		if h.State != "delivered" || h.Attempts != 2 || len(h.Log) != 2 || h.Log[0].StatusCode != 500 || h.Log[1].StatusCode != 200 {
			t.Errorf("after the retry: %+v", h)
		}
	})
}

// settledLog reports whether a webhook's attempt count agrees with its log. GET
// /v1/webhooks reads the webhook and its attempts in separate statements, so right
// after an attempt the two can disagree for a moment (seen on PostgreSQL).
func settledLog(h client.Webhook) bool { return h.Attempts == len(h.Log) }

// waitWebhooks polls GET /v1/webhooks until ok holds, or fails the test after 5s.
func waitWebhooks(t *testing.T, c *client.Client, ok func([]client.Webhook) bool) []client.Webhook {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		hooks, err := c.Webhooks(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ok(hooks) {
			return hooks
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook log never got there: %+v", hooks)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
