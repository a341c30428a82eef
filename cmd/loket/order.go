package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
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
	c := newCommand("ledger verify", "[--checkpoint | --since-checkpoint] [--progress]",
		"Checks the ledger invariants (entries sum to zero, every balance equals its entries, no reseller below\n"+
			"zero, ...) and prints the totals; exits non-zero and says which broke. On a terminal it shows on\n"+
			"stderr how many entries it has checked.\n\n"+
			"--checkpoint records, when nothing is wrong, a checkpoint of what was verified (each account's sum\n"+
			"and the orders still pending, up to 5 minutes before the verify began); --since-checkpoint starts\n"+
			"from the newest checkpoint and reads only the entries and orders after it (and those pending at\n"+
			"it): it takes as long as what happened since. Only a full verify records a checkpoint; what a\n"+
			"checkpoint covers is read again only by a full verify. loket ledger checkpoints lists them.")
	c.reads = true
	var opt store.VerifyOptions
	c.BoolVar(&opt.Checkpoint, "checkpoint", false, "when nothing is wrong, record a checkpoint of what was verified")
	c.BoolVar(&opt.SinceCheckpoint, "since-checkpoint", false, "verify from the newest checkpoint: only what came after it")
	c.check = func() error {
		if opt.Checkpoint && opt.SinceCheckpoint {
			return errors.New("--checkpoint and --since-checkpoint do not go together: only a full verify records a checkpoint")
		}
		return nil
	}
	pf := c.progress()
	e, err := c.open(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	m := pf.meter("entries checked")
	defer m.stop()
	opt.Progress = m.report()
	r, err := e.db.VerifyLedger(ctx, opt)
	if errors.Is(err, store.ErrNoCheckpoint) {
		return fmt.Errorf("%w: run loket ledger verify --checkpoint (a full verify) first", err)
	}
	if err != nil {
		return err
	}
	m.finish()
	if len(r.Violations) > 0 {
		for _, x := range r.Violations {
			fmt.Fprintf(os.Stderr, "BROKEN %s: %s\n", x.Invariant, x.Detail)
		}
		if opt.Checkpoint {
			fmt.Fprintln(os.Stderr, "no checkpoint recorded")
		}
		return fmt.Errorf("ledger verify: %d invariant violations", len(r.Violations))
	}
	t := r.Totals
	res := map[string]any{"ok": true, "reseller_balances": t.ResellerBalances, "in_flight": t.InFlight,
		"revenue": t.Revenue, "supplier_payable": t.SupplierPayable, "adjustments": t.Adjustments, "payment_sources": t.PaymentSources}
	if r.From != nil {
		res["since_checkpoint"], res["checkpoint_at"] = r.From.ID, r.From.CreatedAt
	}
	if r.Recorded != nil {
		res["checkpoint"] = r.Recorded.ID
	}
	return e.print(res)
}

func ledgerCheckpoints(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("ledger checkpoints", "",
		"Lists the ledger checkpoints kept (the newest 10), newest first: when each was taken, the last entry,\n"+
			"order and virtual-number activation it covers, and how many accounts' sums and pending orders and\n"+
			"activations it keeps. loket ledger verify --checkpoint records one; --since-checkpoint starts from\n"+
			"the newest.")
	c.reads = true
	e, err := c.open(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	list, err := e.db.LedgerCheckpoints(ctx)
	if err != nil {
		return err
	}
	rows := make([]map[string]any, 0, len(list))
	for _, k := range list {
		rows = append(rows, map[string]any{"id": k.ID, "created_at": k.CreatedAt, "entry_id": k.EntryID, "order_id": k.OrderID,
			"activation_id": k.ActivationID, "accounts": k.Accounts, "pending_orders": k.PendingOrders, "pending_activations": k.PendingActivations})
	}
	return printEach(e, rows)
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
