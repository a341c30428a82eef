package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/payment/orderkuota"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// sealedState is every sealed value in the database, raw: to see that a refused
// rotation changed nothing.
func sealedState(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	rs, err := db.Resellers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		a, err := db.ResellerAuthByID(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		k, err := db.ResellerAPIKeySeal(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(a.SecretSeal + " " + k + "\n")
	}
	for _, key := range []string{"master_key", "link_key", orderkuota.SettingKey, server.DemoCredentialsSetting} {
		v, err := db.Setting(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(key + "=" + v + "\n")
	}
	return b.String()
}

// TestRotateMasterKey rotates the master key, kept in the database or given as
// LOKET_MASTER_KEY, on each engine: the services started with the new key read every
// secret, the old key opens none of them, deposit links stay the same, and a value
// sealed with another key makes the rotation refuse and change nothing.
func TestRotateMasterKey(t *testing.T) {
	for _, engine := range storetest.Engines() {
		for _, inDB := range []bool{true, false} {
			name := engine + "/env"
			if inDB {
				name = engine + "/db"
			}
			t.Run(name, func(t *testing.T) { rotateOnce(t, engine, inDB) })
		}
	}
}

func rotateOnce(t *testing.T, engine string, inDB bool) {
	ctx := context.Background()
	db := storetest.Open(t, engine)
	var flags []string
	oldKey := ""
	if !inDB {
		oldKey = server.NewMasterKey()
		flags = append(flags, "--master-key="+oldKey)
	}
	before := loketest.CoreOn(t, db, flags...)
	r, creds, err := before.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if err := before.Resellers.SetPassword(ctx, r.ID, "alice-password-1"); err != nil {
		t.Fatal(err)
	}
	acc, _ := json.Marshal(map[string]any{"username": "ok", "merchant": "OK1", "api_key_sealed": before.Sealer.Seal("ok-api-key"),
		"token_sealed": before.Sealer.Seal("ok-token")})
	if err := db.SetSetting(ctx, orderkuota.SettingKey, string(acc)); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSetting(ctx, server.DemoCredentialsSetting, before.Sealer.Seal(`{"admin":"a"}`)); err != nil {
		t.Fatal(err)
	}
	qr := before.Deposits.QRToken(42)

	// A value sealed with another key: refused, naming it; nothing changed.
	other, _ := auth.NewSealer(make([]byte, 32))
	stray, _, err := before.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	wrong := other.Seal("not-ours")
	if err := before.Resellers.UpdateReseller(ctx, stray.ID, loket.ResellerUpdate{SecretSeal: &wrong}); err != nil {
		t.Fatal(err)
	}
	was := sealedState(t, db)
	_, err = server.RotateMasterKey(ctx, db, oldKey, server.NewMasterKey())
	if err == nil || !strings.Contains(err.Error(), "reseller bob (id ") || !strings.Contains(err.Error(), "secret_seal") ||
		!strings.Contains(err.Error(), "nothing changed") {
		t.Fatalf("rotation over a stray seal: %v", err)
	}
	if now := sealedState(t, db); now != was {
		t.Fatalf("a refused rotation changed the database:\n%s\nnow\n%s", was, now)
	}
	good := before.Sealer.Seal("bob-secret")
	if err := before.Resellers.UpdateReseller(ctx, stray.ID, loket.ResellerUpdate{SecretSeal: &good}); err != nil {
		t.Fatal(err)
	}

	newKey := server.NewMasterKey()
	if _, err := server.RotateMasterKey(ctx, db, oldKey, oldKeyOr(t, ctx, db, oldKey)); err == nil {
		t.Fatal("rotating to the same key was accepted")
	}
	rot, err := server.RotateMasterKey(ctx, db, oldKey, newKey)
	if err != nil {
		t.Fatal(err)
	}
	if rot.InDB != inDB || rot.Resealed != 2+2+1+1 { // alice's 2 keys, bob's 2, the OrderKuota and demo settings
		t.Fatalf("rotation: %+v", rot)
	}
	if inDB {
		if v, _ := db.Setting(ctx, "master_key"); v != newKey {
			t.Fatalf("master_key = %q, want the new key", v)
		}
		flags = nil
	} else {
		flags = []string{"--master-key=" + newKey}
	}
	after := loketest.CoreOn(t, db, flags...)

	// seed 004's login gives the same API key back; webhooks sign with the same secret.
	if _, key, err := after.Resellers.LoginAPIKey(ctx, "alice", "alice-password-1", "127.0.0.1:1"); err != nil || key != creds.APIKey {
		t.Fatalf("login after rotation: %q, %v (want %q)", key, err, creds.APIKey)
	}
	ra, err := after.Resellers.AuthByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := after.Resellers.SecretKey(ra); err != nil || s != creds.SecretKey {
		t.Fatalf("secret after rotation: %q, %v", s, err)
	}
	if _, err := before.Sealer.Open(ra.SecretSeal); err == nil {
		t.Fatal("the old key still opens the secret")
	}
	raw, _ := db.Setting(ctx, orderkuota.SettingKey)
	var got struct{ APIKey, Token string }
	var stored struct {
		APIKey string `json:"api_key_sealed"`
		Token  string `json:"token_sealed"`
	}
	if err := json.Unmarshal([]byte(raw), &stored); err != nil {
		t.Fatal(err)
	}
	got.APIKey, _ = after.Sealer.Open(stored.APIKey)
	got.Token, _ = after.Sealer.Open(stored.Token)
	if got.APIKey != "ok-api-key" || got.Token != "ok-token" || !strings.Contains(raw, `"merchant":"OK1"`) {
		t.Fatalf("OrderKuota account after rotation: %s (%+v)", raw, got)
	}
	if _, err := before.Sealer.Open(stored.Token); err == nil {
		t.Fatal("the old key still opens the OrderKuota token")
	}
	if demo, _ := db.Setting(ctx, server.DemoCredentialsSetting); mustOpen(t, after.Sealer, demo) != `{"admin":"a"}` {
		t.Fatal("demo credentials not resealed")
	}
	if after.Deposits.QRToken(42) != qr {
		t.Fatal("a deposit's QR link changed with the master key")
	}

	// A second rotation carries the link key on again.
	third := server.NewMasterKey()
	if _, err := server.RotateMasterKey(ctx, db, flagKey(flags), third); err != nil {
		t.Fatal(err)
	}
	if !inDB {
		flags = []string{"--master-key=" + third}
	}
	if loketest.CoreOn(t, db, flags...).Deposits.QRToken(42) != qr {
		t.Fatal("a deposit's QR link changed at the second rotation")
	}
}

func mustOpen(t *testing.T, s *auth.Sealer, sealed string) string {
	t.Helper()
	v, err := s.Open(sealed)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// oldKeyOr is the current key: the configured one, or the database's.
func oldKeyOr(t *testing.T, ctx context.Context, db *store.DB, configured string) string {
	if configured != "" {
		return configured
	}
	v, err := db.Setting(ctx, "master_key")
	if err != nil || v == "" {
		t.Fatalf("master_key: %q, %v", v, err)
	}
	return v
}

func flagKey(flags []string) string {
	if len(flags) == 0 {
		return ""
	}
	return strings.TrimPrefix(flags[0], "--master-key=")
}
