package orderkuota_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/payment/orderkuota"
	"github.com/loket/loket/internal/payment/simsource"
)

// The operator's OrderKuota setup against the simulator the demo serves at
// /sim/orderkuota (seed 003's protocol): login, a wrong OTP, the right one; secrets
// are kept sealed; the configured source then reads the account's payments.
func TestOrderKuotaSetup(t *testing.T) {
	a := loketest.Core(t, "sqlite")
	ctx := context.Background()
	sim := simsource.New()
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()

	src, every := a.OrderKuota.Source(ctx)
	if every != orderkuota.DefaultPoll || src.Name() != "orderkuota" {
		t.Fatalf("source %s every %v", src.Name(), every)
	}
	if ps, _, err := src.Incoming(ctx, ""); err != nil || len(ps) != 0 {
		t.Fatalf("before any login: %v %v", ps, err)
	}
	if err := a.OrderKuota.CompleteLogin(ctx, simsource.OTP); err == nil {
		t.Fatal("an OTP without a login under way was taken")
	}
	login := orderkuota.Login{BaseURL: srv.URL, Username: "toko", Password: "rahasia-123", Merchant: "OK1234567"}
	if err := a.OrderKuota.StartLogin(ctx, login); err == nil || !strings.Contains(err.Error(), "api-key") {
		t.Fatalf("without an API key: %v", err)
	}
	login.APIKey = "api-key-secret-9"
	if err := a.OrderKuota.StartLogin(ctx, login); err != nil {
		t.Fatal(err)
	}
	if err := a.OrderKuota.CompleteLogin(ctx, "000000"); err == nil || !strings.Contains(err.Error(), "OTP tidak valid") {
		t.Fatalf("wrong OTP: %v", err)
	}
	if st, _ := a.OrderKuota.Status(ctx); st.LoggedIn || !st.APIKey || st.Username != "toko" {
		t.Fatalf("status after a wrong OTP: %+v", st)
	}
	if err := a.OrderKuota.CompleteLogin(ctx, simsource.OTP); err != nil {
		t.Fatal(err)
	}
	st, err := a.OrderKuota.Status(ctx)
	if err != nil || !st.LoggedIn || st.BaseURL != srv.URL || st.Merchant != "OK1234567" {
		t.Fatalf("status: %+v %v", st, err)
	}
	raw, _ := a.DB.Setting(ctx, "orderkuota.account")
	if strings.Contains(raw, "api-key-secret-9") || strings.Contains(raw, "sim:") || strings.Contains(raw, "rahasia") {
		t.Fatalf("a secret is stored in the clear: %s", raw)
	}

	r := loketest.Buyer(t, a, "okbuyer", 0)
	d, err := a.Deposits.CreateDeposit(ctx, r, loket.MethodQRIS, 25000, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Pay(int64(d.Total), "OVO", "NOBU / AB***"); err != nil {
		t.Fatal(err)
	}
	cursor := a.Deposits.PollSource(ctx, src, "")
	if cursor == "" {
		t.Error("no cursor after a poll")
	}
	got, _ := a.DB.Deposit(ctx, d.ID, 0)
	if got.Status != "success" || got.Brand != "OVO" {
		t.Fatalf("deposit after the poll: %+v", got)
	}
	ps, _ := a.DB.Payments(ctx, "", 10)
	if len(ps) != 1 || ps[0].Source != orderkuota.SourceName {
		t.Fatalf("payments %+v", ps)
	}
	a.Deposits.PollSource(ctx, src, cursor) // read again: recorded once
	if ps, _ := a.DB.Payments(ctx, "", 10); len(ps) != 1 {
		t.Fatalf("%d payments after a second poll", len(ps))
	}
}
