package tronsim_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/payment/tronsim"
	"github.com/loket/loket/internal/payment/usdt"
)

const (
	operator = "TKrZTLhTuSkhxdxPjmBFGhB9U3s7jpAvda"
	other    = "TLVaCE4g7oE6NmviQawFrD9EuHhm92Q5ik"
	fake     = "TKJYdTAwsJjMWB2Yt51d5jp1yFhp4hNzGA"
)

type page struct {
	Success bool
	Error   string
	Data    []struct {
		TxID      string `json:"transaction_id"`
		TokenInfo struct {
			Address  string
			Decimals int
		} `json:"token_info"`
		Timestamp int64 `json:"block_timestamp"`
		From, To  string
		Type      string
		Value     string
	}
	Meta struct {
		At          int64
		Fingerprint string
	}
}

func get(t *testing.T, srv *httptest.Server, address string, q url.Values) (int, page) {
	t.Helper()
	r := loketest.DoJSON(t, "GET", srv.URL+"/v1/accounts/"+address+"/transactions/trc20?"+q.Encode(), "")
	var p page
	if err := json.Unmarshal([]byte(r.Raw), &p); err != nil {
		t.Fatal(err)
	}
	return r.Status, p
}

func post(t *testing.T, srv *httptest.Server, path, body string) (int, map[string]any) {
	t.Helper()
	r := loketest.DoJSON(t, "POST", srv.URL+path, body, "Content-Type", "application/json")
	return r.Status, r.Body
}

// The listing filters as TronGrid does, and pages through fingerprints in either order.
func TestListing(t *testing.T) {
	sim := tronsim.New(func() string { return operator })
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	var sent []string
	for i := 0; i < 5; i++ {
		tr, err := sim.Send(tronsim.Transfer{Value: int64(i+1) * 1_000_000, At: base.Add(time.Duration(i) * 3 * time.Second), Confirmed: true})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, tr.TxID)
	}
	unconfirmed, _ := sim.Send(tronsim.Transfer{Value: 9, At: base.Add(time.Minute)})
	token, _ := sim.Send(tronsim.Transfer{Value: 9, Contract: fake, At: base.Add(time.Minute), Confirmed: true})
	out, _ := sim.Send(tronsim.Transfer{Value: 9, From: operator, To: other, At: base.Add(time.Minute), Confirmed: true})

	filters := url.Values{"only_confirmed": {"true"}, "only_to": {"true"}, "contract_address": {usdt.Contract}}
	read := func(order string, limit string) []string {
		q := url.Values{"order_by": {order}, "limit": {limit}}
		for k, v := range filters {
			q[k] = v
		}
		var ids []string
		for pages := 0; pages < 10; pages++ {
			code, p := get(t, srv, operator, q)
			if code != 200 || !p.Success {
				t.Fatalf("%d %+v", code, p)
			}
			for _, e := range p.Data {
				if e.To != operator || e.TokenInfo.Address != usdt.Contract || e.TokenInfo.Decimals != 6 || e.Type != "Transfer" {
					t.Errorf("entry %+v", e)
				}
				ids = append(ids, e.TxID)
			}
			if p.Meta.Fingerprint == "" {
				return ids
			}
			q.Set("fingerprint", p.Meta.Fingerprint)
		}
		t.Fatal("endless paging")
		return nil
	}
	if got := read("block_timestamp,asc", "2"); !slices.Equal(got, sent) {
		t.Errorf("asc by 2: %v, want %v", got, sent)
	}
	desc := slices.Clone(sent)
	slices.Reverse(desc)
	if got := read("", "3"); !slices.Equal(got, desc) {
		t.Errorf("desc by 3: %v, want %v", got, desc)
	}
	q := url.Values{"min_timestamp": {"0"}}
	_, all := get(t, srv, operator, q)
	if len(all.Data) != 8 {
		t.Errorf("unfiltered: %d entries, want 8", len(all.Data))
	}
	q.Set("only_unconfirmed", "true")
	if _, p := get(t, srv, operator, q); len(p.Data) != 1 || p.Data[0].TxID != unconfirmed.TxID {
		t.Errorf("only_unconfirmed: %+v", p.Data)
	}
	q = url.Values{"min_timestamp": {"0"}, "only_from": {"true"}}
	if _, p := get(t, srv, operator, q); len(p.Data) != 1 || p.Data[0].TxID != out.TxID {
		t.Errorf("only_from: %+v", p.Data)
	}
	q = url.Values{"contract_address": {fake}}
	if _, p := get(t, srv, operator, q); len(p.Data) != 1 || p.Data[0].TxID != token.TxID {
		t.Errorf("the other token: %+v", p.Data)
	}
	q = url.Values{"order_by": {"block_timestamp,asc"}, "min_timestamp": {strconv.FormatInt(base.Add(6*time.Second).UnixMilli(), 10)},
		"max_timestamp": {strconv.FormatInt(base.Add(9*time.Second).UnixMilli(), 10)}}
	if _, p := get(t, srv, operator, q); len(p.Data) != 2 || p.Data[0].TxID != sent[2] || p.Data[1].TxID != sent[3] {
		t.Errorf("a time window (both ends in): %+v", p.Data)
	}
	for _, bad := range []url.Values{{"only_confirmed": {"true"}, "only_unconfirmed": {"true"}}, {"limit": {"x"}},
		{"order_by": {"value"}}, {"fingerprint": {"!"}}, {"min_timestamp": {"-1"}}} {
		if code, p := get(t, srv, operator, bad); code != 400 || p.Success || p.Error == "" {
			t.Errorf("%v: %d %+v", bad, code, p)
		}
	}
	if code, _ := get(t, srv, "T123", nil); code != 400 {
		t.Errorf("a bad address: %d", code)
	}
}

// POST /send records a transfer to the default address, confirmed unless said;
// POST /confirm confirms one.
func TestSendAndConfirm(t *testing.T) {
	sim := tronsim.New(func() string { return operator })
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	code, m := post(t, srv, "/send", `{"amount":"3.0837"}`)
	data, _ := m["data"].(map[string]any)
	if code != 200 || m["success"] != true || m["confirmed"] != true || data["value"] != "3083700" || data["to"] != operator {
		t.Fatalf("send: %d %v", code, m)
	}
	if err := usdt.ValidateAddress(data["from"].(string)); err != nil {
		t.Errorf("a random sender: %v", err)
	}
	code, m = post(t, srv, "/send", `{"amount":1.5,"to":"`+other+`","confirmed":false}`)
	data, _ = m["data"].(map[string]any)
	if code != 200 || m["confirmed"] != false || data["value"] != "1500000" || data["to"] != other {
		t.Fatalf("send unconfirmed: %d %v", code, m)
	}
	q := url.Values{"only_confirmed": {"true"}}
	if _, p := get(t, srv, other, q); len(p.Data) != 0 {
		t.Errorf("unconfirmed listed: %+v", p.Data)
	}
	if code, m := post(t, srv, "/confirm", `{"transaction_id":"`+data["transaction_id"].(string)+`"}`); code != 200 || m["success"] != true {
		t.Errorf("confirm: %d %v", code, m)
	}
	if _, p := get(t, srv, other, q); len(p.Data) != 1 {
		t.Errorf("confirmed not listed: %+v", p.Data)
	}
	for _, body := range []string{`{"amount":"1.1234567"}`, `{"amount":"0"}`, `{"amount":"abc"}`, `{"amount":"1","to":"Tnope"}`,
		`{"amount":"2000000"}`, `not json`} {
		if code, m := post(t, srv, "/send", body); code != 400 || m["success"] != false || m["error"] == "" {
			t.Errorf("%s: %d %v", body, code, m)
		}
	}
	if code, _ := post(t, srv, "/confirm", `{"transaction_id":"00"}`); code != 404 {
		t.Errorf("confirm of nothing: %d", code)
	}
}
