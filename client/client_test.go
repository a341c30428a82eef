package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRequestsAndErrors(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		switch r.URL.Path {
		case "/v1/orders":
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusCreated)
				w.Write([]byte(`{"id":7,"status":"pending"}`))
				return
			}
			w.Write([]byte(`{"orders":[],"next_cursor":""}`))
		case "/v1/me":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusPaymentRequired)
			w.Write([]byte(`{"error":{"code":"insufficient_balance","message":"insufficient balance","field":"x"}}`))
		default:
			http.Error(w, "404 page not found", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	c := New(srv.URL+"/", "lk_key")

	o, created, err := c.CreateOrder(ctx, OrderRequest{Product: "S5", Target: "0812", RefID: "a"})
	if err != nil || !created || o.ID != 7 {
		t.Fatalf("CreateOrder: %+v %v %v", o, created, err)
	}
	if h := got.Header.Get("Authorization"); h != "Bearer lk_key" {
		t.Errorf("Authorization %q", h)
	}

	from := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	if _, err := c.Orders(ctx, ListOptions{Status: "success", RefID: "a b", From: from, Limit: 3, Cursor: "Mw"}); err != nil {
		t.Fatal(err)
	}
	if q := got.URL.Query(); q.Get("status") != "success" || q.Get("ref_id") != "a b" || q.Get("limit") != "3" ||
		q.Get("cursor") != "Mw" || q.Get("from") != "2024-05-01T00:00:00Z" || q.Has("to") {
		t.Errorf("query %v", q)
	}

	_, err = c.Me(ctx)
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 402 || e.Code != CodeInsufficientBalance || e.Field != "x" || e.Message == "" {
		t.Errorf("Me: %#v", err)
	}
	_, err = c.Product(ctx, "a/b")
	if !errors.As(err, &e) || e.StatusCode != 404 || e.Code != "" || e.Message != "404 page not found" {
		t.Errorf("Product: %#v", err)
	}
	if got.URL.EscapedPath() != "/v1/products/a%2Fb" {
		t.Errorf("path %q", got.URL.EscapedPath())
	}
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"event":"order.updated"}`)
	good := "sha256=" + hexHMAC("secret", body)
	for _, c := range []struct {
		secret, sig string
		want        bool
	}{
		{"secret", good, true},
		{"secret", " " + good + " ", true},
		{"other", good, false},
		{"", "sha256=" + hexHMAC("", body), false},
		{"secret", good[7:], false},
		{"secret", "sha256=zz", false},
		{"secret", "", false},
	} {
		if got := VerifySignature(c.secret, body, c.sig); got != c.want {
			t.Errorf("VerifySignature(%q, %q) = %v", c.secret, c.sig, got)
		}
	}
}

func hexHMAC(key string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
