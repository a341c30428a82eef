package main

import (
	"context"
	"fmt"
	"io"

	"github.com/loket/loket/internal/loket"
)

// numberList is the operator's view of virtual-number activations.
func numberList(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("number list", "[--flagged] [--state S] [--username U] [--limit N]",
		"Lists virtual-number activations as JSON lines, newest first.")
	var f loket.ActivationFilter
	c.reseller("only this reseller's activations")
	c.choice(&f.State, "state", []string{"renting", "waiting", "received", "done", "canceled", "failed"}, "only activations in this state: renting, waiting, received, done, canceled or failed")
	c.reads = true
	c.BoolVar(&f.Flagged, "flagged", false, "only activations flagged for the operator: a rent of unknown outcome (renting: decide it with number settle)")
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
	rows := make([]map[string]any, 0, len(list))
	for _, a := range list {
		rows = append(rows, map[string]any{"id": a.ID, "reseller_id": a.ResellerID, "ref_id": a.RefID, "service": a.ServiceCode,
			"number_id": a.NumberID, "provider_id": a.ProviderID, "operator_id": a.OperatorID, "price": a.Price, "cost": a.Cost,
			"supplier_id": a.SupplierID, "supplier_ref": a.SupplierRef, "phone": a.Phone, "state": a.State, "hold": a.Hold,
			"sms": a.SMSCount, "message": a.Message, "surface": a.Surface, "created_at": a.CreatedAt, "expires_at": a.ExpiresAt,
			"settled_at": a.SettledAt, "flagged": a.Flagged})
	}
	return printEach(e, rows)
}

// numberSettle decides by hand a rent whose outcome the supplier left unknown.
func numberSettle(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("number settle", "--id N --status rented|failed [--supplier-ref REF --phone P] [--note TEXT]",
		"Decides by hand an activation still renting (flagged: the supplier's answer to the rent was lost and it\n"+
			"cannot tell), from the supplier's own records. rented records the number the supplier assigned: the\n"+
			"activation then goes on as any other (its window starts now; charged only if a code arrives). failed\n"+
			"refunds it: no number was rented.")
	id := c.Int64("id", 0, "the activation's id")
	status := new(string)
	c.choice(status, "status", []string{"rented", loket.VNFailed}, "rented or failed")
	ref := c.String("supplier-ref", "", "for rented: the supplier's id for the activation (its trxId)")
	phone := c.String("phone", "", "for rented: the phone number the supplier assigned")
	note := c.String("note", "", "why, kept as the activation's message")
	c.require("id", "status")
	c.check = func() error {
		switch {
		case *status == "rented" && (*ref == "" || *phone == ""):
			return fmt.Errorf("number settle: --status rented needs --supplier-ref and --phone")
		}
		return nil
	}
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	act, err := a.Numbers.SettleRent(ctx, *id, *status == "rented", *ref, *phone, *note)
	if err != nil {
		return err
	}
	return e.print(map[string]any{"id": act.ID, "state": act.State, "hold": act.Hold, "supplier_ref": act.SupplierRef,
		"phone": act.Phone, "message": act.Message})
}
