package socx_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

type ticket struct {
	Instruction string `json:"instruction"`
	Amount      int64  `json:"amount"`
	Banks       []struct {
		ID              int64  `json:"id"`
		AccountNo       string `json:"account_no"`
		BankName        string `json:"bank_name"`
		BeneficiaryName string `json:"beneficiary_name"`
		Status          int64  `json:"status"`
	} `json:"banks"`
	Unique      int64  `json:"unique"`
	AdminFee    int64  `json:"admin_fee"`
	GrandTotal  int64  `json:"grand_total"`
	ValidBefore string `json:"valid_before"`
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "other"
}

// checkKeys checks that m has exactly the keys of want, with their JSON types.
func checkKeys(t testing.TB, what string, m map[string]any, want map[string]string) {
	t.Helper()
	if len(m) != len(want) {
		t.Errorf("%s: keys %v, want %v", what, keys(m), want)
	}
	for k, typ := range want {
		if got := jsonType(m[k]); got != typ {
			t.Errorf("%s: %q is %s (%v), want %s", what, k, got, m[k], typ)
		}
	}
}

// ticketShape checks that b is exactly the seed's deposit ticket, with its JSON types,
// and decodes it.
func ticketShape(t testing.TB, b []byte) ticket {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	checkKeys(t, "ticket", m, map[string]string{"instruction": "string", "amount": "number", "banks": "array",
		"unique": "number", "admin_fee": "number", "grand_total": "number", "valid_before": "string"})
	banks, _ := m["banks"].([]any)
	for i, x := range banks {
		bm, _ := x.(map[string]any)
		checkKeys(t, fmt.Sprintf("banks[%d]", i), bm, map[string]string{"id": "number", "account_no": "string",
			"bank_name": "string", "beneficiary_name": "string", "status": "number"})
	}
	var tk ticket
	if err := json.Unmarshal(b, &tk); err != nil {
		t.Fatalf("ticket: %v: %s", err, b)
	}
	return tk
}

var validBefore = regexp.MustCompile(`^\d\d/\d\d/\d{4} \d\d:\d\d:\d\d$`)

// checkTicket checks a ticket's values against the deposit it opened (the reseller's
// newest) and the accounts SetupPayments configured.
func checkTicket(t testing.TB, s *server.Server, resellerID int64, tk ticket, amount int64) *loket.Deposit {
	t.Helper()
	ds, err := s.DB.Deposits(context.Background(), resellerID, 1)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deposits: %v %v", ds, err)
	}
	d := ds[0]
	if d.Method != "bank" || d.Status != loket.DepositPending || d.Amount != loket.Money(amount) || d.Surface != "socx" {
		t.Errorf("deposit %+v", d)
	}
	if tk.Amount != amount || tk.Unique < 1 || tk.Unique > 999 || loket.Money(tk.Unique) != d.UniqueCode || tk.AdminFee != 0 ||
		tk.GrandTotal != amount+tk.Unique || loket.Money(tk.GrandTotal) != d.Total {
		t.Errorf("ticket %+v for deposit %+v", tk, d)
	}
	if len(tk.Banks) != 2 || tk.Banks[0].ID != 1 || tk.Banks[0].BankName != "BCA" || tk.Banks[0].AccountNo != "1234567890" ||
		tk.Banks[0].BeneficiaryName != "Loket Test" || tk.Banks[0].Status != 1 ||
		tk.Banks[1].ID != 2 || tk.Banks[1].BankName != "Mandiri" || tk.Banks[1].AccountNo != "0987654321" || tk.Banks[1].Status != 1 {
		t.Errorf("banks %+v", tk.Banks)
	}
	wib := time.FixedZone("WIB", 7*3600)
	vb, err := time.ParseInLocation("02/01/2006 15:04:05", tk.ValidBefore, wib)
	if !validBefore.MatchString(tk.ValidBefore) || err != nil || !vb.Equal(d.ExpiresAt.Truncate(time.Second)) {
		t.Errorf("valid_before %q, deposit expires %v", tk.ValidBefore, d.ExpiresAt)
	}
	if until := time.Until(vb); until < 25*time.Minute || until > 31*time.Minute {
		t.Errorf("valid_before %q is %v away", tk.ValidBefore, until)
	}
	want := "Mohon transfer nominal Rp. " + commas(tk.GrandTotal) + " (harus sama), ke rekening BCA 1234567890, Mandiri 0987654321 sebelum " +
		tk.ValidBefore + " Terima kasih"
	if tk.Instruction != want {
		t.Errorf("instruction %q\nwant        %q", tk.Instruction, want)
	}
	return d
}

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, out...), ",")
}

func TestCommasExample(t *testing.T) {
	if commas(1000101) != "1,000,101" || commas(10101) != "10,101" || commas(999) != "999" {
		t.Fatal(commas(1000101))
	}
}

// TestDepositTicket runs a ticket's life: opened, paid (credited once), cancelled, the
// limit of open tickets, and every refusal.
func TestDepositTicket(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		r := loketest.NewReseller(t, s, 5_000)
		key := r.Creds.APIKey
		ctx := context.Background()
		open := func(body string, h ...string) (int, map[string]any, []byte) {
			t.Helper()
			resp := loketest.Do(t, "POST", s.URL+base+"/deposit_ticket", []byte(body), h...)
			var m map[string]any
			if err := json.Unmarshal(resp.Body, &m); err != nil {
				t.Fatalf("not JSON: %d %s", resp.Status, resp.Body)
			}
			return resp.Status, m, resp.Body
		}
		refused := func(name, body string, status int, rc string, h ...string) {
			t.Helper()
			if h == nil {
				h = withJSON(bearer(key))
			}
			st, m, b := open(body, h...)
			checkKeys(t, name, m, map[string]string{"rc": "string", "message": "string"})
			if st != status || m["rc"] != rc || !strings.HasPrefix(fmt.Sprint(m["message"]), "GAGAL") {
				t.Errorf("%s: %d %s, want %d rc %s", name, st, b, status, rc)
			}
		}

		// No bank account configured yet: rc 09, nothing opened.
		refused("no banks", `{"amount":50000}`, 200, "09")
		if ds, _ := s.DB.Deposits(ctx, r.ID, 10); len(ds) != 0 {
			t.Fatalf("deposit opened without banks: %+v", ds[0])
		}
		loketest.SetupPayments(t, s)

		// Refusals, nothing opened.
		refused("bad key", `{"amount":50000}`, 401, "02", withJSON(bearer("lk_nope"))...)
		refused("no key", `{"amount":50000}`, 401, "02", "Content-Type", "application/json")
		refused("malformed", `{"amount":`, 200, "01")
		refused("missing amount", `{}`, 200, "01")
		refused("too small", `{"amount":9999}`, 200, "01")
		refused("too large", `{"amount":100000001}`, 200, "01")
		refused("zero", `{"amount":0}`, 200, "01")
		refused("negative", `{"amount":-50000}`, 200, "01")
		refused("fraction", `{"amount":50000.5}`, 200, "01")
		refused("words", `{"amount":"lima puluh ribu"}`, 200, "01")
		refused("huge", `{"amount":1e300}`, 200, "01")
		if ds, _ := s.DB.Deposits(ctx, r.ID, 10); len(ds) != 0 {
			t.Fatalf("deposit opened by a refused request: %+v", ds[0])
		}

		// Open, pay the grand total: credited the amount, once.
		st, _, b := open(`{"amount":10000}`, withJSON(bearer(key))...)
		if st != 200 {
			t.Fatalf("ticket: %d %s", st, b)
		}
		tk := ticketShape(t, b)
		d := checkTicket(t, s, r.ID, tk, 10_000)
		paid := loketest.Pay(t, s, "bank", loket.Money(tk.GrandTotal))
		if paid == nil || paid.ID != d.ID || paid.Status != loket.DepositSuccess || paid.Amount != 10_000 ||
			paid.Fee() != loket.Money(tk.Unique) || paid.Brand != "DANA" {
			t.Fatalf("paid: %+v", paid)
		}
		if got, _ := s.DB.Deposit(ctx, d.ID, r.ID); got.Status != loket.DepositSuccess {
			t.Fatalf("deposit after payment: %+v", got)
		}
		saldo := func() float64 {
			var m map[string]any
			json.Unmarshal(loketest.Do(t, "GET", s.URL+base+"/saldo", nil, bearer(key)...).Body, &m)
			return m["balance"].(float64)
		}
		if b := saldo(); b != 15_000 {
			t.Fatalf("balance %v after the deposit, want 15000", b)
		}
		if again := loketest.Pay(t, s, "bank", loket.Money(tk.GrandTotal)); again != nil {
			t.Fatalf("second payment credited: %+v", again)
		}
		if b := saldo(); b != 15_000 {
			t.Fatalf("balance %v after a second payment, want 15000", b)
		}

		// Liberal amounts: a string, a float with no fraction.
		var opened []ticket
		for _, body := range []string{`{"amount":"20000"}`, `{"amount":30000.0}`, `{"amount":4e4}`} {
			st, _, b := open(body, bearer(key)...)
			if st != 200 {
				t.Fatalf("%s: %d %s", body, st, b)
			}
			opened = append(opened, ticketShape(t, b))
		}
		if opened[0].Amount != 20_000 || opened[1].Amount != 30_000 || opened[2].Amount != 40_000 {
			t.Fatalf("opened %+v", opened)
		}
		// A 4th open ticket is refused, nothing opened.
		refused("4th open", `{"amount":50000}`, 200, "36")
		if ds, _ := s.DB.Deposits(ctx, r.ID, 10); len(ds) != 4 {
			t.Fatalf("%d deposits, want 4", len(ds))
		}
		// Cancel one (the seed has no cancel endpoint: the native API or the core does
		// it); its payment then credits nothing, and a new ticket may be opened.
		ra, err := s.Core.Resellers.Authenticate(ctx, key, "127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		ds, _ := s.DB.Deposits(ctx, r.ID, 1)
		c, err := s.Core.Deposits.CancelDeposit(ctx, ra, ds[0].ID)
		if err != nil || c.Status != loket.DepositCancel {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		if p := loketest.Pay(t, s, "bank", c.Total); p != nil {
			t.Fatalf("cancelled deposit paid: %+v", p)
		}
		if b := saldo(); b != 15_000 {
			t.Fatalf("balance %v after paying a cancelled ticket", b)
		}
		st, _, b = open(`{"amount":50000}`, withJSON(bearer(key))...)
		if st != 200 {
			t.Fatalf("after cancel: %d %s", st, b)
		}
		checkTicket(t, s, r.ID, ticketShape(t, b), 50_000)
		// GET is not the seed's method.
		if resp := loketest.Do(t, "GET", s.URL+base+"/deposit_ticket?amount=50000", nil, bearer(key)...); resp.Status != 405 {
			t.Errorf("GET: %d %s", resp.Status, resp.Body)
		}
		loketest.VerifyLedger(t, s)
	})
}
