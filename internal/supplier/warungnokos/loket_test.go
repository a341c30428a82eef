package warungnokos_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/compat/warungnokos"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/supplier"
)

// TestAgainstLoket buys from another Loket's seed 000 surface (Loket A's adapter,
// Loket B's /compat/warungnokos over the demo catalog): the balance and the catalog
// walk work end to end; a number is rented, receives a code, a second one after a
// resend, and is finished; a number cancelled before its code is refunded; a refused
// rent charges nothing.
func TestAgainstLoket(t *testing.T) {
	// B's own rents must not time out on a loaded machine: an unknown rent there stays
	// being prepared (no number yet), which is another test's story.
	s := loketest.Start(t, "sqlite", "--supplier-timeout=5s")
	probe, _ := http.NewRequest(http.MethodGet, s.URL+"/compat/warungnokos/api/otp/services", nil)
	if _, pattern := s.API.Mux.Handler(probe); !strings.HasPrefix(pattern, "/compat/warungnokos/") {
		warungnokos.Mount(s.API.Mux, s.Core.Services())
	}
	r := loketest.NewReseller(t, s, 150000)
	sup, err := supplier.New(supplier.Config{Name: "b", Kind: "warungnokos", BaseURL: s.URL + "/compat/warungnokos", APIKey: r.Creds.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	vn := sup.(supplier.VNSupplier)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if b, err := sup.Balance(ctx); err != nil || b != 150000 {
		t.Errorf("Balance: %d, %v", b, err)
	}

	cat, err := vn.VNCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[int64]bool{}
	for _, sv := range cat.Services {
		codes[sv.Code] = true
	}
	if !codes[14] || !codes[86] {
		t.Errorf("services %+v", cat.Services)
	}
	var indonesia bool
	for _, c := range cat.Countries {
		if c.NumberID == 340437 && c.Name == "Indonesia" && len(c.Prices) > 0 {
			indonesia = true
			for _, p := range c.Prices {
				if p.Price <= 0 || p.ProviderID == "" || !codes[p.ServiceCode] {
					t.Errorf("price %+v", p)
				}
			}
		}
	}
	if !indonesia {
		t.Errorf("countries %+v", cat.Countries)
	}
	var anyOp bool
	for _, o := range cat.Operators {
		for _, op := range o.Operators {
			if o.NumberID == 340437 && o.ProviderID == "3837" && op.ID == "any" {
				anyOp = true
			}
		}
	}
	if !anyOp {
		t.Errorf("operators %+v", cat.Operators)
	}

	// Rent a number from Loket B (whose simulator sends a code within the sim delay),
	// read the code, ask for another, finish.
	num, err := vn.RentNumber(ctx, supplier.VNRequest{Ref: "LK1V1", ServiceCode: 14, ServiceName: "WhatsApp",
		NumberID: 340437, ProviderID: "3837", OperatorID: "any", MaxPrice: 5000})
	if err != nil || num.ID == "" || num.Phone == "" {
		t.Fatalf("RentNumber: %+v, %v", num, err)
	}
	charged := 150000 - loketest.Balance(t, s, r.ID)
	if charged <= 0 || charged > 5000 {
		t.Fatalf("Loket B charged %d for the number", charged)
	}
	waitCode := func(not string) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			st, err := vn.NumberStatus(ctx, num.ID)
			if err != nil {
				t.Fatalf("NumberStatus: %v", err)
			}
			if st.State == supplier.VNReceived && len(st.SMS) > 0 && st.SMS[len(st.SMS)-1].Code != not {
				return st.SMS[len(st.SMS)-1].Code
			}
			if time.Now().After(deadline) {
				t.Fatalf("no code: %+v", st)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	first := waitCode("")
	if len(first) != 6 {
		t.Fatalf("code %q", first)
	}
	if err := vn.SetNumberStatus(ctx, num.ID, supplier.VNResend); err != nil {
		t.Fatalf("resend: %v", err)
	}
	if second := waitCode(first); second == first {
		t.Fatalf("the same code after resend")
	}
	if err := vn.SetNumberStatus(ctx, num.ID, supplier.VNFinish); err != nil {
		t.Fatalf("done: %v", err)
	}
	// A second number, cancelled before any code: refunded in full.
	before := loketest.Balance(t, s, r.ID)
	n2, err := vn.RentNumber(ctx, supplier.VNRequest{Ref: "LK1V2", ServiceCode: 14, ServiceName: "WhatsApp",
		NumberID: 340437, ProviderID: "3837", OperatorID: "any", MaxPrice: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if err := vn.SetNumberStatus(ctx, n2.ID, supplier.VNCancel); err != nil && !supplier.IsRefusal(err) {
		t.Fatalf("cancel: %v", err)
	}
	// A refused rent (a country B does not sell) charges nothing.
	if _, err := vn.RentNumber(ctx, supplier.VNRequest{Ref: "LK1V3", ServiceCode: 14, NumberID: 1, ProviderID: "3837", OperatorID: "any", MaxPrice: 5000}); !supplier.IsRefusal(err) {
		t.Errorf("rent of an unknown country: %v, want a refusal", err)
	}
	if _, err := vn.NumberStatus(ctx, "WN0000009999"); err == nil || supplier.IsRefusal(err) {
		t.Errorf("NumberStatus of an unknown activation: %v", err)
	}
	if st, err := vn.NumberStatus(ctx, n2.ID); err == nil && st.State == supplier.VNCanceled {
		if b := loketest.Balance(t, s, r.ID); b != before {
			t.Errorf("cancelled number not refunded: balance %d, want %d", b, before)
		}
	}
	// Looking rents up by ref (otp/orders), from a process that remembers none of them:
	// the number rented is found; a ref B has no activation under (the refused rent was
	// refused before B wrote one) is proof of nothing until notFoundAfter has passed.
	fresh, err := supplier.New(supplier.Config{Name: "b2", Kind: "warungnokos", BaseURL: s.URL + "/compat/warungnokos", APIKey: r.Creds.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	finder := fresh.(supplier.VNFinder)
	if got, err := finder.FindNumber(ctx, supplier.VNRequest{Ref: "LK1V1", SentAt: time.Now()}); err != nil || got.ID != num.ID || got.Phone != num.Phone {
		t.Errorf("FindNumber of a rented number: %+v, %v; want %+v", got, err, num)
	}
	if _, err := finder.FindNumber(ctx, supplier.VNRequest{Ref: "LK1V3", SentAt: time.Now()}); err == nil || supplier.IsRefusal(err) {
		t.Errorf("FindNumber of a ref just sent: %v, want unknown", err)
	}
	if _, err := finder.FindNumber(ctx, supplier.VNRequest{Ref: "LK1V3", SentAt: time.Now().Add(-time.Hour)}); !supplier.IsRefusal(err) {
		t.Errorf("FindNumber of a ref sent long ago: %v, want a refusal", err)
	}
	if o, err := sup.Order(ctx, supplier.Request{Ref: "LK1A1", Code: "TSEL10", Target: "081234567890"}); err != nil || o.Outcome != supplier.Failed {
		t.Errorf("Order: %+v, %v", o, err)
	}
	loketest.VerifyLedger(t, s)
}
