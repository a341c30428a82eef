package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// A base price change reaches every reseller with a webhook once, at its own level's
// price, in the dialect it orders through: native JSON, or seed 001's price_update.
func TestPriceChangeWebhooks(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		s := loketest.Start(t, engine)
		ctx := context.Background()
		var mu sync.Mutex
		got := map[string][]string{}
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got[r.URL.Path] = append(got[r.URL.Path], string(b))
			mu.Unlock()
		}))
		defer recv.Close()
		native := loketest.NewReseller(t, s, 100000)
		toko := loketest.CreateReseller(t, s, loket.NewResellerInput{Username: loketest.Username("tw"), Level: "member", Balance: 100000})
		for who, r := range map[string]*loketest.Reseller{"native": native, "toko": toko} {
			u := recv.URL + "/" + who
			if err := s.Core.Resellers.UpdateReseller(ctx, r.ID, loket.ResellerUpdate{WebhookURL: &u}); err != nil {
				t.Fatal(err)
			}
		}
		ra, err := s.Core.Resellers.Authenticate(ctx, toko.Creds.APIKey, "127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Core.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "S5", Target: "081234567890", RefID: "t1", Surface: "tokowendigg"}); err != nil {
			t.Fatal(err)
		}
		file := "products:\n  - {code: HSA5, name: Three 5.000, brand: THREE, price: 5600}\n"
		for i := 0; i < 2; i++ { // the second import changes nothing and tells nothing
			if _, err := catalog.Import(ctx, s.DB, strings.NewReader(file), "change.yaml"); err != nil {
				t.Fatal(err)
			}
		}
		find := func(path, marker string) []string {
			mu.Lock()
			defer mu.Unlock()
			var out []string
			for _, b := range got[path] {
				if strings.Contains(b, marker) {
					out = append(out, b)
				}
			}
			return out
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(find("/native", "price.updated")) == 0 || len(find("/toko", "price_update")) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("price news not delivered: %v", got)
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(1500 * time.Millisecond) // room for a wrong second delivery
		var n struct {
			Event    string
			Products []struct {
				Product string
				Old     int64 `json:"price_old"`
				New     int64 `json:"price_new"`
			}
		}
		nb := find("/native", "price.updated")
		if len(nb) != 1 || json.Unmarshal([]byte(nb[0]), &n) != nil || len(n.Products) != 1 || n.Products[0].Product != "HSA5" ||
			n.Products[0].Old != 5400 || n.Products[0].New != 5600 {
			t.Fatalf("native price news = %v", nb)
		}
		var w struct {
			WebhookType string `json:"webhook_type"`
			Data        []struct {
				ProductCode string `json:"product_code"`
				PriceOld    int64  `json:"price_old"`
				PriceNew    int64  `json:"price_new"`
			}
		}
		tb := find("/toko", "price_update")
		// The member level has a 2.5% markup, rounded up.
		if len(tb) != 1 || json.Unmarshal([]byte(tb[0]), &w) != nil || w.WebhookType != "price_update" || len(w.Data) != 1 ||
			w.Data[0].ProductCode != "HSA5" || w.Data[0].PriceOld != 5400+135 || w.Data[0].PriceNew != 5600+140 {
			t.Fatalf("tokowendigg price news = %v", tb)
		}
	})
}
