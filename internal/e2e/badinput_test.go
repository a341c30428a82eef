package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestBadInput: every malformed, unauthorised or unaffordable order is answered with
// the documented error JSON and status, never a 5xx, and charges nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		const opening = 300_000
		r := newReseller(t, s, opening)
		ordersURL := s.URL + "/v1/orders"

		manyFields := map[string]string{}
		for i := range 17 {
			manyFields[fmt.Sprintf("f%d", i)] = "x"
		}
		obj := func(v map[string]any) string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		cases := []struct {
			name   string
			body   string
			status int
			code   string
			field  string // checked when set
		}{
			{"unknown product", `{"product":"NOPE","target":"081234567890","ref_id":"b1"}`, 422, "unknown_product", "product"},
			{"empty product", `{"product":"","target":"081234567890"}`, 422, "unknown_product", "product"},
			{"missing product", `{"target":"081234567890"}`, 422, "unknown_product", "product"},
			{"mistyped field", `{"produk":"S5","target":"081234567890"}`, 400, "invalid", "produk"},
			{"mistyped max_price", `{"product":"S5","target":"081234567890","max_prize":5000}`, 400, "invalid", "max_prize"},
			{"odd unicode product", `{"product":"Ｓ５","target":"081234567890"}`, 422, "unknown_product", "product"},
			{"malformed target", `{"product":"S5","target":"12ab","ref_id":"b2"}`, 400, "invalid_target", "target"},
			{"empty target", `{"product":"S5","target":"","ref_id":"b2"}`, 400, "invalid_target", "target"},
			{"target not Indonesian", `{"product":"S5","target":"+1 415 555 0100"}`, 400, "invalid_target", "target"},
			{"target too long", `{"product":"S5","target":"` + strings.Repeat("8", 500) + `"}`, 400, "invalid_target", "target"},
			// JSON is UTF-8: a body that is not is refused whole, before any field is read.
			{"target bad utf-8", "{\"product\":\"S5\",\"target\":\"0812\xff\xfe34567\"}", 400, "invalid", "body"},
			{"game: missing server", `{"product":"MLBB-BJ-V3-ALLMLBB_ID_5","target":"1122334450","ref_id":"b3"}`, 400, "invalid_field", "server"},
			{"game: missing id", `{"product":"MLBB-BJ-V3-ALLMLBB_ID_5","fields":{"server":"2001"}}`, 400, "invalid_field", "id"},
			{"game: target and id disagree", `{"product":"MLBB-BJ-V3-ALLMLBB_ID_5","target":"1122334450","fields":{"id":"9","server":"2001"}}`,
				400, "invalid_field", "id"},
			{"game: unknown field", `{"product":"MLBB-BJ-V3-ALLMLBB_ID_5","target":"1122334450","fields":{"server":"2001","zone":"1"}}`,
				400, "invalid_field", "zone"},
			{"game: dropdown not a choice", `{"product":"AKV-BJ-AKV_60","target":"1122334450","fields":{"server":"1"}}`, 400, "invalid_field", "server"},
			// Text no field takes (NUL here) is refused as the body is read, whatever the field.
			{"game: field not printable", `{"product":"MLBB-BJ-V3-ALLMLBB_ID_5","target":"1122334450","fields":{"server":"20\u000001"}}`,
				400, "invalid", "fields"},
			{"game: field too long", `{"product":"MLBB-BJ-V3-ALLMLBB_ID_5","target":"1122334450","fields":{"server":"` + strings.Repeat("9", 200) + `"}}`,
				400, "invalid_field", "fields"},
			{"too many fields", obj(map[string]any{"product": "S5", "target": "081234567890", "fields": manyFields}), 400, "invalid_field", "fields"},
			{"max_price below price", `{"product":"S5","target":"081234567890","ref_id":"b4","max_price":100}`, 422, "price_above_max", "max_price"},
			{"negative max_price", `{"product":"S5","target":"081234567890","max_price":-1}`, 400, "invalid", "max_price"},
			{"max_price above MaxAmount", `{"product":"S5","target":"081234567890","max_price":1000000000001}`, 400, "invalid", "max_price"},
			{"max_price beyond int64", `{"product":"S5","target":"081234567890","max_price":99999999999999999999999}`, 400, "invalid", "max_price"},
			{"max_price 1e30", `{"product":"S5","target":"081234567890","max_price":1e30}`, 400, "invalid", "max_price"},
			{"max_price fraction", `{"product":"S5","target":"081234567890","max_price":5650.5}`, 400, "invalid", "max_price"},
			{"max_price as string", `{"product":"S5","target":"081234567890","max_price":"6000"}`, 400, "invalid", "max_price"},
			{"target as number", `{"product":"S5","target":81234567890}`, 400, "invalid", "target"},
			{"product as object", `{"product":{"code":"S5"},"target":"081234567890"}`, 400, "invalid", "product"},
			{"fields as array", `{"product":"S5","target":"081234567890","fields":["a"]}`, 400, "invalid", "fields"},
			{"field value as number", `{"product":"MLBB-BJ-V3-ALLMLBB_ID_5","target":"1122334450","fields":{"server":2001}}`, 400, "invalid", ""},
			{"ref_id too long", `{"product":"S5","target":"081234567890","ref_id":"` + strings.Repeat("r", 65) + `"}`, 400, "invalid", "ref_id"},
			{"ref_id control char", `{"product":"S5","target":"081234567890","ref_id":"a\u0007b"}`, 400, "invalid", "ref_id"},
			{"body an array", `[{"product":"S5","target":"081234567890"}]`, 400, "invalid", ""},
			{"body a string", `"S5"`, 400, "invalid", ""},
			{"not JSON", `product=S5&target=081234567890`, 400, "invalid", ""},
			{"broken JSON", `{"product":"S5","target":"081234567890"`, 400, "invalid", ""},
			{"trailing garbage", `{"product":"S5","target":"081234567890"} x`, 400, "invalid", ""},
			{"empty body", ``, 400, "invalid", ""},
			{"whitespace body", " \n\t ", 400, "invalid", ""},
			{"deep nesting", `{"fields":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, 400, "invalid", ""},
			{"oversized", `{"product":"S5","target":"081234567890","ref_id":"` + strings.Repeat("x", 100<<10) + `"}`, 413, "body_too_large", ""},
			{"just over 64 KiB", `{"product":"S5","target":"` + strings.Repeat(" ", 64<<10) + `081234567890"}`, 413, "body_too_large", ""},
		}
		for _, c := range cases {
			res := raw(t, "POST", ordersURL, r.Creds.APIKey, []byte(c.body))
			if res.Status >= 500 {
				t.Errorf("%s: %d %s", c.name, res.Status, clip(res.Body))
				continue
			}
			code, msg, field := res.apiError(t)
			if res.Status != c.status || code != c.code {
				t.Errorf("%s: got %d %s (%s), want %d %s", c.name, res.Status, code, msg, c.status, c.code)
			}
			if c.field != "" && field != c.field {
				t.Errorf("%s: field %q, want %q (%s)", c.name, field, c.field, msg)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s: Content-Type %q", c.name, ct)
			}
		}

		// Keys and accounts.
		good := `{"product":"S5","target":"081234567890","ref_id":"auth"}`
		authCases := []struct {
			name   string
			key    string
			header []string
			status int
			code   string
		}{
			{"no key", "", nil, 401, "unauthorized"},
			{"wrong key", "lk_not_a_key", nil, 401, "unauthorized"},
			{"huge key", strings.Repeat("k", 10_000), nil, 401, "unauthorized"},
			{"secret key as API key", r.Creds.SecretKey, nil, 401, "unauthorized"},
			{"wrong X-API-Key", "", []string{"X-API-Key", "nope"}, 401, "unauthorized"},
			{"basic auth", "", []string{"Authorization", "Basic " + r.Creds.APIKey}, 401, "unauthorized"},
		}
		for _, c := range authCases {
			res := raw(t, "POST", ordersURL, c.key, []byte(good), c.header...)
			code, msg, _ := res.apiError(t)
			if res.Status != c.status || code != c.code {
				t.Errorf("%s: got %d %s (%s), want %d %s", c.name, res.Status, code, msg, c.status, c.code)
			}
		}

		// Suspended after it was used (and its key cached): refused within the auth
		// cache's lifetime (2s) at most.
		suspended := newReseller(t, s, opening)
		me(t, suspended)
		st := "suspended"
		if err := s.Core.Resellers.UpdateReseller(ctx, suspended.ID, loket.ResellerUpdate{Status: &st}); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if res := raw(t, "GET", s.URL+"/v1/me", suspended.Creds.APIKey, nil); res.Status == 403 {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("suspended reseller still served: %d %s", res.Status, res.Body)
			}
		}
		fenced := newReseller(t, s, opening)
		allow := []string{"10.0.0.0/8"}
		if err := s.Core.Resellers.UpdateReseller(ctx, fenced.ID, loket.ResellerUpdate{IPAllow: &allow}); err != nil {
			t.Fatal(err)
		}
		poor := newReseller(t, s, 100)
		for _, c := range []struct {
			name   string
			r      *reseller
			status int
			code   string
		}{
			{"suspended", suspended, 403, "forbidden"},
			{"IP not allowed", fenced, 403, "forbidden"},
			{"insufficient balance", poor, 402, "insufficient_balance"},
		} {
			res := raw(t, "POST", ordersURL, c.r.Creds.APIKey, []byte(good))
			code, msg, _ := res.apiError(t)
			if res.Status != c.status || code != c.code {
				t.Errorf("%s: got %d %s (%s), want %d %s", c.name, res.Status, code, msg, c.status, c.code)
			}
			if c.r != poor {
				if res := raw(t, "GET", s.URL+"/v1/me", c.r.Creds.APIKey, nil); res.Status != c.status {
					t.Errorf("%s: GET /v1/me %d", c.name, res.Status)
				}
			}
		}

		// Other endpoints' bad input.
		for _, c := range []struct {
			method, path string
			status       int
			code         string
		}{
			{"GET", "/v1/orders/abc", 404, "not_found"},
			{"GET", "/v1/orders/0", 404, "not_found"},
			{"GET", "/v1/orders/-1", 404, "not_found"},
			{"GET", "/v1/orders/99999999", 404, "not_found"},
			{"GET", "/v1/orders/99999999999999999999999", 404, "not_found"},
			{"GET", "/v1/orders?status=done", 400, "invalid"},
			{"GET", "/v1/orders?limit=0", 400, "invalid"},
			{"GET", "/v1/orders?limit=201", 400, "invalid"},
			{"GET", "/v1/orders?limit=abc", 400, "invalid"},
			{"GET", "/v1/orders?cursor=!!!", 400, "invalid"},
			{"GET", "/v1/orders?cursor=bm9wZQ", 400, "invalid"},
			{"GET", "/v1/orders?from=yesterday", 400, "invalid"},
			{"GET", "/v1/orders?to=2024-13-45", 400, "invalid"},
			{"GET", "/v1/ledger?limit=100000", 400, "invalid"},
			{"GET", "/v1/ledger?cursor=-1", 400, "invalid"},
			{"GET", "/v1/products/NOPE", 422, "unknown_product"},
			{"PUT", "/v1/webhook", 400, "invalid"}, // no body
		} {
			res := raw(t, c.method, s.URL+c.path, r.Creds.APIKey, nil)
			if res.Status >= 500 {
				t.Errorf("%s %s: %d %s", c.method, c.path, res.Status, clip(res.Body))
				continue
			}
			code, msg, _ := res.apiError(t)
			if res.Status != c.status || code != c.code {
				t.Errorf("%s %s: got %d %s (%s), want %d %s", c.method, c.path, res.Status, code, msg, c.status, c.code)
			}
		}

		// Nothing was charged, and no order exists.
		if got := me(t, r).Balance; got != opening {
			t.Errorf("balance %d after refused orders, want %d", got, opening)
		}
		if n := orderCount(t, s, r.ID); n != 0 {
			t.Errorf("%d orders after refused orders, want 0", n)
		}
		if lines := allLedger(t, r.C, 50); len(lines) != 1 {
			t.Errorf("ledger has %d lines, want only the opening balance: %+v", len(lines), lines)
		}
		for _, x := range []*reseller{suspended, fenced, poor} {
			want := int64(opening)
			if x == poor {
				want = 100
			}
			if got := loketest.Balance(t, s, x.ID); got != loket.Money(want) {
				t.Errorf("reseller %d: balance %d, want %d", x.ID, got, want)
			}
			if n := orderCount(t, s, x.ID); n != 0 {
				t.Errorf("reseller %d: %d orders, want 0", x.ID, n)
			}
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestUnknownRoutes: CONTRACT.md says errors are JSON with a fitting status; that
// holds for paths and methods the API does not serve, too.
func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		r := newReseller(t, s, 1000)
		for _, c := range []struct {
			method, path string
			status       int
			code         string
		}{
			{"GET", "/v1/nope", 404, "not_found"},
			{"GET", "/v1/orders/", 404, "not_found"},
			{"DELETE", "/v1/orders", 405, ""}, // any code, in the error JSON
			{"POST", "/v1/orders/1", 405, ""},
		} {
			res := raw(t, c.method, s.URL+c.path, r.Creds.APIKey, nil)
			code, msg, _ := res.apiError(t)
			if res.Status != c.status || (c.code != "" && code != c.code) {
				t.Errorf("%s %s: got %d %s (%s), want %d %s", c.method, c.path, res.Status, code, msg, c.status, c.code)
			}
		}
	})
}
