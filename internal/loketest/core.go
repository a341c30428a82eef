package loketest

import (
	"context"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// Core runs every service of one node, without HTTP, on a fresh database of engine
// with the demo catalog and a static QRIS, until the test ends. Its defaults are a
// supplier timeout of 200ms and private webhook URLs allowed; flags (as on the command
// line) override them.
func Core(t testing.TB, engine string, flags ...string) *server.Core {
	t.Helper()
	return CoreWith(t, engine, nil, flags...)
}

// CoreWith is Core with setup run on the services before they start (a chat
// channel added, say).
func CoreWith(t testing.TB, engine string, setup func(*server.Core), flags ...string) *server.Core {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, engine)
	if _, err := catalog.LoadDemo(ctx, db); err != nil {
		t.Fatal(err)
	}
	c := CoreOn(t, db, flags...)
	if setup != nil {
		setup(c)
	}
	if err := c.Deposits.SetStaticQRIS(ctx, StaticQRIS()); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Close(ctx)
	})
	return c
}

// CoreOn makes the services of a node on db, with Core's defaults and flags, without
// starting them: a node that accepts orders and "dies" before working them.
func CoreOn(t testing.TB, db *store.DB, flags ...string) *server.Core {
	t.Helper()
	cfg, _, err := config.Load("loket", append([]string{"--supplier-timeout=200ms", "--allow-private-webhooks=1"}, flags...))
	if err != nil {
		t.Fatal(err)
	}
	c, err := server.NewCore(context.Background(), db, Log(), metrics.NewRegistry(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Buyer creates a reseller on c with an opening balance and returns it as a request
// authenticated with its API key sees it.
func Buyer(t testing.TB, c *server.Core, name string, balance loket.Money) *loket.ResellerAuth {
	t.Helper()
	ctx := context.Background()
	_, creds, err := c.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: name, Balance: balance})
	if err != nil {
		t.Fatal(err)
	}
	ra, err := c.Resellers.Authenticate(ctx, creds.APIKey, "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	return ra
}
