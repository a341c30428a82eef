package server

import (
	"context"
	"net/http"
	"time"

	"github.com/loket/loket/internal/api"
	"github.com/loket/loket/internal/app"
	"github.com/loket/loket/internal/payment/orderkuota"
	"github.com/loket/loket/internal/payment/simsource"
	"github.com/loket/loket/internal/store"
)

// SimPath is where the demo's simulated payment source is served (CONTRACT.md).
const SimPath = "/sim/orderkuota"

// mountPaymentSimulator serves the simulated source speaking seed 003's protocol and
// has Loket poll it through the real orderkuota client, over HTTP, as it would the
// real service: POST /sim/orderkuota/pay records a payment the matcher then sees.
func mountPaymentSimulator(s *api.Server, a *app.App, baseURL string) {
	sim := simsource.New()
	s.Handle(SimPath+"/", http.StripPrefix(SimPath, sim.Handler()))
	client := orderkuota.New(orderkuota.Config{BaseURL: baseURL + SimPath, APIKey: "demo", Username: "demo", Token: "demo",
		Merchant: "OK1", HTTP: &http.Client{Timeout: 10 * time.Second}})
	a.AddSource(orderkuotaSource{name: "orderkuota-sim", c: client}, 2*time.Second)
}

// orderkuotaSource reads incoming QRIS payments from the mutation history of seed 003.
type orderkuotaSource struct {
	name string
	c    *orderkuota.Client
}

func (o orderkuotaSource) Name() string { return o.name }

func (o orderkuotaSource) Incoming(ctx context.Context) ([]store.Payment, error) {
	ps, err := o.c.Mutations(ctx)
	var out []store.Payment
	for _, p := range ps { // even with an error: the entries that were read are good
		if !p.Incoming {
			continue
		}
		out = append(out, store.Payment{Ref: p.Ref, Method: app.MethodQRIS, Amount: p.Amount, Brand: p.Brand, Buyer: p.Buyer, PaidAt: p.At})
	}
	return out, err
}
