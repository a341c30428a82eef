package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

// numberCmd is `loket number ...`: the operator's view of virtual-number activations.
func numberCmd(sub string, args []string, out io.Writer) error {
	switch sub {
	case "list":
		var f loket.ActivationFilter
		var username string
		return command("number list", args, func(fs *flag.FlagSet) {
			fs.StringVar(&username, "username", "", "only this reseller's activations")
			fs.StringVar(&f.State, "state", "", "renting, waiting, received, done, canceled or failed")
			fs.BoolVar(&f.Flagged, "flagged", false, "only activations whose rent outcome was unknown (refunded; the supplier may bill it)")
			fs.IntVar(&f.Limit, "limit", 50, "")
		}, func(ctx context.Context, _ *config.Config, db *store.DB) error {
			if username != "" {
				r, err := db.Reseller(ctx, 0, username)
				if err != nil {
					return err
				}
				f.ResellerID = r.ID
			}
			list, err := db.ListActivations(ctx, f)
			if err != nil {
				return err
			}
			for _, a := range list {
				if err := printJSON(out, map[string]any{"id": a.ID, "reseller_id": a.ResellerID, "ref_id": a.RefID, "service": a.ServiceCode,
					"number_id": a.NumberID, "provider_id": a.ProviderID, "operator_id": a.OperatorID, "price": a.Price, "cost": a.Cost,
					"supplier_id": a.SupplierID, "supplier_ref": a.SupplierRef, "phone": a.Phone, "state": a.State, "hold": a.Hold,
					"sms": a.SMSCount, "message": a.Message, "surface": a.Surface, "created_at": a.CreatedAt, "expires_at": a.ExpiresAt,
					"settled_at": a.SettledAt, "flagged": a.Flagged}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return fmt.Errorf("number %s: unknown subcommand (see loket help)", sub)
}
