package warungnokos_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loketest"
)

// TestSeedExamples runs every example request of seed 000 as printed (axios options as
// Go requests; scheme, host and key changed) against the demo and checks the documented
// shapes with their JSON types: a number is rented from the simulator, receives its
// code and is finished; deposits work.
func TestSeedExamples(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		loketest.SetupPayments(t, s)
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 150000)

		// profile.js
		d := get(t, base+"/user/profile", rs.Key).object(t)
		if got := loketest.Str(t, d, "username"); got != rs.Name {
			t.Errorf("username = %q, want %q", got, rs.Name)
		}
		if got := loketest.Str(t, d, "email"); got != rs.Name+"@mail.com" {
			t.Errorf("email = %q", got)
		}
		if got := loketest.Num(t, d, "balance"); got != 150000 {
			t.Errorf("balance = %v, want 150000", got)
		}
		if loketest.Str(t, d, "referralCode") == "" {
			t.Error("empty referralCode")
		}
		if len(d) != 4 {
			t.Errorf("profile has fields beyond the seed's: %v", d)
		}

		// services.js
		svcs := get(t, base+"/otp/services", rs.Key).list(t)
		want := map[float64]string{14: "WhatsApp", 86: "Telegram"}
		if len(svcs) != len(want) {
			t.Fatalf("services = %v, want 14 and 86", svcs)
		}
		for _, sv := range svcs {
			code := loketest.Num(t, sv, "service_code")
			if loketest.Str(t, sv, "service_name") != want[code] {
				t.Errorf("service %v = %v", code, sv)
			}
			loketest.Str(t, sv, "service_img")
		}

		// countries.js, with :serviceId replaced by 14 as the seed says.
		cs := get(t, base+"/otp/countries/14", rs.Key).list(t)
		if len(cs) != 1 {
			t.Fatalf("countries = %v, want Indonesia", cs)
		}
		c := cs[0]
		if loketest.Num(t, c, "number_id") != 340437 || loketest.Str(t, c, "name") != "Indonesia" || loketest.Str(t, c, "prefix") != "+62" || loketest.Num(t, c, "stock_total") != 103 {
			t.Errorf("country = %v", c)
		}
		pl, ok := c["pricelist"].([]any)
		if !ok || len(pl) != 1 {
			t.Fatalf("pricelist = %v", c["pricelist"])
		}
		p := pl[0].(map[string]any)
		if loketest.Str(t, p, "provider_id") != "3837" || loketest.Num(t, p, "server_id") != 3 || loketest.Num(t, p, "stock") != 103 ||
			loketest.Num(t, p, "rate") != 81.6 || loketest.Num(t, p, "price") != 1100 {
			t.Errorf("pricelist entry = %v", p)
		}
		// Telegram, the other demo service.
		p = get(t, base+"/otp/countries/86", rs.Key).list(t)[0]["pricelist"].([]any)[0].(map[string]any)
		if loketest.Num(t, p, "price") != 1500 || loketest.Num(t, p, "rate") != 76.5 || loketest.Num(t, p, "stock") != 88 {
			t.Errorf("Telegram pricelist entry = %v", p)
		}

		// operators.js, with :country/:providerId as the parameter table shows them.
		ops := get(t, base+"/otp/operators/indonesia/3837", rs.Key).list(t)
		if len(ops) != 2 || loketest.Str(t, ops[0], "id") != "any" || loketest.Str(t, ops[0], "name") != "any" ||
			loketest.Str(t, ops[1], "id") != "telkomsel" || loketest.Str(t, ops[1], "name") != "telkomsel" {
			t.Errorf("operators = %v", ops)
		}
		for _, o := range ops {
			loketest.Str(t, o, "image")
		}

		// orders.js: the seed's body as is. amount echoes price_jual; 1100 is charged.
		ord := post(t, base+"/otp/order", rs.Key, `{"number_id":"340437","provider_id":"3837","operator_id":"any","price_jual":3500,"service_name":"WhatsApp"}`).data(t).(map[string]any)
		trx := loketest.Str(t, ord, "trxId")
		if !regexp.MustCompile(`^WN\d{10}$`).MatchString(trx) || loketest.Str(t, ord, "serviceName") != "WhatsApp" ||
			!strings.HasPrefix(loketest.Str(t, ord, "phoneNumber"), "+62 8") || loketest.Num(t, ord, "amount") != 3500 ||
			loketest.Str(t, ord, "status") != "waiting" || loketest.Num(t, ord, "price") != 1100 {
			t.Errorf("order = %v", ord)
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", loketest.Str(t, ord, "createdAt")); err != nil {
			t.Errorf("createdAt: %v", err)
		}

		// get-status.js: waiting, then completed with a 6-digit code within the sim delay.
		st := waitStatus(t, base, rs.Key, trx, "completed")
		if !regexp.MustCompile(`^\d{6}$`).MatchString(loketest.Str(t, st.Body, "otp_code")) {
			t.Errorf("status = %s", st.Raw)
		}

		// set-status.js: cancel is refused once a code arrived; done finishes it.
		if msg := post(t, base+"/otp/set_status", rs.Key, `{"trxId":"`+trx+`","action_status":"cancel"}`).failure(t, 409); !strings.Contains(msg, "SMS sudah masuk") {
			t.Errorf("cancel after a code: %q", msg)
		}
		if r := post(t, base+"/otp/set_status", rs.Key, `{"trxId":"`+trx+`","action_status":"done"}`); r.Status != 200 || r.Body["message"] != "Status berhasil diubah menjadi done" {
			t.Errorf("done: %s", r.Raw)
		}
		// Another reseller's trxId, or one that never was, is not found.
		get(t, base+"/otp/status/WN0000000125", rs.Key).failure(t, 404)
		post(t, base+"/otp/set_status", rs.Key, `{"trxId":"WN0000000125","action_status":"cancel"}`).failure(t, 404)

		// depo-create.js, depo-status.js, depo-cancel.js: the deposit examples, the trxId
		// being the one create answered (the printed WN0000000050 is no deposit of this
		// reseller).
		seedDeposits(t, s, base, rs.Key)
		get(t, base+"/deposit/status/WN0000000050", rs.Key).failure(t, 404)
		post(t, base+"/deposit/cancel", rs.Key, `{"trxId":"WN0000000050"}`).failure(t, 404)

		if b := loketest.Balance(t, s, rs.ID); b != 150000-1100 {
			t.Errorf("balance after the examples = %d, want 150000 - 1100 (one number)", b)
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestPriceLevels: the price list is priced for the caller's level as products are.
func TestPriceLevels(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		// demo levels: member 2.5% (1100 -> 1100 + ceil(27.5)), retail 5% + 500.
		for level, want := range map[string]float64{"reseller": 1100, "member": 1128, "retail": 1655} {
			rs := newReseller(t, s, level, 0)
			p := get(t, base+"/otp/countries/14", rs.Key).list(t)[0]["pricelist"].([]any)[0].(map[string]any)
			if got := loketest.Num(t, p, "price"); got != want {
				t.Errorf("%s price = %v, want %v", level, got, want)
			}
		}
	})
}

// TestErrors covers authentication, input checks and routing, all in the seed's shape.
func TestErrors(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 10000)
		key := rs.Key

		// Authentication: none, wrong, other header spellings.
		do(t, http.MethodGet, base+"/user/profile", "").failure(t, 401)
		get(t, base+"/user/profile", "wn-123xyz").failure(t, 401)
		post(t, base+"/otp/order", "wn-123xyz", `{}`).failure(t, 401)
		do(t, http.MethodGet, base+"/user/profile", "", "X-API-KEY", key).object(t)
		do(t, http.MethodGet, base+"/user/profile", "", "Authorization", "Bearer "+key).object(t)
		// Trailing slash, path case, POST on a reading endpoint.
		do(t, http.MethodPost, base+"/USER/Profile/", "", "x-api-key", key).object(t)
		get(t, base+"/otp/countries/14/", key).list(t)

		// Unknown paths and methods.
		get(t, base+"/otp/nothing", key).failure(t, 404)
		get(t, base+"/otp", key).failure(t, 404)
		get(t, base+"/otp/services/14", key).failure(t, 404)
		get(t, base+"/otp/operators/indonesia/3837/x", key).failure(t, 404)
		do(t, http.MethodGet, s.URL+"/compat/warungnokos/other", "").failure(t, 404)
		r := get(t, base+"/otp/order", key)
		r.failure(t, 405)
		if r.Header.Get("Allow") != "POST" {
			t.Errorf("Allow = %q", r.Header.Get("Allow"))
		}
		do(t, http.MethodDelete, base+"/user/profile", "", "x-api-key", key).failure(t, 405)

		// Countries: missing, non-numeric, unknown serviceId.
		get(t, base+"/otp/countries", key).failure(t, 400)
		get(t, base+"/otp/countries/abc", key).failure(t, 400)
		get(t, base+"/otp/countries/14.5", key).failure(t, 400)
		get(t, base+"/otp/countries/-1", key).failure(t, 400)
		get(t, base+"/otp/countries/999", key).failure(t, 404)
		// serviceId as a service name, and as a query parameter.
		if cs := get(t, base+"/otp/countries/whatsapp", key).list(t); len(cs) != 1 || loketest.Num(t, cs[0], "number_id") != 340437 {
			t.Errorf("countries by name = %v", cs)
		}
		if cs := get(t, base+"/otp/countries?serviceId=86", key).list(t); len(cs) != 1 {
			t.Errorf("countries by query = %v", cs)
		}

		// Operators: country in any case; unknown country or provider.
		if ops := get(t, base+"/otp/operators/INDONESIA/3837", key).list(t); len(ops) != 2 {
			t.Errorf("operators = %v", ops)
		}
		if ops := get(t, base+"/otp/operators/340437/3837", key).list(t); len(ops) != 2 {
			t.Errorf("operators by number_id = %v", ops)
		}
		get(t, base+"/otp/operators/malaysia/3837", key).failure(t, 404)
		get(t, base+"/otp/operators/1/3837", key).failure(t, 404)
		get(t, base+"/otp/operators/indonesia/9999", key).failure(t, 404)
		get(t, base+"/otp/operators/indonesia", key).failure(t, 400)

		// Order: each required field missing, bad numbers, unknown catalog entries.
		full := map[string]string{"number_id": `"340437"`, "provider_id": `"3837"`, "operator_id": `"any"`, "price_jual": `3500`}
		for missing := range full {
			var parts []string
			for k, v := range full {
				if k != missing {
					parts = append(parts, `"`+k+`":`+v)
				}
			}
			if msg := post(t, base+"/otp/order", key, "{"+strings.Join(parts, ",")+"}").failure(t, 400); !strings.Contains(msg, missing) {
				t.Errorf("missing %s: message %q", missing, msg)
			}
		}
		post(t, base+"/otp/order", key, `{"number_id":"abc","provider_id":"3837","operator_id":"any","price_jual":3500}`).failure(t, 400)
		post(t, base+"/otp/order", key, `{"number_id":"340437","provider_id":"3837","operator_id":"any","price_jual":"murah"}`).failure(t, 400)
		post(t, base+"/otp/order", key, `{"number_id":"340437","provider_id":"3837","operator_id":"any","price_jual":-5}`).failure(t, 400)
		post(t, base+"/otp/order", key, `{"number_id":"1","provider_id":"3837","operator_id":"any","price_jual":3500}`).failure(t, 404)
		post(t, base+"/otp/order", key, `{"number_id":"340437","provider_id":"1","operator_id":"any","price_jual":3500}`).failure(t, 404)
		post(t, base+"/otp/order", key, `{"number_id":"340437","provider_id":"3837","operator_id":"xl","price_jual":3500}`).failure(t, 404)
		// Numbers as JSON numbers, and a form body: read as far as the operator, which
		// provider 3837 does not offer.
		post(t, base+"/otp/order", key, `{"number_id":340437,"provider_id":3837,"operator_id":"xl","price_jual":"3500"}`).failure(t, 404)
		do(t, http.MethodPost, base+"/otp/order", "number_id=340437&provider_id=3837&operator_id=xl&price_jual=3500",
			"x-api-key", key, "Content-Type", "application/x-www-form-urlencoded").failure(t, 404)
		post(t, base+"/otp/order", key, `{"number_id":340437,"provider_id":3837,"operator_id":"any","price_jual":3500,"service_name":"Signal"}`).failure(t, 404)
		// Malformed and oversized bodies.
		post(t, base+"/otp/order", key, `{"number_id":`).failure(t, 400)
		post(t, base+"/otp/order", key, `{"number_id":{"a":1}}`).failure(t, 400)
		post(t, base+"/otp/order", key, `{"x":"`+strings.Repeat("a", 70<<10)+`"}`).failure(t, 413)

		// Order status and set_status.
		get(t, base+"/otp/status", key).failure(t, 400)
		post(t, base+"/otp/set_status", key, `{"action_status":"cancel"}`).failure(t, 400)
		post(t, base+"/otp/set_status", key, `{"trxId":"WN0000000125"}`).failure(t, 400)
		post(t, base+"/otp/set_status", key, `{"trxId":"WN0000000125","action_status":"refund"}`).failure(t, 400)
		for _, a := range []string{"done", "resend", "CANCEL"} {
			post(t, base+"/otp/set_status", key, `{"trxId":"WN0000000125","action_status":"`+a+`"}`).failure(t, 404)
		}

		// Deposits (QRIS not set up on this server): amount and method are checked first.
		for _, body := range []string{`{}`, `{"amount":1999}`, `{"amount":"abc"}`, `{"amount":"NaN"}`, `{"amount":2000.5}`,
			`{"amount":-50000}`, `{"amount":1e20}`, `{"amount":50000,"method":"bitcoin"}`} {
			post(t, base+"/deposit/create", key, body).failure(t, 400)
		}
		for _, body := range []string{`{"amount":2000}`, `{"amount":"50000","method":"USDT-TRC-20"}`} {
			if msg := post(t, base+"/deposit/create", key, body).failure(t, 400); !strings.Contains(msg, "belum tersedia") {
				t.Errorf("deposit %s: message %q", body, msg)
			}
		}
		get(t, base+"/deposit/status", key).failure(t, 400)
		post(t, base+"/deposit/cancel", key, `{}`).failure(t, 400)

		if b := loketest.Balance(t, s, rs.ID); b != 10000 {
			t.Errorf("balance = %d, want 10000", b)
		}

		// A suspended reseller.
		suspend(t, s, rs.ID)
		get(t, base+"/user/profile", key).failure(t, 403)
		get(t, base+"/otp/services", key).failure(t, 403)

		loketest.VerifyLedger(t, s)
	})
}

// TestNeverServerError sends odd methods, paths and bodies: every answer is JSON in the
// seed's shape and none is a 5xx.
func TestNeverServerError(t *testing.T) {
	s := start(t, "sqlite")
	base := s.URL + "/compat/warungnokos/api"
	key := newReseller(t, s, "", 0).Key
	paths := []string{"", "/", "/user", "/user/profile", "/otp/services", "/otp/countries/%20", "/otp/countries/9999999999999999999999",
		"/otp/countries/1e400", "/otp/operators/%2e%2e/%00", "/otp/order", "/otp/status/%ff", "/otp/set_status", "/otp/set-status",
		"/deposit/create", "/deposit/status/x", "/deposit/cancel", "//otp//services//", "/OTP/COUNTRIES/14"}
	bodies := []string{"", "{}", "[]", "null", "nul", `{"amount":[1]}`, `{"price_jual":1e400}`, `{"number_id":true}`, "a=%zz", `"x"`}
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodHead, http.MethodOptions} {
		for _, p := range paths {
			for _, b := range bodies {
				req, err := http.NewRequest(m, base+p, strings.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("x-api-key", key)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s %s %q: %v", m, p, b, err)
				}
				res.Body.Close()
				if res.StatusCode >= 500 {
					t.Errorf("%s %s %q: status %d", m, p, b, res.StatusCode)
				}
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("%s %s %q: content type %q", m, p, b, ct)
				}
			}
		}
	}
}
