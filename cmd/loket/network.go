package main

import (
	"context"
	"fmt"
	"io"

	"github.com/loket/loket/internal/loket"
)

// treeRow is a reseller in the network tree, with its upline's username.
type treeRow struct {
	loket.Downline
	Upline string `json:"upline,omitempty"`
}

func networkTree(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("network tree", "[--format table|json]",
		"Lists every reseller with its place in the network: depth (0: the operator's own), upline, balance, its upline's "+
			"markup for it over everything, its direct downlines, its orders, their sales and the commission its upline earned on them.")
	c.reads = true
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	ds, err := a.Network.Tree(ctx)
	if err != nil {
		return err
	}
	names := make(map[int64]string, len(ds))
	for _, d := range ds {
		names[d.ID] = d.Username
	}
	rows := make([]treeRow, len(ds))
	for i, d := range ds {
		rows[i] = treeRow{Downline: d, Upline: names[d.UplineID]}
	}
	return printEach(e, rows)
}

func networkLimits(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("network limits", "[--max-depth N] [--max-markup-percent P] [--max-markup-flat N]",
		"Prints the operator's limits on the network; with flags, sets those given (the others stay) and prints them.")
	depth := c.Int("max-depth", 0, "levels of downlines below the operator's resellers (0: none)")
	percent := c.String("max-markup-percent", "", "the largest markup an upline may set for a downline, percent to 0.01 (e.g. 50 or 2.5)")
	flat := c.amount("max-markup-flat", "the largest markup in rupiah per order")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	l, err := a.Network.Limits(ctx)
	if err != nil {
		return err
	}
	if c.given("max-depth") || c.given("max-markup-percent") || c.given("max-markup-flat") {
		if c.given("max-depth") {
			l.MaxDepth = *depth
		}
		if c.given("max-markup-percent") {
			if l.MaxMarkupBP, err = basisPoints(*percent); err != nil {
				return fmt.Errorf("--max-markup-percent: %w", err)
			}
		}
		if c.given("max-markup-flat") {
			l.MaxMarkupFlat = *flat
		}
		if err := a.Network.SetLimits(ctx, l); err != nil {
			return err
		}
	}
	return e.print(l)
}

func networkMove(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("network move", "--from UPLINE --to DOWNLINE --amount N --key K [--up] [--note T]",
		"Moves balance from an upline to one of its direct downlines on the upline's behalf, or with --up back from the "+
			"downline; once per key. Prints both balances after.")
	from := c.String("from", "", "the upline's username")
	to := c.String("to", "", "its direct downline's username")
	amount := c.amount("amount", "rupiah to move")
	key := c.String("key", "", "idempotency key: the same key again (for this upline) moves nothing")
	up := c.Bool("up", false, "move back from the downline's balance to the upline's")
	note := c.String("note", "", "shown in both ledgers")
	c.require("from", "to", "amount", "key")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	if *amount <= 0 || *amount > loket.MaxAmount {
		return fmt.Errorf("--amount must be between 1 and %d", loket.MaxAmount)
	}
	upline, err := e.db.Reseller(ctx, 0, *from)
	if err != nil {
		return err
	}
	downline, err := e.db.Reseller(ctx, 0, *to)
	if err != nil {
		return err
	}
	ra, err := a.Resellers.AuthByID(ctx, upline.ID)
	if err != nil {
		return err
	}
	if err := a.Network.Move(ctx, ra, downline.ID, *amount, *up, *key, *note); err != nil {
		return err
	}
	res := moved{From: upline.Username, To: downline.Username}
	for id, to := range map[int64]*loket.Money{upline.ID: &res.Balance, downline.ID: &res.DownlineBalance} {
		r, err := a.Resellers.Reseller(ctx, id, "")
		if err != nil {
			return err
		}
		*to = r.Balance
	}
	return e.print(res)
}

// moved is what network move prints: both balances after.
type moved struct {
	From            string      `json:"from"`
	Balance         loket.Money `json:"balance"`
	To              string      `json:"to"`
	DownlineBalance loket.Money `json:"downline_balance"`
}
