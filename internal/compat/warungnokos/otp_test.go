package warungnokos_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// The virtual-number lifecycle through seed 000's surface, on every engine: a code
// arrives; resend brings a second; cancel refunds; the timeout refunds; a code after a
// cancel is ignored; many activations on one balance never overdraw. The simulator
// serves provider 3837; scenarios it cannot produce use fakeVN (provider 9999).

const wa = `"number_id":"340437","provider_id":"3837","operator_id":"any","price_jual":3500,"service_name":"WhatsApp"`

// order places a WhatsApp order from the simulator and returns its trxId.
func order(t *testing.T, base, key, body string) string {
	t.Helper()
	d := post(t, base+"/otp/order", key, "{"+body+"}").data(t).(map[string]any)
	return loketest.Str(t, d, "trxId")
}

func setStatus(t *testing.T, base, key, trx, action string) resp {
	t.Helper()
	return post(t, base+"/otp/set_status", key, `{"trxId":"`+trx+`","action_status":"`+action+`"}`)
}

func wantBalance(t *testing.T, s *server.Server, id, want int64) {
	t.Helper()
	if got := loketest.Balance(t, s, id); got != loket.Money(want) {
		t.Errorf("balance = %d, want %d", got, want)
	}
}

func TestOTPCodeArrivesAndDone(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 10000)
		hooks := hookServer(t, s, rs.ID)

		trx := order(t, base, rs.Key, wa)
		wantBalance(t, s, rs.ID, 10000-1100) // reserved at once
		st := waitStatus(t, base, rs.Key, trx, "completed")
		code := loketest.Str(t, st.Body, "otp_code")
		if !regexp.MustCompile(`^\d{6}$`).MatchString(code) || !strings.Contains(loketest.Str(t, st.Body, "sms"), code[:3]) {
			t.Errorf("status = %s", st.Raw)
		}
		// The webhook of the SMS, in this surface's shape, once.
		h := hooks.wait(t, 1)[0]
		if h["event"] != "otp.received" || h["trxId"] != trx || h["otp_code"] != code || h["status"] != "completed" {
			t.Errorf("webhook = %v", h)
		}
		// done is charged for good; done again is the same answer; cancel is refused.
		if r := setStatus(t, base, rs.Key, trx, "done"); r.Body["message"] != "Status berhasil diubah menjadi done" {
			t.Fatalf("done: %s", r.Raw)
		}
		if r := setStatus(t, base, rs.Key, trx, "done"); r.Status != 200 {
			t.Errorf("done twice: %s", r.Raw)
		}
		setStatus(t, base, rs.Key, trx, "cancel").failure(t, 409)
		setStatus(t, base, rs.Key, trx, "resend").failure(t, 409)
		if r := get(t, base+"/otp/status/"+trx, rs.Key); r.Body["status"] != "completed" || r.Body["otp_code"] != code {
			t.Errorf("status after done: %s", r.Raw)
		}
		wantBalance(t, s, rs.ID, 10000-1100)
		act := activation(t, s, trx)
		if act.State != loket.VNDone || act.Hold != loket.HoldPosted || act.Cost != 1000 {
			t.Errorf("activation = %+v", act)
		}
		// Another reseller cannot see or touch it.
		other := newReseller(t, s, "", 0)
		get(t, base+"/otp/status/"+trx, other.Key).failure(t, 404)
		setStatus(t, base, other.Key, trx, "cancel").failure(t, 404)
		// An activation's trxId is no deposit's, and the other way round.
		get(t, base+"/deposit/status/"+trx, rs.Key).failure(t, 404)
		get(t, base+"/otp/status/WN9000000001", rs.Key).failure(t, 404)
		time.Sleep(100 * time.Millisecond)
		if n := len(hooks.got()); n != 1 {
			t.Errorf("%d webhooks, want 1 (one per SMS)", n)
		}
		loketest.VerifyLedger(t, s)
	})
}

func TestOTPResendBringsSecondCode(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 10000)
		trx := order(t, base, rs.Key, wa)
		// resend before any code is refused.
		if r := get(t, base+"/otp/status/"+trx, rs.Key); r.Body["status"] == "waiting" {
			if r := setStatus(t, base, rs.Key, trx, "resend"); r.Status != 409 && r.Status != 200 {
				t.Errorf("early resend: %s", r.Raw)
			}
		}
		first := loketest.Str(t, waitStatus(t, base, rs.Key, trx, "completed").Body, "otp_code")
		if r := setStatus(t, base, rs.Key, trx, "resend"); r.Body["message"] != "Status berhasil diubah menjadi resend" {
			t.Fatalf("resend: %s", r.Raw)
		}
		// Waiting again, without a code, until the second arrives.
		if r := get(t, base+"/otp/status/"+trx, rs.Key); r.Body["status"] == "waiting" && r.Body["otp_code"] != "" {
			t.Errorf("waiting after resend shows a code: %s", r.Raw)
		}
		var st resp
		deadline := time.Now().Add(5 * time.Second)
		for {
			st = waitStatus(t, base, rs.Key, trx, "completed")
			if codes := st.Body["otp_codes"].([]any); len(codes) == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no second code: %s", st.Raw)
			}
			time.Sleep(20 * time.Millisecond)
		}
		second := loketest.Str(t, st.Body, "otp_code")
		codes := st.Body["otp_codes"].([]any)
		if codes[0] != first || codes[1] != second || first == second {
			t.Errorf("codes %v, first %s, second %s", codes, first, second)
		}
		if msgs := st.Body["messages"].([]any); len(msgs) != 2 {
			t.Errorf("messages = %v", msgs)
		}
		setStatus(t, base, rs.Key, trx, "done")
		wantBalance(t, s, rs.ID, 10000-1100) // one price, however many codes
		loketest.VerifyLedger(t, s)
	})
}

// TestOTPOrderService: the seed's order names its service only by the optional
// service_name label. Without one, provider 3837 (which sells WhatsApp and Telegram in
// the demo) gives the first service, WhatsApp 14, whose price list the seed's example
// comes from; the label, or its code, picks Telegram.
func TestOTPOrderService(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 10000)
		const body = `"number_id":"340437","provider_id":"3837","operator_id":"any","price_jual":3500`
		for _, c := range []struct{ extra, service string }{
			{"", "WhatsApp"}, {`,"service_name":"telegram"`, "Telegram"}, {`,"service_name":"86"`, "Telegram"}, {`,"service_name":"WhatsApp"`, "WhatsApp"},
		} {
			d := post(t, base+"/otp/order", rs.Key, "{"+body+c.extra+"}").data(t).(map[string]any)
			if got := loketest.Str(t, d, "serviceName"); got != c.service {
				t.Errorf("order {%s}: serviceName %q, want %q", c.extra, got, c.service)
			}
		}
		wantBalance(t, s, rs.ID, 10000-1100-1500-1500-1100)
	})
}

func TestOTPCancelRefunds(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		f := addFake(t, s)
		rs := newReseller(t, s, "", 10000)
		hooks := hookServer(t, s, rs.ID)
		trx := order(t, base, rs.Key, fakeOrder)
		wantBalance(t, s, rs.ID, 10000-990) // cost 900 + 10%
		// done without a code is refused.
		if msg := setStatus(t, base, rs.Key, trx, "done").failure(t, 409); !strings.Contains(msg, "Belum ada SMS") {
			t.Errorf("done without a code: %q", msg)
		}
		if r := setStatus(t, base, rs.Key, trx, "cancel"); r.Body["message"] != "Status berhasil diubah menjadi cancel" {
			t.Fatalf("cancel: %s", r.Raw)
		}
		wantBalance(t, s, rs.ID, 10000)
		if r := get(t, base+"/otp/status/"+trx, rs.Key); r.Body["status"] != "canceled" || r.Body["otp_code"] != "" {
			t.Errorf("status: %s", r.Raw)
		}
		if f.state(t, trx, s) != supplier.VNCanceled {
			t.Error("not canceled upstream")
		}
		// Cancel again: the same answer, no second refund.
		setStatus(t, base, rs.Key, trx, "cancel")
		wantBalance(t, s, rs.ID, 10000)

		// A code arriving after the cancel is ignored: nothing stored, told or charged.
		f.deliver(activation(t, s, trx).SupplierRef, "654321")
		time.Sleep(300 * time.Millisecond)
		act := activation(t, s, trx)
		if act.State != loket.VNCanceled || act.SMSCount != 0 || len(act.SMS) != 0 {
			t.Errorf("after a late code: %+v", act)
		}
		if r := get(t, base+"/otp/status/"+trx, rs.Key); r.Body["status"] != "canceled" || r.Body["otp_code"] != "" {
			t.Errorf("status after a late code: %s", r.Raw)
		}
		if n := len(hooks.got()); n != 0 {
			t.Errorf("%d webhooks for a late code", n)
		}
		wantBalance(t, s, rs.ID, 10000)
		loketest.VerifyLedger(t, s)
	})
}

// TestOTPCancelRacesCode: a code arriving while a cancel is asked. Refused upstream,
// the activation stays open and is charged once done; accepted upstream, it is refunded
// even though the code was seen, since the supplier charges nothing for it.
func TestOTPCancelRacesCode(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		f := addFake(t, s)
		rs := newReseller(t, s, "", 10000)
		f.raceCancel.Store(true)

		trx := order(t, base, rs.Key, fakeOrder)
		if msg := setStatus(t, base, rs.Key, trx, "cancel").failure(t, 409); !strings.Contains(msg, "ditolak") {
			t.Errorf("refused cancel: %q", msg)
		}
		if st := waitStatus(t, base, rs.Key, trx, "completed"); st.Body["otp_code"] != "777777" {
			t.Errorf("status: %s", st.Raw)
		}
		setStatus(t, base, rs.Key, trx, "done")
		wantBalance(t, s, rs.ID, 10000-990)

		f.takeCancel.Store(true)
		trx = order(t, base, rs.Key, fakeOrder)
		if r := setStatus(t, base, rs.Key, trx, "cancel"); r.Status != 200 {
			t.Fatalf("accepted cancel: %s", r.Raw)
		}
		if a := activation(t, s, trx); a.State != loket.VNCanceled || a.Hold != loket.HoldVoided {
			t.Errorf("after an accepted cancel: %+v", a)
		}
		wantBalance(t, s, rs.ID, 10000-990)
		loketest.VerifyLedger(t, s)
	})
}

func TestOTPCancelTooEarly(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		f := addFake(t, s)
		f.cancelAfter.Store(int64(time.Hour))
		rs := newReseller(t, s, "", 10000)
		trx := order(t, base, rs.Key, fakeOrder)
		msg := setStatus(t, base, rs.Key, trx, "cancel").failure(t, 409)
		if !strings.HasPrefix(msg, "Pembatalan bisa dilakukan setelah ") || !strings.Contains(msg, "WIB") {
			t.Errorf("early cancel: %q", msg)
		}
		wantBalance(t, s, rs.ID, 10000-990)
		if f.state(t, trx, s) != supplier.VNWaiting {
			t.Error("an early cancel reached the supplier")
		}
		loketest.VerifyLedger(t, s)
	})
}

func TestOTPTimeoutRefunds(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine, "--vn-timeout=500ms")
		base := s.URL + "/compat/warungnokos/api"
		f := addFake(t, s)
		rs := newReseller(t, s, "", 10000)
		trx := order(t, base, rs.Key, fakeOrder)
		st := waitStatus(t, base, rs.Key, trx, "canceled")
		if st.Body["otp_code"] != "" || !strings.Contains(st.Raw, "Waktu habis") {
			t.Errorf("status = %s", st.Raw)
		}
		wantBalance(t, s, rs.ID, 10000)
		if f.state(t, trx, s) != supplier.VNCanceled {
			t.Error("not canceled upstream at the timeout")
		}
		// With a code, the window's end charges it instead (the simulator's number).
		trx = order(t, base, rs.Key, wa)
		waitStatus(t, base, rs.Key, trx, "completed")
		deadline := time.Now().Add(5 * time.Second)
		for activation(t, s, trx).State != loket.VNDone {
			if time.Now().After(deadline) {
				t.Fatalf("not done at the window's end: %+v", activation(t, s, trx))
			}
			time.Sleep(50 * time.Millisecond)
		}
		wantBalance(t, s, rs.ID, 10000-1100)
		loketest.VerifyLedger(t, s)
	})
}

func TestOTPRentRefusedOrUnknown(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		f := addFake(t, s)
		rs := newReseller(t, s, "", 10000)

		f.rentErr.Store(&rentFailure{err: &supplier.Refusal{Message: "NO_NUMBERS"}})
		if msg := post(t, base+"/otp/order", rs.Key, "{"+fakeOrder+"}").failure(t, 400); !strings.Contains(msg, "Stok nomor habis") {
			t.Errorf("refused rent: %q", msg)
		}
		wantBalance(t, s, rs.ID, 10000)

		// Unknown is not refused: the order is answered waiting, without a number yet,
		// its price held. The fake offers no lookup, so it is flagged for the operator
		// at the first look and stays pending (never refunded on a guess).
		f.rentErr.Store(&rentFailure{err: errors.New("502 bad gateway")})
		d := post(t, base+"/otp/order", rs.Key, "{"+fakeOrder+"}").object(t)
		if d["status"] != "waiting" || d["phoneNumber"] != "" || !strings.Contains(loketest.Str(t, d, "message"), "sedang disiapkan") {
			t.Errorf("unknown rent: %v", d)
		}
		trx := loketest.Str(t, d, "trxId")
		wantBalance(t, s, rs.ID, 10000-990)
		if st := waitStatus(t, base, rs.Key, trx, "waiting"); st.Body["phoneNumber"] != "" || !strings.Contains(st.Raw, "sedang disiapkan") {
			t.Errorf("status while renting: %s", st.Raw)
		}
		if msg := setStatus(t, base, rs.Key, trx, "cancel").failure(t, 409); !strings.Contains(msg, "sedang disiapkan") {
			t.Errorf("cancel while renting: %q", msg)
		}
		deadline := time.Now().Add(5 * time.Second)
		for a := activation(t, s, trx); !a.Flagged; a = activation(t, s, trx) {
			if time.Now().After(deadline) {
				t.Fatalf("not flagged: %+v", a)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if a := activation(t, s, trx); a.State != loket.VNRenting || a.Hold != loket.HoldPending {
			t.Errorf("unknown rent: %+v", a)
		}
		loketest.VerifyLedger(t, s)
		// The operator, having found nothing at the supplier, refunds it.
		id := activation(t, s, trx).ID
		if _, err := s.Core.Numbers.SettleRent(context.Background(), id, false, "", "", "not in the supplier's list"); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, base, rs.Key, trx, "canceled")
		wantBalance(t, s, rs.ID, 10000)
		acts, err := s.DB.Activations(context.Background(), rs.ID, 0, 10)
		if err != nil || len(acts) != 2 {
			t.Fatalf("activations: %v %v", acts, err)
		}
		if a := acts[0]; a.State != loket.VNFailed || !a.Flagged || a.Hold != loket.HoldVoided {
			t.Errorf("unknown rent: %+v", a)
		}
		if a := acts[1]; a.State != loket.VNFailed || a.Flagged {
			t.Errorf("refused rent: %+v", a)
		}
		// Out of balance: refused before any supplier is asked.
		poor := newReseller(t, s, "", 100)
		if msg := post(t, base+"/otp/order", poor.Key, "{"+wa+"}").failure(t, 400); msg != "Saldo tidak mencukupi." {
			t.Errorf("poor: %q", msg)
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestOTPOrdersByRef: beyond the seed, otp/order takes a ref_id (the same ref_id again
// answers the same activation) and otp/orders finds the activation by it, with the
// ref_id echoed, as a Loket buying here does when an otp/order's answer is lost.
func TestOTPOrdersByRef(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 10000)
		trx := order(t, base, rs.Key, wa+`,"ref_id":"LV77"`)
		if again := order(t, base, rs.Key, wa+`,"ref_id":"LV77"`); again != trx {
			t.Errorf("the same ref_id again: %s, want %s", again, trx)
		}
		wantBalance(t, s, rs.ID, 10000-1100)
		// lookup answers the list otp/orders gives for ref, checking the envelope.
		lookup := func(key, path, ref string) []any {
			t.Helper()
			r := get(t, base+path, key)
			list, ok := r.Body["data"].([]any)
			if r.Status != 200 || r.Body["success"] != true || r.Body["ref_id"] != ref || !ok || len(r.Body) != 3 {
				t.Fatalf("otp/orders: %d %s", r.Status, r.Raw)
			}
			return list
		}
		list := lookup(rs.Key, "/otp/orders?ref_id=LV77", "LV77")
		if len(list) != 1 {
			t.Fatalf("otp/orders: %v", list)
		}
		if it := list[0].(map[string]any); it["trxId"] != trx || it["ref_id"] != "LV77" || loketest.Str(t, it, "phoneNumber") == "" {
			t.Errorf("otp/orders: %v", it)
		}
		if list := lookup(rs.Key, "/otp/orders/LV78", "LV78"); len(list) != 0 {
			t.Errorf("otp/orders of an unused ref: %v", list)
		}
		// Another reseller's ref is not found.
		other := newReseller(t, s, "", 0)
		if list := lookup(other.Key, "/otp/orders?ref_id=LV77", "LV77"); len(list) != 0 {
			t.Errorf("another reseller's ref: %v", list)
		}
		if msg := get(t, base+"/otp/orders", rs.Key).failure(t, 400); !strings.Contains(msg, "ref_id") {
			t.Errorf("no ref_id: %q", msg)
		}
		loketest.VerifyLedger(t, s)
	})
}

// TestOTPConcurrentNeverOverdraws: 100 orders at once on a balance for 40 of them.
func TestOTPConcurrentNeverOverdraws(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := start(t, engine)
		base := s.URL + "/compat/warungnokos/api"
		rs := newReseller(t, s, "", 40*1100)
		var ok, poor, other atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := loketest.Do(t, http.MethodPost, base+"/otp/order", []byte("{"+wa+"}"), "x-api-key", rs.Key, "Content-Type", "application/json")
				switch {
				case r.Status == 200:
					ok.Add(1)
				case r.Status == 400 && strings.Contains(string(r.Body), "Saldo tidak mencukupi"):
					poor.Add(1)
				default:
					other.Add(1)
					t.Errorf("order: %d %s", r.Status, r.Body)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 40 || poor.Load() != 60 {
			t.Errorf("ok %d, insufficient %d, other %d; want 40 and 60", ok.Load(), poor.Load(), other.Load())
		}
		wantBalance(t, s, rs.ID, 0)
		loketest.VerifyLedger(t, s)
	})
}

func activation(t testing.TB, s *server.Server, trx string) *loket.Activation {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(trx, "WN%d", &id); err != nil {
		t.Fatalf("trxId %q: %v", trx, err)
	}
	a, err := s.DB.Activation(context.Background(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// hookLog records the webhooks a reseller receives.
type hookLog struct {
	mu   sync.Mutex
	list []map[string]any
}

func (h *hookLog) got() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.list...)
}

func (h *hookLog) wait(t testing.TB, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if l := h.got(); len(l) >= n {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhooks after 5s, want %d", len(h.got()), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hookServer points a reseller's webhook URL at a recorder.
func hookServer(t testing.TB, s *server.Server, id int64) *hookLog {
	t.Helper()
	h := &hookLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("webhook body %q: %v", b, err)
		}
		h.mu.Lock()
		h.list = append(h.list, m)
		h.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	u := srv.URL
	if err := s.Core.Resellers.UpdateReseller(context.Background(), id, loket.ResellerUpdate{WebhookURL: &u}); err != nil {
		t.Fatal(err)
	}
	return h
}

// fakeOrder orders from the fake supplier's provider.
const fakeOrder = `"number_id":"340437","provider_id":"9999","operator_id":"any","price_jual":2000,"service_name":"WhatsApp"`

// fakeVN is a scripted virtual-number supplier: it rents at once, delivers codes only
// when the test says, and honours cancel before a code.
type fakeVN struct {
	mu          sync.Mutex
	seq         int
	acts        map[string]*fakeAct
	rentErr     atomic.Pointer[rentFailure]
	cancelAfter atomic.Int64 // a time.Duration
	// raceCancel makes an SMS arrive just as a cancel is asked; with takeCancel the
	// cancel is then accepted anyway, after a poll had time to see the SMS.
	raceCancel atomic.Bool
	takeCancel atomic.Bool
}

type rentFailure struct{ err error }

type fakeAct struct {
	state supplier.VNState
	sms   []supplier.SMS
}

var (
	fakesMu sync.Mutex
	fakes   = map[string]*fakeVN{}
)

func init() {
	supplier.Register("vnfake", func(c supplier.Config) (supplier.Supplier, error) {
		fakesMu.Lock()
		defer fakesMu.Unlock()
		f := fakes[c.BaseURL]
		if f == nil {
			return nil, fmt.Errorf("no fake %q", c.BaseURL)
		}
		return f, nil
	})
}

// addFake registers a fake supplier on s and syncs its catalog: WhatsApp in Indonesia
// from provider 9999, at cost 900.
func addFake(t testing.TB, s *server.Server) *fakeVN {
	t.Helper()
	f := &fakeVN{acts: map[string]*fakeAct{}}
	key := loketest.Username("fake")
	fakesMu.Lock()
	fakes[key] = f
	fakesMu.Unlock()
	ctx := context.Background()
	var id int64
	if err := s.DB.Direct(ctx, func(tx *store.Tx) error {
		var err error
		if id, err = tx.UpsertSupplier(loket.Supplier{Name: key, Kind: "vnfake", BaseURL: key, Enabled: true}); err != nil {
			return err
		}
		return tx.BumpCatalog()
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.EnsureAccount(ctx, store.SupplierAccount(id), store.KindSupplierPayable); err != nil {
		t.Fatal(err)
	}
	if err := s.Core.Catalog.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Core.Numbers.SyncVNCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fakeVN) state(t testing.TB, trx string, s *server.Server) supplier.VNState {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.acts[activation(t, s, trx).SupplierRef]
	if a == nil {
		t.Fatalf("fake has no activation for %s", trx)
	}
	return a.state
}

// deliver makes an SMS arrive, whatever the activation's state (a late code).
func (f *fakeVN) deliver(id, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.acts[id]; a != nil {
		a.sms = append(a.sms, supplier.SMS{Code: code, Text: "Kode Anda " + code, At: time.Now()})
		if a.state == supplier.VNWaiting {
			a.state = supplier.VNReceived
		}
	}
}

func (f *fakeVN) RentNumber(_ context.Context, r supplier.VNRequest) (supplier.VNNumber, error) {
	if e := f.rentErr.Load(); e != nil {
		return supplier.VNNumber{}, e.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("F%d-%s", f.seq, r.Ref)
	f.acts[id] = &fakeAct{state: supplier.VNWaiting}
	n := supplier.VNNumber{ID: id, Phone: fmt.Sprintf("+62 811 0000 %04d", f.seq), Price: 900}
	if d := time.Duration(f.cancelAfter.Load()); d > 0 {
		n.CancelAfter = time.Now().Add(d)
	}
	return n, nil
}

func (f *fakeVN) NumberStatus(_ context.Context, id string) (supplier.VNStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.acts[id]
	if a == nil {
		return supplier.VNStatus{}, &supplier.Refusal{Message: "unknown"}
	}
	return supplier.VNStatus{State: a.state, SMS: append([]supplier.SMS(nil), a.sms...)}, nil
}

func (f *fakeVN) SetNumberStatus(_ context.Context, id string, act supplier.VNAction) error {
	if act == supplier.VNCancel && f.raceCancel.Load() {
		f.deliver(id, "777777")
		if f.takeCancel.Load() {
			time.Sleep(300 * time.Millisecond)
			f.mu.Lock()
			defer f.mu.Unlock()
			f.acts[id].state = supplier.VNCanceled
			return nil
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.acts[id]
	if a == nil {
		return &supplier.Refusal{Message: "unknown"}
	}
	switch act {
	case supplier.VNCancel:
		if len(a.sms) > 0 {
			return &supplier.Refusal{Message: "sms received"}
		}
		a.state = supplier.VNCanceled
	case supplier.VNFinish:
		a.state = supplier.VNDone
	case supplier.VNResend:
		a.state = supplier.VNWaiting
	}
	return nil
}

func (f *fakeVN) VNCatalog(context.Context) (supplier.VNCatalog, error) {
	return supplier.VNCatalog{
		Services: []loket.VNService{{Code: 14, Name: "WhatsApp", Active: true}},
		Countries: []loket.VNCountry{{NumberID: 340437, Name: "Indonesia", Prefix: "+62", Prices: []loket.VNPrice{
			{ServiceCode: 14, ProviderID: "9999", ServerID: 9, Price: 900, RateBP: 9000, Stock: 5}}}},
		Operators: []supplier.VNOperators{{NumberID: 340437, ProviderID: "9999", Operators: []loket.VNOperator{{ID: "any", Name: "any"}}}},
	}, nil
}

func (f *fakeVN) Order(context.Context, supplier.Request) (supplier.Result, error) {
	return supplier.Result{Outcome: supplier.Failed}, nil
}
func (f *fakeVN) Status(context.Context, supplier.Request) (supplier.Result, error) {
	return supplier.Result{Outcome: supplier.Failed}, nil
}
func (f *fakeVN) Balance(context.Context) (loket.Money, error)     { return 1_000_000, nil }
func (f *fakeVN) Prices(context.Context) ([]supplier.Price, error) { return nil, nil }
