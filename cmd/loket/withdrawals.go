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

// withdrawalCommand runs the operator's withdrawal and dropship refund commands; ok is
// false for others.
func withdrawalCommand(cmd string, args []string, out io.Writer) (ok bool, err error) {
	switch cmd {
	case "withdrawal list":
		var f loket.WithdrawalFilter
		var username string
		return true, command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&f.Status, "status", "", "pending, approved or rejected")
			fs.StringVar(&username, "username", "", "only this reseller's")
			fs.IntVar(&f.Limit, "limit", 100, "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if username != "" {
				r, err := db.Reseller(ctx, 0, username)
				if err != nil {
					return err
				}
				f.ResellerID = r.ID
			}
			ws, err := db.Withdrawals(ctx, f)
			if err != nil {
				return err
			}
			for _, w := range ws {
				if err := printJSON(out, w); err != nil {
					return err
				}
			}
			return nil
		})

	case "withdrawal approve", "withdrawal reject":
		var id int64
		var note string
		return true, command(cmd, args, func(fs *flag.FlagSet) {
			fs.Int64Var(&id, "id", 0, "")
			fs.StringVar(&note, "note", "", "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if id <= 0 {
				return fmt.Errorf("%s: --id is required", cmd)
			}
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			w, err := a.DecideWithdrawal(ctx, id, cmd == "withdrawal approve", note)
			if err != nil {
				return err
			}
			return printJSON(out, w)
		})

	case "dropship refunds":
		var username string
		return true, command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&username, "username", "", "only this reseller's")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			var id int64
			if username != "" {
				r, err := db.Reseller(ctx, 0, username)
				if err != nil {
					return err
				}
				id = r.ID
			}
			ds, err := db.RefundsOwed(ctx, id, 500)
			if err != nil {
				return err
			}
			for _, d := range ds {
				if err := printJSON(out, d); err != nil {
					return err
				}
			}
			return nil
		})

	case "dropship refund":
		var id int64
		var note string
		return true, command(cmd, args, func(fs *flag.FlagSet) {
			fs.Int64Var(&id, "order", 0, "")
			fs.StringVar(&note, "note", "", "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if id <= 0 {
				return fmt.Errorf("dropship refund: --order is required")
			}
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			d, err := a.RefundDropship(ctx, id, note)
			if err != nil {
				return err
			}
			return printJSON(out, d)
		})
	}
	return false, nil
}
