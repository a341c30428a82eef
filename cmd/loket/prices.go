package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
)

func markupSet(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("markup set", "--scope all|category|product|numbers [--code C] [--percent P] [--flat N] [--round N] [--yes]",
		`Sets a markup rule: the base price of the products it covers is cost + P% + N, rounded up to a
multiple of --round (a product's rule beats its category's, which beats all's). Scope numbers
prices the virtual-number price list the same way from the suppliers' costs (--code: one
service, by its code such as 14; a service's rule beats the whole list's); without a rule of
numbers LOKET_VN_MARKUP_BP does. It first shows each price before and after (entries of
numbers as vn:SERVICE/NUMBER_ID/PROVIDER) and how many go down, and asks; --yes applies
without asking. Not on a terminal and without --yes it changes nothing. Applied, the changes
are one change set of loket price history, undone by loket price undo.`)
	scope := new(string)
	c.choice(scope, "scope", loket.MarkupScopes, scopesHelp)
	code := c.String("code", "", codeHelp)
	percent := c.String("percent", "0", "percent of the cost, to 0.01 (e.g. 2.5)")
	flat := c.amount("flat", "rupiah added")
	round := c.Int64("round", int64(loket.DefaultRoundTo), "round the price up to a multiple of this rupiah, 1 to 1000000; the default 100 gives whole hundreds (--round 1: no rounding)")
	yes := c.Bool("yes", false, "apply without asking")
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
	m := loket.MarkupRule{Scope: *scope, ScopeCode: *code, MarkupBP: bp, MarkupFlat: *flat, RoundTo: loket.Money(*round)}
	return e.confirmed(*yes, func(apply bool) (*loket.MarkupChange, error) { return a.Catalog.SetMarkupRule(ctx, m, apply) })
}

func markupDelete(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("markup delete", "--scope S [--code C] [--yes]",
		`Deletes a markup rule. The products it covered keep their price, or follow a wider rule that
covers them: deleting a rule does not bring back the prices from before it; loket price undo
of the change set that set the rule does (it is named). The virtual numbers a rule of numbers
covered are repriced at once by the wider rule of numbers, or LOKET_VN_MARKUP_BP. Shows what
would change and asks first, as markup set does; --yes deletes without asking.`)
	scope := new(string)
	c.choice(scope, "scope", loket.MarkupScopes, scopesHelp)
	code := c.String("code", "", codeHelp)
	yes := c.Bool("yes", false, "delete without asking")
	c.require("scope")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	return e.confirmed(*yes, func(apply bool) (*loket.MarkupChange, error) {
		return a.Catalog.DeleteMarkupRule(ctx, *scope, *code, apply)
	})
}

// The help of markup set's and delete's --scope and --code.
const (
	scopesHelp = "all, category, product or numbers (the virtual-number price list)"
	codeHelp   = "the category's or product's code; for numbers, a service's code (none: every service); not with --scope all"
)

// markupResult is what markup set and delete print: the change (or its preview) and
// a sentence on what happened and what may be done next.
type markupResult struct {
	*loket.MarkupChange
	Note string `json:"note"`
}

// Stdin and whether it is a terminal one can be asked on; tests replace them.
var (
	stdin      io.Reader = os.Stdin
	isTerminal           = func() bool { return terminal(os.Stdin) }
)

// terminal reports whether f is a terminal (a character device other than /dev/null).
func terminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}

// confirmed previews a price change (change(false)) and prints it; then applies it
// (change(true)) when yes is set or the operator, asked on a terminal, says so.
// Otherwise nothing changes and it says how to apply.
func (e *env) confirmed(yes bool, change func(apply bool) (*loket.MarkupChange, error)) error {
	c, err := change(false)
	if err != nil {
		return err
	}
	if !yes && isTerminal() {
		if err := e.printChange(c, "preview: nothing changed yet"); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "apply: %d prices change, %d go down? [y/N] ", c.Products, c.Down)
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		yes = strings.EqualFold(strings.TrimSpace(line), "y") || strings.EqualFold(strings.TrimSpace(line), "yes")
		if !yes {
			fmt.Fprintln(e.out, "nothing changed")
			return nil
		}
	}
	if !yes {
		return e.printChange(c, "nothing changed: add --yes to apply")
	}
	if c, err = change(true); err != nil {
		return err
	}
	note := fmt.Sprintf("applied: %d prices changed (%d up, %d down)", c.Products, c.Up, c.Down)
	if c.ID != 0 {
		note += fmt.Sprintf("; loket price undo --id %d restores them", c.ID)
	}
	if c.Before != 0 {
		note += fmt.Sprintf("; the prices from before the rule are not restored by deleting it: loket price undo --id %d does (the set that applied it)", c.Before)
	}
	return e.printChange(c, note)
}

// printChange prints a markup change: one JSON object, or with --format table a table
// of its products (before and after) and the note.
func (e *env) printChange(c *loket.MarkupChange, note string) error {
	if e.format != "table" {
		return printJSON(e.out, markupResult{c, note})
	}
	if len(c.Changes) > 0 {
		if err := printEach(e, c.Changes); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(e.out, "%d covered: %d up, %d down, %d unchanged\n%s\n", c.Covered, c.Up, c.Down, c.Unchanged, note)
	return err
}

func priceHistory(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("price history", "[--limit N]",
		`Lists the change sets of base prices, newest first: each markup rule set or deleted, price
sync, number catalog sync, import or undo that moved prices (of products and of virtual
numbers), with how many went up and down. loket price undo
--id N restores the prices from before one.`)
	c.reads = true
	limit := c.Int("limit", 20, "how many change sets, 1 to 1000")
	c.check = func() error {
		if *limit < 1 || *limit > 1000 {
			return fmt.Errorf("price history: --limit must be 1 to 1000")
		}
		return nil
	}
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	sets, err := a.Catalog.PriceHistory(ctx, *limit)
	if err != nil {
		return err
	}
	return printEach(e, sets)
}

func priceUndo(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("price undo", "--id N [--force] [--yes]",
		`Restores the base prices a change set (loket price history) moved to what they were before
it. The undo is a change set of its own, so it can be undone too. A product whose price moved
again since is refused unless --force. Prices only: a markup rule still in place reprices its
products at the next price sync (delete or change the rule first). Shows what would change
and asks first, as markup set does; --yes restores without asking.`)
	id := c.Int64("id", 0, "the change set's id")
	force := c.Bool("force", false, "restore products whose price moved again since too")
	yes := c.Bool("yes", false, "restore without asking")
	c.require("id")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	return e.confirmed(*yes, func(apply bool) (*loket.MarkupChange, error) {
		set, err := a.Catalog.UndoPrices(ctx, *id, *force, apply)
		if err != nil {
			return nil, err
		}
		return &loket.MarkupChange{PriceChangeSet: *set, Applied: apply, Covered: set.Products}, nil
	})
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
