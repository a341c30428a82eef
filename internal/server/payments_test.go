package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/payment/orderkuota"
	"github.com/loket/loket/internal/payment/simsource"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store/storetest"
)

// loket serve (not the demo) polls the OrderKuota account the operator logged in to:
// a payment there credits the deposit it pays.
func TestServePollsOrderKuota(t *testing.T) {
	sim := simsource.New()
	upstream := httptest.NewServer(sim.Handler())
	defer upstream.Close()
	cfg, _, err := config.Load("loket", []string{"--addr=127.0.0.1:0", "--database-url=" + storetest.URL(t, "sqlite")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := server.OpenDB(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := catalog.LoadDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	// What loket payment orderkuota login and otp do, before the server starts.
	op, err := server.NewCore(ctx, db, log, metrics.NewRegistry(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := op.OrderKuota.StartLogin(ctx, orderkuota.Login{BaseURL: upstream.URL, APIKey: "k-123456", Username: "toko",
		Password: "pw-12345", Merchant: "OK77", Poll: time.Second}); err != nil {
		t.Fatal(err)
	}
	if err := op.OrderKuota.CompleteLogin(ctx, simsource.OTP); err != nil {
		t.Fatal(err)
	}

	s, err := server.Start(ctx, cfg, log, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(c)
	}()
	if err := s.Core.Deposits.SetStaticQRIS(ctx, mustStatic(t, s)); err != nil {
		t.Fatal(err)
	}
	_, creds, err := s.Core.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: "okpayer"})
	if err != nil {
		t.Fatal(err)
	}
	ra, err := s.Core.Resellers.Authenticate(ctx, creds.APIKey, "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Core.Deposits.CreateDeposit(ctx, ra, loket.MethodQRIS, 20000, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Pay(int64(d.Total), "DANA", "NOBU / X***"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := s.DB.Deposit(ctx, d.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == "success" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deposit was not credited from the OrderKuota account: %+v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r, _ := s.DB.Reseller(ctx, ra.ID, ""); r.Balance != 20000 {
		t.Fatalf("balance = %d", r.Balance)
	}
	// The cursor is kept just after the batch is recorded.
	for {
		if v, _ := s.DB.Setting(ctx, "payment.cursor.orderkuota"); v != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the poller kept no cursor")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
