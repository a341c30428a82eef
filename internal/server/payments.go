package server

import (
	"context"
	"net/http"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment"
	"github.com/loket/loket/internal/payment/orderkuota"
	"github.com/loket/loket/internal/payment/simsource"
	"github.com/loket/loket/internal/payment/tronsim"
)

// SimPath is where the demo's simulated payment source is served (CONTRACT.md).
const SimPath = "/sim/orderkuota"

// mountPaymentSimulator serves the simulated source speaking seed 003's protocol and
// has Loket poll it through the real orderkuota client, over HTTP, as it would the
// real service: POST /sim/orderkuota/pay records a payment the matcher then sees. hc
// reaches baseURL (this server's own).
func mountPaymentSimulator(m *httpx.Mux, c *Core, baseURL string, hc *http.Client) {
	sim := simsource.New()
	m.Handle(SimPath+"/", http.StripPrefix(SimPath, sim.Handler()))
	client := orderkuota.New(orderkuota.Config{BaseURL: baseURL + SimPath, APIKey: "demo", Username: "demo", Token: "demo",
		Merchant: "OK1", HTTP: hc})
	c.Deposits.AddSource(orderkuota.NewSource("orderkuota-sim", loket.MethodQRIS, client), 2*time.Second)
}

// TronSimPath is where the demo's simulated TRON chain is served.
const TronSimPath = "/sim/tron"

// mountChainSimulator serves the simulated chain (a TronGrid-compatible API) and
// returns where the USDT watcher is to read it, over HTTP, as it would TronGrid:
// POST /sim/tron/send {"amount":"3.0837"} sends USDT to the operator's address, which
// the watcher then sees confirmed. hc reaches baseURL (this server's own).
func mountChainSimulator(m *httpx.Mux, c *Core, baseURL string, hc *http.Client) payment.Tron {
	sim := tronsim.New(func() string {
		u, err := c.Deposits.USDT(context.Background())
		if err != nil {
			c.Log.Warn("tron simulator: the USDT address", "err", err)
		}
		return u.Address
	})
	m.Handle(TronSimPath+"/", http.StripPrefix(TronSimPath, sim.Handler()))
	return payment.Tron{URL: baseURL + TronSimPath, Every: 2 * time.Second, HTTP: hc}
}
