package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// documentedStatus is the HTTP status each error code is documented with.
var documentedStatus = map[string]int{
	"invalid": 400, "invalid_target": 400, "invalid_field": 400,
	"unauthorized": 401, "insufficient_balance": 402, "forbidden": 403, "not_found": 404,
	"conflict": 409, "duplicate_pending": 409, "body_too_large": 413,
	"unknown_product": 422, "product_inactive": 422, "out_of_stock": 422, "price_above_max": 422, "unavailable": 422,
	"rate_limited": 429,
}

// FuzzCreateOrder throws raw bodies at POST /v1/orders. Whatever comes in, the answer
// is never a 5xx; it is JSON holding either an order (2xx, and an order was written
// only on 201) or the error object with its documented status; and the ledger's
// invariants hold.
func FuzzCreateOrder(f *testing.F) {
	s := loketest.Start(f, "sqlite")
	r := newReseller(f, s, int64(loket.MaxAmount))

	for _, seed := range []string{
		`{"product":"S5","target":"081234567890","ref_id":"f-1"}`,
		`{"product":"S5","target":"081234567892","ref_id":"f-2"}`,
		`{"product":"S5","target":"081234567893","ref_id":"f-3","max_price":6000}`,
		`{"product":"s10","target":"+62 812-3456-7895"}`,
		`{"product":"HSA5","target":"6289512345670"}`,
		`{"product":"PLN20","target":"123456789010"}`,
		`{"product":"MLBB-BJ-V3-ALLMLBB_ID_5","target":"1122334450","fields":{"server":"2001"},"ref_id":"f-g1"}`,
		`{"product":"MLBB-BJ-V3-ALLMLBB_ID_5","fields":{"id":"1122334452","server":"2001"}}`,
		`{"product":"MLBB-BJ-V3-ALLMLBB_ID_5","target":"1122334450"}`,
		`{"product":"AKV-BJ-AKV_60","target":"998877660","fields":{"server":"10040400"}}`,
		`{"product":"FFMAX-BJ-V3FFMAX_ID_10","target":"12345670","fields":{"zone":"1"}}`,
		`{"product":"S5","target":"081234567890","ref_id":"f-1"}`,
		`{"product":"S5","target":"081234567899","ref_id":"f-1"}`,
		`{"product":"S5","target":"081234567890","max_price":1}`,
		`{"product":"S5","target":"081234567890","max_price":-9223372036854775808}`,
		`{"product":"S5","target":"081234567890","max_price":9223372036854775807}`,
		`{"product":"S5","target":"081234567890","max_price":1e400}`,
		`{"product":"S5","target":81234567890}`,
		`{"product":["S5"],"target":"081234567890"}`,
		`{"product":"S5","target":"081234567890","fields":{"a":{"b":1}}}`,
		`{"product":"S5","target":"081234567890","ref_id":"\u0000"}`,
		`{"product":"S5","target":"٠٨١٢٣٤٥٦٧٨٩٠","ref_id":"ünïcødé-🙂"}`,
		`{"product":"Ｓ５","target":"０８１２３４５６７８９０"}`,
		"{\"product\":\"S5\",\"target\":\"0812\xc3\x28345678\"}",
		`{"product":"S5","target":"081234567890"`,
		`{"product":"S5",,}`,
		`{"product":"S5","product":"S10","target":"081234567890"}`,
		`{}`, `[]`, `null`, `""`, `0`, ``, `   `, `{"fields":null}`,
		`{"product":"S5","target":"081234567890","ref_id":"` + strings.Repeat("x", 64) + `"}`,
		`{"fields":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
	} {
		f.Add([]byte(seed))
	}

	ctx := context.Background()
	newest := func(t *testing.T) int64 {
		os, err := s.Core.Orders.Orders(ctx, loket.OrderFilter{ResellerID: r.ID, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(os) == 0 {
			return 0
		}
		return os[0].ID
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		last := newest(t)
		req := httptest.NewRequest(http.MethodPost, "/v1/orders", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+r.Creds.APIKey)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.API.ServeHTTP(rec, req)

		res := rec.Result()
		out := rec.Body.Bytes()
		if res.StatusCode >= 500 {
			t.Fatalf("status %d for %q: %s", res.StatusCode, body, out)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q for %q", ct, body)
		}
		var answer struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			Price  int64  `json:"price"`
			Error  *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(out, &answer); err != nil {
			t.Fatalf("answer to %q is not JSON: %v: %s", body, err, out)
		}
		now := newest(t)
		switch {
		case res.StatusCode == http.StatusCreated || res.StatusCode == http.StatusOK:
			if answer.Error != nil || answer.ID <= 0 || answer.Price <= 0 ||
				(answer.Status != "pending" && answer.Status != "success" && answer.Status != "failed") {
				t.Fatalf("%d for %q is no order: %s", res.StatusCode, body, out)
			}
			if res.StatusCode == http.StatusCreated && (now != answer.ID || answer.ID <= last) {
				t.Fatalf("201 for %q: order %d, newest order now %d, before %d", body, answer.ID, now, last)
			}
			if res.StatusCode == http.StatusOK && now != last {
				t.Fatalf("200 (seen before) for %q wrote order %d", body, now)
			}
		default:
			if answer.Error == nil || answer.Error.Code == "" || answer.Error.Message == "" {
				t.Fatalf("%d for %q without the error object: %s", res.StatusCode, body, out)
			}
			if want, ok := documentedStatus[answer.Error.Code]; !ok || want != res.StatusCode {
				t.Fatalf("%d %s for %q: documented status %d", res.StatusCode, answer.Error.Code, body, want)
			}
			if now != last {
				t.Fatalf("refused %q (%s) but order %d was written", body, answer.Error.Code, now)
			}
		}
		loketest.VerifyLedger(t, s)
	})
}
