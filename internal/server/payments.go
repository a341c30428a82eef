package server

import (
	"net/http"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/orderkuota"
	"github.com/loket/loket/internal/payment/simsource"
)

// SimPath is where the demo's simulated payment source is served (CONTRACT.md).
const SimPath = "/sim/orderkuota"

// mountPaymentSimulator serves the simulated source speaking seed 003's protocol and
// has Loket poll it through the real orderkuota client, over HTTP, as it would the
// real service: POST /sim/orderkuota/pay records a payment the matcher then sees.
func mountPaymentSimulator(m *httpx.Mux, c *Core, baseURL string) {
	sim := simsource.New()
	m.Handle(SimPath+"/", http.StripPrefix(SimPath, sim.Handler()))
	client := orderkuota.New(orderkuota.Config{BaseURL: baseURL + SimPath, APIKey: "demo", Username: "demo", Token: "demo",
		Merchant: "OK1", HTTP: &http.Client{Timeout: 10 * time.Second}})
	c.Deposits.AddSource(orderkuota.NewSource("orderkuota-sim", loket.MethodQRIS, client), 2*time.Second)
}
