package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestNumbersNative drives a virtual number through the native API: catalog, rent
// (idempotent by ref_id), code, resend, second code, done; errors in the native shape.
func TestNumbersNative(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine, "--vn-poll=50ms")
		r := loketest.NewReseller(t, s, 4000)
		hooks := make(chan map[string]any, 10)
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			var m map[string]any
			json.NewDecoder(req.Body).Decode(&m)
			hooks <- m
		}))
		defer hs.Close()
		u := hs.URL
		if err := s.Core.Resellers.UpdateReseller(context.Background(), r.ID, loket.ResellerUpdate{WebhookURL: &u}); err != nil {
			t.Fatal(err)
		}
		auth := []string{"Authorization", "Bearer " + r.Creds.APIKey, "Content-Type", "application/json"}
		call := func(method, path, body string) loketest.JSON {
			t.Helper()
			return loketest.DoJSON(t, method, s.URL+path, body, auth...)
		}

		if got := call("GET", "/v1/numbers/services", ""); got.Status != 200 || !strings.Contains(got.Raw, `"WhatsApp"`) {
			t.Fatalf("services: %s", got.Raw)
		}
		cs := call("GET", "/v1/numbers/countries?service=86", "")
		if cs.Status != 200 || !strings.Contains(cs.Raw, `"number_id":340437`) || !strings.Contains(cs.Raw, `"price":1500`) {
			t.Fatalf("countries: %s", cs.Raw)
		}
		if ops := call("GET", "/v1/numbers/operators?number_id=340437&provider_id=3837", ""); !strings.Contains(ops.Raw, `"telkomsel"`) {
			t.Fatalf("operators: %s", ops.Raw)
		}

		body := `{"service":86,"number_id":340437,"provider_id":"3837","operator_id":"telkomsel","ref_id":"tg-1","price_jual":4000}`
		n := call("POST", "/v1/numbers", body)
		if n.Status != http.StatusCreated || loketest.Num(t, n.Body, "price") != 1500 || !strings.HasPrefix(loketest.Str(t, n.Body, "phone"), "+62 8") {
			t.Fatalf("rent: %s", n.Raw)
		}
		id := int64(loketest.Num(t, n.Body, "id"))
		path := "/v1/numbers/" + strconv.FormatInt(id, 10)
		// The same ref_id: the same activation, nothing charged; another body: conflict.
		if again := call("POST", "/v1/numbers", body); again.Status != 200 || int64(loketest.Num(t, again.Body, "id")) != id {
			t.Errorf("repeat: %s", again.Raw)
		}
		if c := call("POST", "/v1/numbers", strings.Replace(body, "4000", "4500", 1)); c.Status != 409 {
			t.Errorf("ref_id reused: %s", c.Raw)
		}
		if b := loketest.Balance(t, s, r.ID); b != 2500 {
			t.Errorf("balance = %d, want 2500", b)
		}

		wait := func(codes int) loketest.JSON {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for {
				g := call("GET", path, "")
				if g.Body["status"] == "received" && len(g.Body["sms"].([]any)) == codes {
					return g
				}
				if time.Now().After(deadline) {
					t.Fatalf("no code %d: %s", codes, g.Raw)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		g := wait(1)
		if !regexp.MustCompile(`^\d{6}$`).MatchString(loketest.Str(t, g.Body, "code")) {
			t.Errorf("code: %s", g.Raw)
		}
		select {
		case h := <-hooks:
			sms, _ := h["sms"].(map[string]any)
			num, _ := h["number"].(map[string]any)
			if h["event"] != "number.sms" || sms["code"] != g.Body["code"] || num["id"] != float64(id) || num["status"] != "received" {
				t.Errorf("webhook: %v", h)
			}
		case <-time.After(5 * time.Second):
			t.Error("no number.sms webhook")
		}
		if c := call("POST", path+"/cancel", ""); c.Status != 409 || c.Body["error"].(map[string]any)["code"] != "conflict" {
			t.Errorf("cancel after a code: %s", c.Raw)
		}
		if rs := call("POST", path+"/resend", ""); rs.Status != 200 || rs.Body["status"] != "waiting" {
			t.Errorf("resend: %s", rs.Raw)
		}
		g = wait(2)
		if d := call("POST", path+"/done", ""); d.Status != 200 || d.Body["status"] != "done" {
			t.Errorf("done: %s", d.Raw)
		}
		if l := call("GET", "/v1/numbers?limit=1", ""); !strings.Contains(l.Raw, `"ref_id":"tg-1"`) {
			t.Errorf("list: %s", l.Raw)
		}
		if l := call("GET", "/v1/numbers?ref_id=tg-1", ""); len(l.Body["numbers"].([]any)) != 1 {
			t.Errorf("list by ref_id: %s", l.Raw)
		}
		// Too poor for another: refused, nothing reserved.
		if p := call("POST", "/v1/numbers", `{"service":86,"number_id":340437,"provider_id":"3837"}`); p.Status != http.StatusCreated {
			t.Errorf("second rent: %s", p.Raw)
		}
		if p := call("POST", "/v1/numbers", `{"service":86,"number_id":340437,"provider_id":"3837"}`); p.Status != http.StatusPaymentRequired {
			t.Errorf("third rent: %s", p.Raw)
		}
		if nf := call("GET", "/v1/numbers/999999", ""); nf.Status != 404 {
			t.Errorf("unknown: %s", nf.Raw)
		}
		if doc := loketest.Do(t, "GET", s.URL+"/openapi.json", nil); !strings.Contains(string(doc.Body), `"/v1/numbers/{id}/resend"`) {
			t.Error("openapi.json lacks the numbers routes")
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestNumbersClient rents a number through the public Go client, as a reseller's
// program would: rent, wait for the code, finish.
func TestNumbersClient(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine, "--vn-poll=50ms")
		r := newReseller(t, s, 2000)
		ctx := context.Background()
		n, created, err := r.C.RentNumber(ctx, client.NumberRequest{Service: 14, NumberID: 340437, ProviderID: "3837", RefID: "wa-1"})
		if err != nil || !created || n.Status != "waiting" || n.Price != 1100 {
			t.Fatalf("rent: %+v %v %v", n, created, err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for n.Code == "" {
			if time.Now().After(deadline) {
				t.Fatalf("no code: %+v", n)
			}
			time.Sleep(20 * time.Millisecond)
			if n, err = r.C.Number(ctx, n.ID); err != nil {
				t.Fatal(err)
			}
		}
		if n, err = r.C.NumberAction(ctx, n.ID, "done"); err != nil || n.Status != "done" || len(n.SMS) != 1 {
			t.Fatalf("done: %+v %v", n, err)
		}
		if _, err := r.C.NumberAction(ctx, n.ID, "cancel"); err == nil {
			t.Error("cancel after done accepted")
		}
		if m := me(t, r); m.Balance != 900 {
			t.Errorf("balance = %d, want 900", m.Balance)
		}
		loketest.VerifyLedger(t, s)
	})
}
