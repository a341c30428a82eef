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
// walk work end to end; renting a number is refused there (not available yet), which
// must read as a definite refusal that charged nothing.
func TestAgainstLoket(t *testing.T) {
	s := loketest.Start(t, "sqlite")
	probe, _ := http.NewRequest(http.MethodGet, s.URL+"/compat/warungnokos/api/otp/services", nil)
	if _, pattern := s.API.Mux().Handler(probe); !strings.HasPrefix(pattern, "/compat/warungnokos/") {
		warungnokos.Mount(s.API, s.App)
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

	_, err = vn.RentNumber(ctx, supplier.VNRequest{Ref: "LK1V1", ServiceCode: 14, ServiceName: "WhatsApp",
		NumberID: 340437, ProviderID: "3837", OperatorID: "any", MaxPrice: 5000})
	if !supplier.IsRefusal(err) {
		t.Errorf("RentNumber: %v, want a refusal", err)
	}
	if _, err := vn.NumberStatus(ctx, "WN0000000125"); err == nil || supplier.IsRefusal(err) {
		t.Errorf("NumberStatus of an unknown activation: %v", err)
	}
	if b := loketest.Balance(t, s, r.ID); b != 150000 {
		t.Errorf("Loket B charged its reseller: balance %d", b)
	}
	if o, err := sup.Order(ctx, supplier.Request{Ref: "LK1A1", Code: "TSEL10", Target: "081234567890"}); err != nil || o.Outcome != supplier.Failed {
		t.Errorf("Order: %+v, %v", o, err)
	}
}
