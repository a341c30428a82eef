package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loketest"
)

// TestOrderLifecycle carries an order of each simulator outcome to its final state
// through the client and checks the money: successes charged, failures refunded, and
// the ledger (mutasi) telling the same story line by line.
func TestOrderLifecycle(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		const opening = 1_000_000
		r := newReseller(t, s, opening)

		m := me(t, r)
		if m.Balance != opening || m.Status != "active" || m.Username == "" {
			t.Fatalf("me: %+v", m)
		}
		p, err := r.C.Product(ctx, "S5")
		if err != nil {
			t.Fatal(err)
		}
		if p.Price <= 0 || p.TargetKind != "msisdn" || !p.Active {
			t.Fatalf("product S5: %+v", p)
		}

		type tc struct {
			digit    int
			want     string
			pending  bool // the supplier's first answer leaves it pending
			noAnswer bool
		}
		cases := []tc{
			{0, client.StatusSuccess, false, false},
			{2, client.StatusFailed, false, false},
			{3, client.StatusSuccess, true, false},
			{4, client.StatusFailed, true, false},
			{5, client.StatusSuccess, true, true},
		}
		ids := map[int]int64{}
		placed := map[int]time.Time{}
		for _, c := range cases {
			o, created, err := r.C.CreateOrder(ctx, client.OrderRequest{Product: "S5", Target: msisdn(c.digit, c.digit),
				RefID: fmt.Sprintf("life-%d", c.digit)})
			if err != nil {
				t.Fatalf("digit %d: %v", c.digit, err)
			}
			if !created || o.ID <= 0 || o.Price != p.Price || o.Product != "S5" || o.RefID != fmt.Sprintf("life-%d", c.digit) {
				t.Fatalf("digit %d: created=%v %+v", c.digit, created, o)
			}
			if o.Status != client.StatusPending && o.Status != c.want {
				t.Fatalf("digit %d: status %q at creation", c.digit, o.Status)
			}
			ids[c.digit] = o.ID
			placed[c.digit] = time.Now()
		}

		// 5 gets no answer: the call times out after 300ms and the next status check is
		// 2s later, so a second after placing it must still be pending.
		time.Sleep(time.Until(placed[5].Add(time.Second)))
		if o, err := r.C.Order(ctx, ids[5]); err != nil || o.Status != client.StatusPending {
			t.Fatalf("digit 5 a second on: %+v, %v; want pending", o, err)
		}

		final := map[int]*client.Order{}
		for _, c := range cases {
			within := 3 * time.Second
			if c.noAnswer {
				within = 15 * time.Second
			}
			o := waitOrder(t, r.C, ids[c.digit], within)
			final[c.digit] = o
			if o.Status != c.want {
				t.Errorf("digit %d: final status %q, want %q", c.digit, o.Status, c.want)
			}
			if o.Status == client.StatusSuccess && o.SN == "" {
				t.Errorf("digit %d: success without SN", c.digit)
			}
			if o.Status == client.StatusFailed && o.SN != "" {
				t.Errorf("digit %d: failed with SN %q", c.digit, o.SN)
			}
			if o.SettledAt == nil {
				t.Errorf("digit %d: settled_at missing", c.digit)
			}
		}
		// Pending ones took at least their first poll; the digit-0 one settled at once.
		if d := final[0].SettledAt.Sub(final[0].CreatedAt); d > 2*time.Second {
			t.Errorf("digit 0 took %v to settle; want at once", d)
		}
		if d := final[5].SettledAt.Sub(final[5].CreatedAt); d < time.Second {
			t.Errorf("digit 5 settled after %v; want after a timeout and a later status check", d)
		}

		var successes int64
		for _, o := range final {
			if o.Status == client.StatusSuccess {
				successes++
			}
		}
		wantBalance := opening - successes*p.Price
		if got := me(t, r).Balance; got != wantBalance {
			t.Errorf("balance %d, want %d (%d successes at %d)", got, wantBalance, successes, p.Price)
		}

		// The ledger: one reserve per order, a void (refund) for each failure, nothing
		// more for a success; read in pages of 2 to follow next_cursor.
		lines := allLedger(t, r.C, 2)
		checkRunningBalance(t, lines, wantBalance)
		kinds := map[int64][]string{}
		for _, l := range lines {
			if l.OrderID == nil {
				if l.Kind != "adjustment" || l.Amount != opening {
					t.Errorf("ledger line without order: %+v", l)
				}
				continue
			}
			kinds[*l.OrderID] = append(kinds[*l.OrderID], l.Kind)
			switch l.Kind {
			case "order_reserve":
				if l.Amount != -p.Price {
					t.Errorf("reserve of %d: amount %d", *l.OrderID, l.Amount)
				}
			case "order_void":
				if l.Amount != p.Price {
					t.Errorf("void of %d: amount %d", *l.OrderID, l.Amount)
				}
			default:
				t.Errorf("unexpected ledger line %+v", l)
			}
		}
		for digit, o := range final {
			got := strings.Join(kinds[o.ID], ",")
			want := "order_reserve"
			if o.Status == client.StatusFailed {
				want = "order_void,order_reserve" // newest first
			}
			if got != want {
				t.Errorf("digit %d (order %d, %s): ledger lines %q, want %q", digit, o.ID, o.Status, got, want)
			}
		}
		if len(lines) != 1+len(cases)+2 {
			t.Errorf("%d ledger lines, want %d", len(lines), 1+len(cases)+2)
		}
		loketest.VerifyLedger(t, s)

		// Operations endpoints.
		resp, err := http.Get(s.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/healthz: %d", resp.StatusCode)
		}
		resp, err = http.Get(s.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "loket_orders_created_total") {
			t.Errorf("/metrics: %d, loket_orders_created_total missing:\n%s", resp.StatusCode, clip(b))
		}
		if !strings.Contains(string(b), `loket_orders_created_total{surface="api"} 5`) {
			t.Errorf("/metrics: want 5 orders created on the api surface:\n%s", grepLines(string(b), "loket_orders_created_total"))
		}
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestClientAccount covers the rest of the client: catalog filters, webhook settings
// and key regeneration.
func TestClientAccount(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		r := newReseller(t, s, 50_000)

		all, err := r.C.Products(ctx, "", "")
		if err != nil {
			t.Fatal(err)
		}
		codes := map[string]client.Product{}
		for _, p := range all {
			codes[p.Code] = p
		}
		for _, c := range []string{"HSA5", "FFMAX-BJ-V3FFMAX_ID_10", "FFMAX-BJ-V3FFMAX_ID_100", "FFMAX-BJ-V3FFMAX_ID_140",
			"FFMAX-BJ-V3FFMAX_ID_1000", "MLBB-BJ-V3-ALLMLBB_ID_5"} {
			if _, ok := codes[c]; !ok {
				t.Errorf("demo product %s missing", c)
			}
		}
		ml := codes["MLBB-BJ-V3-ALLMLBB_ID_5"]
		if len(ml.Forms) != 2 || ml.Forms[0].Key != "id" || ml.Forms[1].Key != "server" {
			t.Errorf("MLBB-BJ-V3-ALLMLBB_ID_5 forms: %+v", ml.Forms)
		}
		games, err := r.C.Products(ctx, "games", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(games) == 0 || len(games) >= len(all) {
			t.Errorf("category games: %d of %d products", len(games), len(all))
		}
		for _, p := range games {
			if !strings.EqualFold(p.Category, "games") {
				t.Errorf("category filter let %s (%s) through", p.Code, p.Category)
			}
		}
		ff, err := r.C.Products(ctx, "", "FFMAX-BJ-V3")
		if err != nil {
			t.Fatal(err)
		}
		if len(ff) != 4 {
			t.Errorf("brand FFMAX-BJ-V3: %d products, want 4", len(ff))
		}
		if _, err := r.C.Product(ctx, "NOPE"); err == nil {
			t.Error("unknown product: no error")
		} else {
			wantAPIError(t, err, http.StatusUnprocessableEntity, client.CodeUnknownProduct)
		}

		if u, err := r.C.Webhook(ctx); err != nil || u != "" {
			t.Errorf("webhook at first: %q, %v", u, err)
		}
		if err := r.C.SetWebhook(ctx, "http://127.0.0.1:9/hook"); err != nil {
			t.Fatal(err)
		}
		if u, err := r.C.Webhook(ctx); err != nil || u != "http://127.0.0.1:9/hook" {
			t.Errorf("webhook: %q, %v", u, err)
		}
		if m := me(t, r); m.WebhookURL != "http://127.0.0.1:9/hook" {
			t.Errorf("me.webhook_url %q", m.WebhookURL)
		}
		for _, bad := range []string{"ftp://example.com/x", "not a url", "http://", strings.Repeat("x", 600)} {
			wantAPIError(t, r.C.SetWebhook(ctx, bad), http.StatusBadRequest, client.CodeInvalid)
		}
		if err := r.C.SetWebhook(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if hooks, err := r.C.Webhooks(ctx); err != nil || len(hooks) != 0 {
			t.Errorf("webhooks: %v, %v", hooks, err)
		}

		// X-API-Key works as well as Bearer.
		if res := raw(t, "GET", s.URL+"/v1/me", "", nil, "X-API-Key", r.Creds.APIKey); res.Status != http.StatusOK {
			t.Errorf("X-API-Key: %d %s", res.Status, res.Body)
		}

		old := r.Creds.APIKey
		cr, err := r.C.RegenerateKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cr.APIKey == "" || cr.SecretKey == "" || cr.APIKey == old || cr.SecretKey == r.Creds.SecretKey {
			t.Fatalf("new keys: %+v", cr)
		}
		if _, err := r.C.Me(ctx); err != nil {
			t.Errorf("with the new key: %v", err)
		}
		_, err = client.New(s.URL, old).Me(ctx)
		wantAPIError(t, err, http.StatusUnauthorized, client.CodeUnauthorized)

		// Error answers that are not the API's JSON still come back as *client.Error.
		_, err = client.New(s.URL+"/nowhere", cr.APIKey).Me(ctx)
		var ae *client.Error
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
			t.Errorf("unknown path: %v", err)
		}
	})
}
