package main

import (
	"context"
	"io"

	"github.com/loket/loket/internal/loket"
)

func withdrawalList(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("withdrawal list", "[--status pending|approved|rejected] [--username U] [--limit N]",
		"Lists the profit withdrawals resellers asked for, as JSON lines.")
	var f loket.WithdrawalFilter
	c.choice(&f.Status, "status", []string{"pending", "approved", "rejected"}, "only withdrawals in this state: pending, approved or rejected")
	c.reads = true
	c.reseller("only this reseller's")
	c.IntVar(&f.Limit, "limit", 100, "at most this many withdrawals")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	f.ResellerID = e.resellerID()
	ws, err := a.Dropship.Withdrawals(ctx, f)
	if err != nil {
		return err
	}
	return printEach(e, ws)
}

func withdrawalApprove(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("withdrawal approve", "--id N --note TRANSFER_REF", "Approves a pending withdrawal once it is paid out.")
	return decideWithdrawal(ctx, c, args, out, true, "the transfer's reference")
}

func withdrawalReject(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("withdrawal reject", "--id N --note REASON", "Rejects a pending withdrawal; the profit goes back to the reseller.")
	return decideWithdrawal(ctx, c, args, out, false, "why, for the reseller")
}

func decideWithdrawal(ctx context.Context, c *command, args []string, out io.Writer, approve bool, noteHelp string) error {
	id := c.Int64("id", 0, "the withdrawal's id")
	note := c.String("note", "", noteHelp)
	c.require("id")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	w, err := a.Dropship.DecideWithdrawal(ctx, *id, approve, *note)
	if err != nil {
		return err
	}
	return e.print(w)
}

func dropshipRefunds(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("dropship refunds", "[--username U]",
		"Lists failed dropship orders whose customer is owed the payment, as JSON lines.")
	c.reads = true
	c.reseller("only this reseller's")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	ds, err := a.Dropship.RefundsOwed(ctx, e.resellerID(), 500)
	if err != nil {
		return err
	}
	return printEach(e, ds)
}

func dropshipRefund(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("dropship refund", "--order N --note TRANSFER_REF", "Records that a dropship order's customer was paid back.")
	id := c.Int64("order", 0, "the dropship order's id")
	note := c.String("note", "", "the transfer's reference")
	c.require("order")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	d, err := a.Dropship.RefundDropship(ctx, *id, *note)
	if err != nil {
		return err
	}
	return e.print(d)
}
