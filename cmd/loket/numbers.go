package main

import (
	"context"
	"io"

	"github.com/loket/loket/internal/loket"
)

// numberList is the operator's view of virtual-number activations.
func numberList(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("number list", "[--flagged] [--state S] [--username U] [--limit N]",
		"Lists virtual-number activations as JSON lines, newest first.")
	var f loket.ActivationFilter
	c.reseller("only this reseller's activations")
	c.StringVar(&f.State, "state", "", "renting, waiting, received, done, canceled or failed")
	c.BoolVar(&f.Flagged, "flagged", false, "only activations whose rent outcome was unknown (refunded; the supplier may bill it)")
	c.IntVar(&f.Limit, "limit", 50, "at most this many activations")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	f.ResellerID = e.resellerID()
	list, err := a.Numbers.ListActivations(ctx, f)
	if err != nil {
		return err
	}
	for _, a := range list {
		if err := e.print(map[string]any{"id": a.ID, "reseller_id": a.ResellerID, "ref_id": a.RefID, "service": a.ServiceCode,
			"number_id": a.NumberID, "provider_id": a.ProviderID, "operator_id": a.OperatorID, "price": a.Price, "cost": a.Cost,
			"supplier_id": a.SupplierID, "supplier_ref": a.SupplierRef, "phone": a.Phone, "state": a.State, "hold": a.Hold,
			"sms": a.SMSCount, "message": a.Message, "surface": a.Surface, "created_at": a.CreatedAt, "expires_at": a.ExpiresAt,
			"settled_at": a.SettledAt, "flagged": a.Flagged}); err != nil {
			return err
		}
	}
	return nil
}
