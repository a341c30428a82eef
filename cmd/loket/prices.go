package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

// priceCommand runs the price sync and markup commands; ok is false for other commands.
func priceCommand(cmd string, args []string, out io.Writer) (ok bool, err error) {
	switch cmd {
	case "supplier sync":
		var name string
		return true, command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if name == "" {
				return fmt.Errorf("supplier sync: --name is required")
			}
			var id int64
			if err := db.Direct(ctx, func(t *store.Tx) error {
				var err error
				id, err = t.SupplierID(name)
				return err
			}); err != nil {
				return err
			}
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			res, err := a.SyncPrices(ctx, id)
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"supplier": name, "summary": res.Summary(), "result": res})
		})

	case "markup set":
		var scope, code, percent string
		var flat, round int64
		return true, command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&scope, "scope", "", "")
			fs.StringVar(&code, "code", "", "")
			fs.StringVar(&percent, "percent", "0", "")
			fs.Int64Var(&flat, "flat", 0, "")
			fs.Int64Var(&round, "round", 1, "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			bp, err := basisPoints(percent)
			if err != nil {
				return fmt.Errorf("markup set: --percent: %w", err)
			}
			if flat < 0 || round < 1 || round > 1_000_000 {
				return fmt.Errorf("markup set: --flat must be >= 0 and --round between 1 and 1000000")
			}
			if err := checkScope(scope, code); err != nil {
				return fmt.Errorf("markup set: %w", err)
			}
			var moved int
			err = db.Direct(ctx, func(t *store.Tx) error {
				var err error
				moved, err = t.SetMarkupRule(loket.MarkupRule{Scope: scope, ScopeCode: code, MarkupBP: bp, MarkupFlat: loket.Money(flat), RoundTo: loket.Money(round)})
				return err
			})
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"scope": scope, "code": code, "markup_bp": bp, "markup_flat": flat, "round_to": round, "repriced": moved})
		})

	case "markup delete":
		var scope, code string
		return true, command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&scope, "scope", "", "")
			fs.StringVar(&code, "code", "", "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if err := checkScope(scope, code); err != nil {
				return fmt.Errorf("markup delete: %w", err)
			}
			var moved int
			err := db.Direct(ctx, func(t *store.Tx) error {
				var err error
				moved, err = t.DeleteMarkupRule(scope, code)
				return err
			})
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"deleted": true, "scope": scope, "code": code, "repriced": moved})
		})

	case "markup list":
		return true, command(cmd, args, func(*flag.FlagSet) {}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			rules, err := db.MarkupRules(ctx)
			if err != nil {
				return err
			}
			for _, r := range rules {
				if err := printJSON(out, r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return false, nil
}

func checkScope(scope, code string) error {
	switch scope {
	case loket.ScopeAll:
		if code != "" {
			return fmt.Errorf("--scope all takes no --code")
		}
	case loket.ScopeCategory, loket.ScopeProduct:
		if strings.TrimSpace(code) == "" {
			return fmt.Errorf("--scope %s needs --code (the %s's code)", scope, scope)
		}
	default:
		return fmt.Errorf("--scope must be all, category or product")
	}
	return nil
}

// basisPoints reads a percentage such as "5", "2.5" or "0.25" exactly (to 0.01%).
func basisPoints(s string) (int64, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("at most two decimals (0.01%%), got %q", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	if whole == "" {
		whole = "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || w < 0 || w > math.MaxInt32 {
		return 0, fmt.Errorf("want a percentage >= 0 such as 5 or 2.5, got %q", s)
	}
	return w*100 + f, nil
}
