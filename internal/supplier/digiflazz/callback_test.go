package digiflazz

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/loket/loket/internal/supplier"
)

func signature(secret string, body []byte) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write(body)
	return "sha1=" + hex.EncodeToString(mac.Sum(nil))
}

// signed is a webhook delivery as the docs show it (Webhooks: "Contoh pengiriman").
func signed(t *testing.T, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/callbacks/df", bytes.NewReader(body))
	r.Header.Set("X-Hub-Signature", signature(testSecret, body))
	r.Header.Set("X-Digiflazz-Event", "create")
	r.Header.Set("X-Digiflazz-Delivery", "dd320fc3-8dc8-49cb-a0d9-33aadacddc8a")
	r.Header.Set("User-Agent", "Digiflazz-Hookshot")
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestCallbackDocumentedPayload(t *testing.T) {
	d := newAdapter(t, "")
	body := readTestdata(t, "webhook_prepaid_create.json")
	cbs, status, answer, err := d.ReceiveCallback(signed(t, body), body)
	if err != nil || status != http.StatusOK || string(answer) != "OK" {
		t.Fatalf("ReceiveCallback = %d %q %v", status, answer, err)
	}
	if len(cbs) != 1 {
		t.Fatalf("%d callbacks, want 1", len(cbs))
	}
	cb := cbs[0]
	cb.Result.Message = ""
	want := supplier.Callback{Ref: "30467470", TrxID: "5ca22497cc6d0f965d9f84ac", Result: supplier.Result{
		Outcome: supplier.Success, SN: "SEPTIAPAR/20190401214753214742", TrxID: "5ca22497cc6d0f965d9f84ac", Price: 199800,
	}}
	if !reflect.DeepEqual(cb, want) {
		t.Errorf("callback = %+v, want %+v", cb, want)
	}
}

func TestCallbackOutcomes(t *testing.T) {
	d := newAdapter(t, "")
	for _, tc := range []struct {
		file string
		ref  string
		want supplier.Outcome
	}{
		{"webhook_prepaid_pending.json", "30467470", supplier.Pending},
		{"webhook_prepaid_failed.json", "30467471", supplier.Failed},
	} {
		body := readTestdata(t, tc.file)
		r := signed(t, body)
		r.Header.Set("X-Digiflazz-Event", "update")
		cbs, status, _, err := d.ReceiveCallback(r, body)
		if err != nil || status != 200 || len(cbs) != 1 || cbs[0].Ref != tc.ref || cbs[0].Result.Outcome != tc.want {
			t.Errorf("%s: %+v %d %v; want %s for %s", tc.file, cbs, status, err, tc.want, tc.ref)
		}
	}
}

// Duplicates and out-of-order deliveries are passed on as they come: settling them
// (first final result wins) is Loket's.
func TestCallbackDuplicateAndOutOfOrder(t *testing.T) {
	d := newAdapter(t, "")
	success := readTestdata(t, "webhook_prepaid_create.json")
	pending := readTestdata(t, "webhook_prepaid_pending.json")
	var got []supplier.Outcome
	for _, body := range [][]byte{success, success, pending} {
		cbs, status, _, err := d.ReceiveCallback(signed(t, body), body)
		if err != nil || status != 200 || len(cbs) != 1 || cbs[0].Ref != "30467470" {
			t.Fatalf("%+v %d %v", cbs, status, err)
		}
		got = append(got, cbs[0].Result.Outcome)
	}
	want := []supplier.Outcome{supplier.Success, supplier.Success, supplier.Pending}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("delivery %d = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestCallbackRefusedWithoutAValidSignature(t *testing.T) {
	d := newAdapter(t, "")
	body := readTestdata(t, "webhook_prepaid_create.json")
	tampered := bytes.Replace(body, []byte(`"Sukses"`), []byte(`"Gagal"`), 1)
	good := signature(testSecret, body)
	for name, tc := range map[string]struct {
		header string
		body   []byte
	}{
		"missing":         {"", body},
		"wrong secret":    {signature("other", body), body},
		"tampered body":   {good, tampered},
		"no prefix":       {good[len("sha1="):], body},
		"sha256 prefix":   {"sha256=" + good[len("sha1="):], body},
		"not hex":         {"sha1=zzzz", body},
		"truncated":       {good[:20], body},
		"prefix only":     {"sha1=", body},
		"signature of {}": {signature(testSecret, []byte("{}")), body},
	} {
		r := httptest.NewRequest(http.MethodPost, "/callbacks/df", bytes.NewReader(tc.body))
		if tc.header != "" {
			r.Header.Set("X-Hub-Signature", tc.header)
		}
		cbs, status, answer, err := d.ReceiveCallback(r, tc.body)
		if err == nil || status != http.StatusUnauthorized || cbs != nil || len(answer) == 0 {
			t.Errorf("%s: %v %d %q %v; want 401 and an error", name, cbs, status, answer, err)
		}
	}
	// Upper-case hex is the same signature.
	r := signed(t, body)
	r.Header.Set("X-Hub-Signature", "sha1="+string(bytes.ToUpper([]byte(good[len("sha1="):]))))
	if _, status, _, err := d.ReceiveCallback(r, body); err != nil || status != 200 {
		t.Errorf("upper-case hex refused: %d %v", status, err)
	}
}

func TestCallbackRefusedWithoutASecret(t *testing.T) {
	d, err := New(supplier.Config{MemberID: testUser, APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	body := readTestdata(t, "webhook_prepaid_create.json")
	// Even a request signed with the empty key is refused.
	r := httptest.NewRequest(http.MethodPost, "/callbacks/df", bytes.NewReader(body))
	r.Header.Set("X-Hub-Signature", signature("", body))
	if cbs, status, _, err := d.ReceiveCallback(r, body); err == nil || status != http.StatusUnauthorized || cbs != nil {
		t.Errorf("no secret: %v %d %v; want 401", cbs, status, err)
	}
}

func TestCallbackPingAndMalformed(t *testing.T) {
	d := newAdapter(t, "")
	ping := readTestdata(t, "webhook_ping.json")
	cbs, status, _, err := d.ReceiveCallback(signed(t, ping), ping)
	if err != nil || status != 200 || len(cbs) != 0 {
		t.Errorf("ping: %v %d %v; want 200 and nothing", cbs, status, err)
	}
	for _, body := range []string{"garbage", `{"data":"x"}`, `{"data":{"status":"Sukses","rc":"00","sn":"1"}}`} {
		b := []byte(body)
		cbs, status, _, err := d.ReceiveCallback(signed(t, b), b)
		if err == nil || status != http.StatusBadRequest || cbs != nil {
			t.Errorf("%s: %v %d %v; want 400 and an error", body, cbs, status, err)
		}
	}
}
