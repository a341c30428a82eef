package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/loket/loket/internal/loket"
)

func orderList(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("order list", "[--flagged] [--status S] [--username U] [--limit N]",
		"Lists orders as JSON lines, newest first, with every supplier attempt, and the cost and margin of\nthose delivered.")
	var f loket.OrderFilter
	c.reseller("only this reseller's orders")
	c.choice(&f.Status, "status", []string{loket.StatusPending, loket.StatusSuccess, loket.StatusFailed}, "only orders in this state: pending, success or failed")
	c.reads = true
	c.BoolVar(&f.Flagged, "flagged", false, "only orders pending past LOKET_PENDING_DEADLINE")
	c.IntVar(&f.Limit, "limit", 50, "at most this many orders")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	f.ResellerID = e.resellerID()
	orders, err := a.Orders.Orders(ctx, f)
	if err != nil {
		return err
	}
	rows := make([]map[string]any, 0, len(orders))
	for _, o := range orders {
		at, err := a.Orders.Attempts(ctx, o.ID)
		if err != nil {
			return err
		}
		row := map[string]any{"id": o.ID, "reseller_id": o.ResellerID, "ref_id": o.RefID, "product": o.ProductCode,
			"target": o.Target, "price": o.Price, "status": o.Status, "sn": o.SN, "created_at": o.CreatedAt,
			"flagged_at": o.FlaggedAt, "attempts": at}
		// What the delivering supplier cost, and what the order earned.
		for _, x := range at {
			if x.Outcome == "success" {
				row["cost"], row["margin"], row["supplier_id"] = x.Cost, o.Price-x.Cost, x.SupplierID
			}
		}
		rows = append(rows, row)
	}
	return printEach(e, rows)
}

func orderSettle(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("order settle", "--id N --status success|failed [--sn SN] [--note TEXT]",
		"Decides a pending order by hand (for orders flagged overdue): success charges it, failed refunds it.")
	id := c.Int64("id", 0, "the order's id")
	status := new(string)
	c.choice(status, "status", []string{loket.StatusSuccess, loket.StatusFailed}, "success or failed")
	sn := c.String("sn", "", "the serial number the supplier gave, for a success")
	note := c.String("note", "", "why, kept with the order")
	c.require("id", "status")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	o, err := a.Orders.SettleByOperator(ctx, *id, *status == loket.StatusSuccess, *sn, *note)
	if err != nil {
		return err
	}
	return e.print(map[string]any{"id": o.ID, "status": o.Status, "sn": o.SN})
}

func ledgerVerify(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("ledger verify", "[--progress]",
		"Checks the ledger invariants (entries sum to zero, every balance equals its entries, no reseller below\nzero, ...) and prints the totals; exits non-zero and says which broke. On a terminal it shows on\nstderr how many entries it has checked.")
	c.reads = true
	pf := c.progress()
	e, err := c.open(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	m := pf.meter("entries checked")
	defer m.stop()
	v, err := e.db.VerifyProgress(ctx, m.report())
	if err != nil {
		return err
	}
	if len(v) > 0 {
		m.finish()
		for _, x := range v {
			fmt.Fprintf(os.Stderr, "BROKEN %s: %s\n", x.Invariant, x.Detail)
		}
		return fmt.Errorf("ledger verify: %d invariant violations", len(v))
	}
	m.note("adding up the totals")
	t, err := e.db.LedgerTotals(ctx)
	if err != nil {
		return err
	}
	m.finish()
	return e.print(map[string]any{"ok": true, "reseller_balances": t.ResellerBalances, "in_flight": t.InFlight,
		"revenue": t.Revenue, "supplier_payable": t.SupplierPayable, "adjustments": t.Adjustments, "payment_sources": t.PaymentSources})
}

func ledgerRebuild(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("ledger rebuild", "",
		"Recomputes the totals kept as the money and the orders move (the rollups that /metrics, the overview and\nthe reports read) from the ledger's entries and the orders, in one transaction that holds writers off\nmeanwhile. Run it when ledger verify says \"rollups match their rows\" is broken; it changes no money.")
	e, err := c.open(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	n, err := e.db.RebuildRollups(ctx)
	if err != nil {
		return err
	}
	return e.print(map[string]any{"ok": true, "rows": n})
}
