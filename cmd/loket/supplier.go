package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

func supplierAdd(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("supplier add", "--name N --kind KIND --base-url URL [--api-key K] [--secret S] [--member-id M]",
		`Registers an upstream supplier, or changes one by name (and switches it on); prints it as JSON,
without secrets. Its callbacks are received at {LOKET_PUBLIC_URL}/callbacks/{name}.`)
	s := loket.Supplier{Enabled: true}
	c.StringVar(&s.Name, "name", "", "the supplier's name, without spaces or slashes")
	c.choice(&s.Kind, "kind", supplier.Kinds(), orList(supplier.Kinds()))
	c.StringVar(&s.BaseURL, "base-url", "", "what stands in for the scheme and host of the upstream's URLs,\ne.g. https://niskalaapi.socx.app, or http://other-loket/compat/socx")
	c.StringVar(&s.APIKey, "api-key", "", "the upstream's API key or token (empty: keep the stored one)")
	c.StringVar(&s.Secret, "secret", "", "the upstream's secret (empty: keep the stored one)")
	c.StringVar(&s.MemberID, "member-id", "", "the account's member or user id, for the upstreams that ask for one")
	c.require("name", "kind")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	saved, err := a.Catalog.AddSupplier(ctx, s)
	if err != nil {
		return err
	}
	return e.print(saved)
}

func supplierList(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("supplier list", "",
		"Lists the suppliers as JSON lines: each one's balance (asked now), whether routing uses it, its last price sync.")
	c.reads = true
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	// Balances are asked now; whether a server node is skipping a supplier for
	// not answering is that node's (loket_supplier_usable in /metrics).
	a.Orders.CheckBalances(ctx)
	return printEach(e, a.Orders.Suppliers())
}

func supplierSync(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("supplier sync", "--name N [--progress]",
		"Pulls a supplier's price list now into route costs (also done every LOKET_PRICE_SYNC_EVERY) and reprices.\n"+
			"On a terminal it shows on stderr what it is waiting for: the list, then applying its entries.")
	name := c.String("name", "", "the supplier's name")
	c.require("name")
	pf := c.progress()
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	sup, ok := a.Catalog.SupplierByName(*name)
	if !ok {
		return fmt.Errorf("supplier sync: no supplier %q", *name)
	}
	m := pf.meter("price list entries applied")
	defer m.stop()
	stop := m.waiting("reading the price list of " + *name)
	res, err := a.Catalog.SyncPricesProgress(ctx, sup.ID, func(n int) {
		stop()
		m.note(fmt.Sprintf("applying %s price list entries", count(int64(n))))
		m.set(int64(n))
	})
	stop()
	if err != nil {
		return err
	}
	m.finish()
	return e.print(map[string]any{"supplier": *name, "summary": res.Summary(), "result": res})
}

func routeAdd(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("route add", "--product CODE --supplier N --code SUPPLIER_CODE --cost N [--priority N]",
		`Lets a product be bought from a supplier under the supplier's own code (changes the route if there is
one); a markup rule on the product reprices it. Prints the route as JSON.`)
	product := c.String("product", "", "the product's code")
	sup := c.String("supplier", "", "the supplier's name")
	code := c.String("code", "", "the supplier's code of the product")
	cost := c.amount("cost", "what the supplier charges, in rupiah")
	priority := c.Int("priority", 10, "routes are tried in ascending priority")
	c.require("product", "supplier", "code", "cost")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	r, err := a.Catalog.AddRoute(ctx, loket.NewRoute{Product: *product, Supplier: *sup, SupplierCode: *code, Cost: *cost, Priority: *priority})
	if err != nil {
		return err
	}
	return e.print(map[string]any{"id": r.ID, "product": *product, "supplier": *sup, "code": *code, "cost": *cost, "priority": *priority})
}

func catalogImport(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("catalog import", "FILE [--progress]", "Loads a catalog file (YAML or JSON, docs/catalog.md), idempotently; prints what it loaded.\n"+
		"On a terminal it shows on stderr how many of the file's products it has applied.")
	pos, args := c.file(args)
	pf := c.progress()
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	m := pf.meter("products applied")
	defer m.stop()
	m.note("reading " + pos[0])
	sum, err := a.Catalog.ImportProgress(ctx, f, pos[0], m.report())
	if err != nil {
		return err
	}
	m.finish()
	return e.print(sum)
}
