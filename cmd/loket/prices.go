package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
)

func markupSet(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("markup set", "--scope all|category|product [--code C] [--percent P] [--flat N] [--round N]",
		`Sets a markup rule: the base price of the products it covers is cost + P% + N, rounded up to a
multiple of --round (a product's rule beats its category's, which beats all's). Reprices at once.`)
	scope := new(string)
	c.choice(scope, "scope", []string{"all", "category", "product"}, "all, category or product")
	code := c.String("code", "", "the category's or product's code (not with --scope all)")
	percent := c.String("percent", "0", "percent of the cost, to 0.01 (e.g. 2.5)")
	flat := c.amount("flat", "rupiah added")
	round := c.Int64("round", 1, "round the price up to a multiple of this, 1 to 1000000")
	c.require("scope")
	var bp int64
	c.check = func() (err error) {
		if bp, err = basisPoints(*percent); err != nil {
			return fmt.Errorf("markup set: --percent: %w", err)
		}
		return nil
	}
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	moved, err := a.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: *scope, ScopeCode: *code, MarkupBP: bp, MarkupFlat: *flat, RoundTo: loket.Money(*round)})
	if err != nil {
		return err
	}
	return e.print(map[string]any{"scope": *scope, "code": *code, "markup_bp": bp, "markup_flat": *flat, "round_to": *round, "repriced": moved})
}

func markupDelete(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("markup delete", "--scope S [--code C]",
		"Deletes a markup rule; the products it covered keep their price or follow a wider rule.")
	scope := new(string)
	c.choice(scope, "scope", []string{"all", "category", "product"}, "all, category or product")
	code := c.String("code", "", "the category's or product's code (not with --scope all)")
	c.require("scope")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	moved, err := a.Catalog.DeleteMarkupRule(ctx, *scope, *code)
	if err != nil {
		return err
	}
	return e.print(map[string]any{"deleted": true, "scope": *scope, "code": *code, "repriced": moved})
}

func markupList(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("markup list", "", "Lists the markup rules as JSON lines.")
	c.reads = true
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	rules, err := a.Catalog.MarkupRules(ctx)
	if err != nil {
		return err
	}
	return printEach(e, rules)
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
