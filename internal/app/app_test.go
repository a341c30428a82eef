package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/app"
	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
	_ "github.com/loket/loket/internal/supplier/sim"
)

func newApp(t testing.TB, engine string, opts ...func(*app.Config)) *app.App {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, engine)
	if _, err := catalog.LoadDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	cfg := app.Config{SupplierTimeout: 200 * time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.New(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetStaticQRIS(ctx, testQRIS()); err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Close(c)
	})
	return a
}

// testQRIS is a static merchant QRIS with a correct CRC (computed here bit by bit).
func testQRIS() string {
	tlv := func(id, v string) string { return fmt.Sprintf("%s%02d%s", id, len(v), v) }
	account := tlv("00", "ID.CO.QRIS.WWW") + tlv("01", "936000000000000001") + tlv("02", "ID1020000000001") + tlv("03", "UMI")
	body := tlv("00", "01") + tlv("01", "11") + tlv("26", account) + tlv("52", "5999") + tlv("53", "360") + tlv("58", "ID") +
		tlv("59", "LOKET TEST") + tlv("60", "JAKARTA") + "6304"
	c := uint16(0xFFFF)
	for i := 0; i < len(body); i++ {
		c ^= uint16(body[i]) << 8
		for b := 0; b < 8; b++ {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
	}
	return body + fmt.Sprintf("%04X", c)
}

func reseller(t testing.TB, a *app.App, name string, balance loket.Money) *loket.ResellerAuth {
	t.Helper()
	ctx := context.Background()
	_, creds, err := a.CreateReseller(ctx, loket.NewResellerInput{Username: name, Balance: balance})
	if err != nil {
		t.Fatal(err)
	}
	ra, err := a.Authenticate(ctx, creds.APIKey, "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	return ra
}

func TestTargetsAndFields(t *testing.T) {
	a := newApp(t, "sqlite")
	ra := reseller(t, a, "fields", 10_000_000)
	ctx := context.Background()
	cases := []struct {
		name, product, target string
		fields                map[string]string
		code                  string
		wantTarget            string
	}{
		{"msisdn +62", "HSA5", "+62 812-3456-7890", nil, "", "081234567890"},
		{"msisdn 62", "HSA5", "6281234567810", nil, "", "081234567810"},
		{"msisdn letters", "HSA5", "0812abc", nil, loket.ETARGET, ""},
		{"msisdn short", "HSA5", "08123", nil, loket.ETARGET, ""},
		{"game ok", "MLBB-BJ-V3-ALLMLBB_ID_5", "1122334450", map[string]string{"server": "1234"}, "", "1122334450"},
		{"game target as field", "MLBB-BJ-V3-ALLMLBB_ID_5", "", map[string]string{"id": "1122334460", "server": "1234"}, "", "1122334460"},
		{"game missing server", "MLBB-BJ-V3-ALLMLBB_ID_5", "1122334470", nil, loket.EFIELD, ""},
		{"game unknown field", "MLBB-BJ-V3-ALLMLBB_ID_5", "1122334480", map[string]string{"server": "1", "zone": "2"}, loket.EFIELD, ""},
		{"reserved field name", "MLBB-BJ-V3-ALLMLBB_ID_5", "1122334490", map[string]string{"server": "1", "_trx": "API1"}, loket.EFIELD, ""},
		{"dropdown ok", "AKV-BJ-AKV_60", "5550", map[string]string{"server": "10040200"}, "", "5550"},
		{"dropdown bad", "AKV-BJ-AKV_60", "5560", map[string]string{"server": "999"}, loket.EFIELD, ""},
		{"meter", "PLN20", "12345678901", nil, "", "12345678901"},
		{"meter bad", "PLN20", "12ab", nil, loket.ETARGET, ""},
		{"unknown product", "NOPE", "081234567890", nil, loket.EPRODUCT, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, _, err := a.CreateOrder(ctx, ra, loket.OrderRequest{Product: c.product, Target: c.target, Fields: c.fields, RefID: fmt.Sprint("f", i)})
			if got := loket.ErrorCode(err); got != c.code {
				t.Fatalf("code = %q (%v), want %q", got, err, c.code)
			}
			if err == nil && o.Target != c.wantTarget {
				t.Fatalf("target = %q, want %q", o.Target, c.wantTarget)
			}
		})
	}
}

func TestMaxPriceAndSuspension(t *testing.T) {
	a := newApp(t, "sqlite")
	ctx := context.Background()
	ra := reseller(t, a, "maxp", 100_000)
	_, _, err := a.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "m1", MaxPrice: 5000})
	if loket.ErrorCode(err) != loket.EPRICE {
		t.Fatalf("max_price: %v", err)
	}
	if _, _, err := a.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: "081234567890", RefID: "m2", MaxPrice: 5400}); err != nil {
		t.Fatalf("max_price equal to price: %v", err)
	}
}

// BenchmarkCreateOrder measures accepting orders (durably written, dispatched to the
// simulator in the background) from many goroutines: -cpu sets the parallelism
// factor; the figure to read is orders/s.
func BenchmarkCreateOrder(b *testing.B) {
	for _, engine := range storetest.Engines() {
		for _, hot := range []bool{false, true} {
			name := engine + "/spread"
			if hot {
				name = engine + "/hot"
			}
			b.Run(name, func(b *testing.B) {
				a := newApp(b, engine)
				var rs []*loket.ResellerAuth
				for i := 0; i < 32; i++ {
					rs = append(rs, reseller(b, a, fmt.Sprintf("bench%d", i), 1_000_000_000_000))
				}
				var n atomic.Int64
				ctx := context.Background()
				b.SetParallelism(32)
				b.ResetTimer()
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := n.Add(1)
						r := rs[0]
						if !hot {
							r = rs[i%int64(len(rs))]
						}
						_, _, err := a.CreateOrder(ctx, r, loket.OrderRequest{Product: "HSA5", Target: fmt.Sprintf("0812%07d0", i), RefID: fmt.Sprint("b", i)})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "orders/s")
			})
		}
	}
}

// Two nodes on one database: orders left pending by a node that dies are finished by
// the others once its lease lapses, each exactly once.
func TestTwoNodesFinishEachOthersWork(t *testing.T) {
	if len(storetest.Engines()) < 2 {
		t.Skip("needs PostgreSQL (" + storetest.EnvPostgres + ")")
	}
	ctx := context.Background()
	url := storetest.URL(t, "postgres")
	open := func(node string) (*store.DB, *app.App) {
		db, err := store.Open(url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		a, err := app.New(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)), nil,
			app.Config{Node: node, Lease: 500 * time.Millisecond, SupplierTimeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return db, a
	}
	dbA, a := open("node-a")
	if _, err := catalog.LoadDemo(ctx, dbA); err != nil {
		t.Fatal(err)
	}
	if err := a.RefreshCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	// Node A accepts orders but never starts its workers: it "dies" holding their locks.
	ra := reseller(t, a, "twonode", 10_000_000)
	var ids []int64
	for i := 0; i < 40; i++ {
		o, _, err := a.CreateOrder(ctx, ra, loket.OrderRequest{Product: "HSA5", Target: fmt.Sprintf("0812%07d%d", i, []int{0, 2, 3, 4}[i%4]), RefID: fmt.Sprint("n", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	dbA.Close()
	dbB, b := open("node-b")
	defer dbB.Close()
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	dbC, c := open("node-c") // a third node competing for the same jobs
	defer dbC.Close()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for _, id := range ids {
		for {
			o, err := b.Order(ctx, ra.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != loket.StatusPending {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %d still pending", id)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	v, err := dbB.Verify(ctx)
	if err != nil || len(v) > 0 {
		t.Fatalf("verify: %v %v", v, err)
	}
}
