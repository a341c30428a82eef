package warungnokos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// seedCatalog routes the seed's catalog, with a second service (countries_86.json)
// whose price list mixes numbers and strings, and a provider without operators.
func seedCatalog(f *fake) {
	f.set("GET /otp/services", reply{file: "services.json"})
	f.set("GET /otp/countries/14", reply{file: "countries_14.json"})
	f.set("GET /otp/countries/86", reply{file: "countries_86.json"})
	f.set("GET /otp/operators/indonesia/3837", reply{file: "operators.json"})
	f.set("GET /otp/operators/indonesia/4410", reply{code: 404, file: "operators_none.json"})
	f.set("GET /otp/operators/united%20kingdom/77", reply{file: "operators_uk.json"})
}

func TestVNCatalog(t *testing.T) {
	f := newFake(t)
	seedCatalog(f)
	got, err := f.client(t).VNCatalog(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	want := supplier.VNCatalog{
		Services: []loket.VNService{
			{Code: 14, Name: "WhatsApp", Image: "https://link/wa.png", Active: true},
			{Code: 86, Name: "Telegram", Image: "https://link/tg.png", Active: true},
		},
		Countries: []loket.VNCountry{
			{NumberID: 340437, Name: "Indonesia", Prefix: "+62", Prices: []loket.VNPrice{
				{ServiceCode: 14, NumberID: 340437, ProviderID: "3837", ServerID: 3, Price: 1100, RateBP: 8160, Stock: 103},
				{ServiceCode: 86, NumberID: 340437, ProviderID: "3837", ServerID: 3, Price: 1500, RateBP: 7525, Stock: 12},
				{ServiceCode: 86, NumberID: 340437, ProviderID: "4410", ServerID: 5, Price: 2000, RateBP: 9200, Stock: 28},
			}},
			{NumberID: 120011, Name: "United Kingdom", Prefix: "+44", Prices: []loket.VNPrice{
				// stock -1 is none; rate over 100% is 100%; half a rupiah rounds the cost up.
				{ServiceCode: 86, NumberID: 120011, ProviderID: "77", ServerID: 1, Price: 5000, RateBP: 10000, Stock: 0},
			}},
		},
		Operators: []supplier.VNOperators{
			{NumberID: 340437, ProviderID: "3837", Operators: []loket.VNOperator{
				{ID: "any", Name: "any", Image: "https://link/any.ico"},
				{ID: "telkomsel", Name: "telkomsel", Image: "https://link/telkomsel.jpg"},
			}},
			{NumberID: 340437, ProviderID: "4410"},
			{NumberID: 120011, ProviderID: "77", Operators: []loket.VNOperator{
				{ID: "any", Name: "any"},
				{ID: "vodafone", Name: "Vodafone", Image: "https://link/vf.png"},
			}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	reqs := f.requests()
	wantKey(t, reqs)
	// Each list once: 1 services, 2 countries, 3 operators (3837 of Indonesia is
	// priced by both services but asked about once).
	seen := map[string]int{}
	for _, r := range reqs {
		if r.Method != http.MethodGet {
			t.Errorf("%s %s", r.Method, r.Path)
		}
		seen[r.Path]++
	}
	if len(reqs) != 6 || len(seen) != 6 {
		t.Errorf("requests %v", seen)
	}
}

func TestVNCatalogEmptyLists(t *testing.T) {
	f := newFake(t)
	f.set("GET /otp/services", reply{file: "services.json"})
	f.set("GET /otp/countries/14", reply{file: "countries_14.json"})
	f.set("GET /otp/countries/86", reply{code: 404, file: "countries_notfound.json"})
	f.set("GET /otp/operators/indonesia/3837", reply{body: `{"success":true,"data":[]}`})
	got, err := f.client(t).VNCatalog(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Services) != 2 || len(got.Countries) != 1 || len(got.Countries[0].Prices) != 1 ||
		len(got.Operators) != 1 || len(got.Operators[0].Operators) != 0 {
		t.Errorf("got %+v", got)
	}
}

func TestVNCatalogFailures(t *testing.T) {
	for _, c := range []struct {
		name string
		key  string
		rep  reply
	}{
		{"services refused", "GET /otp/services", reply{code: 401, file: "bad_key.json"}},
		{"services not found", "GET /otp/services", reply{code: 404, body: `{"success":false,"message":"Endpoint tidak ditemukan."}`}},
		{"services garbage", "GET /otp/services", reply{file: "garbage.html"}},
		{"services not a list", "GET /otp/services", reply{body: `{"success":true,"data":{"14":"WhatsApp"}}`}},
		{"services without codes", "GET /otp/services", reply{body: `{"success":true,"data":[{"service_name":"WhatsApp"}]}`}},
		{"a country page fails", "GET /otp/countries/86", reply{code: 500, file: "server_error.json"}},
		{"a country page is garbage", "GET /otp/countries/86", reply{file: "garbage.html"}},
		{"a country page refused", "GET /otp/countries/86", reply{file: "bad_key.json"}},
		{"an operator page fails", "GET /otp/operators/united%20kingdom/77", reply{code: 502, file: "garbage.html"}},
		{"an operator page not found without the seed's shape", "GET /otp/operators/united%20kingdom/77", reply{code: 404, file: "garbage.html"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			seedCatalog(f)
			f.set(c.key, c.rep)
			got, err := f.client(t).VNCatalog(ctx(t))
			if err == nil {
				t.Fatalf("got %+v, no error", got)
			}
			noSecret(t, "error", err.Error())
		})
	}
}

func TestVNCatalogUnreadablePrices(t *testing.T) {
	f := newFake(t)
	f.set("GET /otp/services", reply{body: `{"success":true,"data":[{"service_code":"14","service_name":"WhatsApp"}]}`})
	f.set("GET /otp/countries/14", reply{body: `{"success":true,"data":[{"number_id":1,"name":"X","pricelist":[{"provider_id":"1","price":"mahal"},{"provider_id":"2","price":0}]}]}`})
	if _, err := f.client(t).VNCatalog(ctx(t)); err == nil {
		t.Error("a catalog without one readable price: no error")
	}
}

// TestVNCatalogBounded checks the walk never runs more than c.workers requests at
// once, and stops at its time bound.
func TestVNCatalogBounded(t *testing.T) {
	const n = 12
	var list []string
	for i := range n {
		list = append(list, fmt.Sprintf(`{"service_code":%d,"service_name":"S%d"}`, 100+i, i))
	}
	f := newFake(t)
	f.set("GET /otp/services", reply{body: `{"success":true,"data":[` + strings.Join(list, ",") + `]}`})
	for i := range n {
		f.set(fmt.Sprintf("GET /otp/countries/%d", 100+i), reply{file: "countries_14.json", delay: 20 * time.Millisecond})
	}
	f.set("GET /otp/operators/indonesia/3837", reply{file: "operators.json"})
	c := f.client(t)
	c.workers = 3
	got, err := c.VNCatalog(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Countries) != 1 || len(got.Countries[0].Prices) != n || len(got.Operators) != 1 {
		t.Errorf("got %+v", got)
	}
	if f.peak > 3 || f.peak < 2 {
		t.Errorf("peak concurrency %d, want 2..3", f.peak)
	}

	f.set("GET /otp/countries/105", reply{hold: true})
	c.walkTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err = c.VNCatalog(ctx(t))
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the walk's deadline", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}
