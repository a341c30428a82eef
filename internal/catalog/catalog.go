// Package catalog imports what Loket sells from a catalog file, and holds the demo
// dataset (demo.yaml) that `loket demo` loads.
//
// A catalog file is YAML (JSON, being YAML, works too). Every section is optional and
// every item is created or updated by its code (levels and suppliers by name), so
// importing the same file twice changes nothing; nothing is ever deleted. The whole
// file is applied in one transaction: all of it or none of it.
//
//	levels:        # price levels: a markup on every product's base price
//	  - {name: reseller, markup_percent: 0, markup_flat: 0}  # percent may be 2.5 (stored as 250 basis points)
//	suppliers:     # upstreams, by name
//	  - {name: sim, kind: sim, base_url: "", api_key: "", secret: "", member_id: "", enabled: true}
//	categories:
//	  - {code: pulsa, name: Pulsa, target: msisdn}  # target: msisdn | meter | game | any (default any)
//	brands:        # seed 001 calls these providers
//	  - code: AKV-BJ
//	    id: 9                  # optional explicit id, for ids others already know
//	    name: Astra Knights of Veda V3
//	    category: games
//	    icon: https://...      # optional
//	    active: true           # default true
//	    forms:                 # what an order must carry; type text, or dropdown with options
//	      - {label: UID, key: id, type: text}
//	      - {label: Server, key: server, type: dropdown, options: [{name: AMERICAS, code: "10040400"}]}
//	products:
//	  - code: HSA5
//	    id: 1                  # optional explicit id
//	    name: Three 5.000
//	    brand: THREE
//	    price: 5400            # base price, whole rupiah
//	    active: true           # default true
//	    stock: null            # null or absent: unlimited; otherwise a whole number >= 0
//	    description: ""
//	    prices: {gold: 5300}   # optional fixed prices per level
//	    routes:                # where to buy it; code defaults to the product's code
//	      - {supplier: sim, code: HSA5, cost: 5300, priority: 100}  # priority default 10, lower first
//
// Rules: codes and names of levels and suppliers are non-empty, without whitespace, at
// most 64 characters; amounts are whole rupiah from 0 to loket.MaxAmount; a dropdown
// has at least one option and a text field none; form keys are unique within a brand.
// A brand's category, a product's brand, a route's supplier and a level in prices may be
// defined in the same file or already be in the database. Unknown fields are errors,
// so a misspelt field never passes unnoticed. Items with a fixed id are written before
// the others, which are numbered after them; a fixed id that another item holds, or
// that differs from the id an existing item (same code) has, is a conflict.
//
// Problems are reported together (up to 20), before anything is written, each as
// "file:line: path: message", e.g.
//
//	catalog.yaml:42: products[3].price: must be a whole number of rupiah >= 0, not -5
//
// in one *loket.Error with code loket.EINVALID.
package catalog

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

// DemoLevel is the demo's default price level, the one resellers get unless told.
const DemoLevel = "reseller"

// DemoSupplier is the simulator supplier every demo product routes to.
const DemoSupplier = "sim"

//go:embed demo.yaml
var demo []byte

// Demo returns the demo catalog file.
func Demo() []byte { return bytes.Clone(demo) }

// LoadDemo imports the demo dataset (demo.yaml). Like every import it is idempotent.
func LoadDemo(ctx context.Context, db *store.DB) (loket.ImportSummary, error) {
	return Import(ctx, db, bytes.NewReader(demo), "demo.yaml")
}

// Import applies the catalog file read from r, in one transaction. name is the file's
// name, used in error messages. Invalid files are refused whole with an *loket.Error
// of code loket.EINVALID that names the line and field of each problem.
func Import(ctx context.Context, db *store.DB, r io.Reader, name string) (loket.ImportSummary, error) {
	return ImportProgress(ctx, db, r, name, nil)
}

// ImportProgress is Import telling progress, when progress is not nil: the products
// applied (done) of those in the file (total), from (0, total) once the file is read.
func ImportProgress(ctx context.Context, db *store.DB, r io.Reader, name string, progress func(done, total int64)) (loket.ImportSummary, error) {
	if name == "" {
		name = "catalog"
	}
	f, p := parse(r, name)
	if p.failed() {
		return loket.ImportSummary{}, p.err()
	}
	sum := loket.ImportSummary{
		Levels:     len(f.Levels),
		Categories: len(f.Categories),
		Brands:     len(f.Brands),
		Products:   len(f.Products),
		Suppliers:  len(f.Suppliers),
	}
	for _, x := range f.Products {
		sum.Routes += len(x.Routes)
	}
	sum.VNServices, sum.VNCountries = len(f.VN.Services), len(f.VN.Countries)
	if sum == (loket.ImportSummary{}) {
		return sum, nil
	}
	var suppliers []int64
	err := db.Direct(ctx, func(t *store.Tx) error {
		// Direct may run this again after a transient failure: start afresh.
		a := &applier{t: t, p: &parser{name: name}, f: f, progress: progress}
		t.PriceCause("catalog import " + name)
		err := a.apply()
		suppliers = a.suppliers
		return err
	})
	if err != nil {
		return loket.ImportSummary{}, err
	}
	for _, id := range suppliers {
		if _, err := db.EnsureAccount(ctx, store.SupplierAccount(id), store.KindSupplierPayable); err != nil {
			return sum, fmt.Errorf("%s: catalog imported, but the supplier account is missing: %w", name, err)
		}
	}
	return sum, nil
}

// ImportProgress is Service.Import telling progress as the package's ImportProgress does.
func (s *Service) ImportProgress(ctx context.Context, r io.Reader, name string, progress func(done, total int64)) (loket.ImportSummary, error) {
	sum, err := ImportProgress(ctx, s.db, r, name, progress)
	if err != nil {
		return sum, err
	}
	return sum, s.Refresh(ctx)
}

// applier writes a validated file in a transaction.
type applier struct {
	t *store.Tx
	p *parser
	f *file

	categories map[string]int64
	brands     map[string]int64
	supplierID map[string]int64
	suppliers  []int64 // created, updated or routed to: each needs its payable account

	progress func(done, total int64) // told of the products applied, or nil
	applied  int64
}

// virtualNumbers writes the virtual-number catalog.
func (a *applier) virtualNumbers() error {
	for _, s := range a.f.VN.Services {
		if err := a.t.UpsertVNService(s); err != nil {
			return err
		}
	}
	for _, c := range a.f.VN.Countries {
		if err := a.t.UpsertVNCountry(c.VNCountry); err != nil {
			return err
		}
		for _, p := range c.Prices {
			if err := a.t.UpsertVNPrice(p); err != nil {
				return err
			}
		}
		for _, o := range c.Operators {
			if err := a.t.UpsertVNOperator(c.NumberID, o.ProviderID, o.VNOperator); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *applier) apply() error {
	a.tell()
	if err := a.virtualNumbers(); err != nil {
		return err
	}
	a.categories = map[string]int64{}
	a.brands = map[string]int64{}
	a.supplierID = map[string]int64{}
	if err := a.resolve(); err != nil {
		return err
	}
	t := a.t
	for _, l := range a.f.Levels {
		if err := t.UpsertLevel(l.Level); err != nil {
			return a.wrap(l.pos, err)
		}
	}
	for _, s := range a.f.Suppliers {
		id, err := t.UpsertSupplier(s.Supplier)
		if err != nil {
			return a.wrap(s.pos, err)
		}
		a.addSupplier(s.Name, id)
	}
	for _, c := range a.f.Categories {
		id, err := t.UpsertCategory(c.Category)
		if err != nil {
			return a.wrap(c.pos, err)
		}
		a.categories[c.Code] = id
	}
	// Items with explicit ids go first, and the sequences are moved past them before
	// the others are numbered, so no generated id can take an id the file names.
	for _, explicit := range []bool{true, false} {
		for _, b := range a.f.Brands {
			if (b.ID != 0) != explicit {
				continue
			}
			id, err := t.UpsertBrand(b.Brand, a.categories[b.Category])
			if err != nil {
				return a.wrap(b.pos, err)
			}
			if err := a.sameID(b.pos, "brand", b.Code, b.ID, id); err != nil {
				return err
			}
			a.brands[b.Code] = id
		}
		if err := t.SyncSequences(); err != nil {
			return err
		}
	}
	for _, explicit := range []bool{true, false} {
		for _, x := range a.f.Products {
			if (x.ID != 0) != explicit {
				continue
			}
			if err := a.product(x); err != nil {
				return err
			}
			a.applied++
			a.tell()
		}
		if err := t.SyncSequences(); err != nil {
			return err
		}
	}
	return t.BumpCatalog()
}

// tell reports the products applied so far.
func (a *applier) tell() {
	if a.progress != nil {
		a.progress(a.applied, int64(len(a.f.Products)))
	}
}

func (a *applier) product(x productItem) error {
	t := a.t
	old, existed, err := t.ProductBasePrice(x.Code)
	if err != nil {
		return a.wrap(x.pos, err)
	}
	id, err := t.UpsertProduct(x.Product, a.brands[x.Brand])
	if err != nil {
		return a.wrap(x.pos, err)
	}
	if existed && old != x.BasePrice {
		// Resellers are told, once, by the price fan-out job this enqueues.
		if err := t.RecordPriceChange(id, old, x.BasePrice); err != nil {
			return a.wrap(x.pos, err)
		}
	}
	if err := a.sameID(x.pos, "product", x.Code, x.ID, id); err != nil {
		return err
	}
	for _, pr := range x.Prices {
		if err := t.SetOverride(id, pr.Level, pr.Price); err != nil {
			return a.wrap(pr.pos, err)
		}
	}
	for _, c := range x.Commissions {
		if err := t.SetCommission(id, c.Level, c.Price); err != nil {
			return a.wrap(c.pos, err)
		}
	}
	for _, r := range x.Routes {
		if _, err := t.UpsertRoute(id, a.supplierID[r.Supplier], r.Code, r.Cost, r.Priority); err != nil {
			return a.wrap(r.pos, err)
		}
	}
	return nil
}

func (a *applier) addSupplier(name string, id int64) {
	if _, ok := a.supplierID[name]; !ok {
		a.suppliers = append(a.suppliers, id)
	}
	a.supplierID[name] = id
}

// resolve looks up, before anything is written, the references the file leaves to the
// database, and reports every one that is missing.
func (a *applier) resolve() error {
	type key struct{ kind, name string }
	found := map[key]bool{}
	for _, r := range a.f.refs {
		k := key{r.kind, r.name}
		ok, seen := found[k]
		if !seen {
			var err error
			if ok, err = a.lookup(r.kind, r.name); err != nil {
				return err
			}
			found[k] = ok
		}
		if !ok {
			a.p.failAt(r.pos, "no %s %q in this file or in the database", r.kind, r.name)
		}
	}
	return a.p.err()
}

// lookup finds an item of the database by code (levels and suppliers by name).
func (a *applier) lookup(kind, name string) (bool, error) {
	t := a.t
	var id int64
	var err error
	switch kind {
	case refCategory:
		if id, err = t.CategoryID(name); err == nil {
			a.categories[name] = id
		}
	case refBrand:
		if id, err = t.BrandID(name); err == nil {
			a.brands[name] = id
		}
	case refSupplier:
		if id, err = t.SupplierID(name); err == nil {
			a.addSupplier(name, id)
		}
	case refLevel:
		return t.LevelExists(name)
	default:
		return false, fmt.Errorf("catalog: unknown reference kind %q", kind)
	}
	if loket.ErrorCode(err) == loket.ENOTFOUND {
		return false, nil
	}
	return err == nil, err
}

// sameID refuses a fixed id that an existing item does not have: the upsert keeps the
// id an item was created with, and the ids the file names are there to be relied on.
func (a *applier) sameID(at pos, what, code string, want, got int64) error {
	if want == 0 || want == got {
		return nil
	}
	path := join(at.path, "id")
	return loket.FieldError(loket.ECONFLICT, path, "%s", a.p.format(pos{at.line, path},
		fmt.Sprintf("%s %s already exists with id %d, not %d", what, code, got, want)))
}

// wrap names the item a database error is about. The cause stays wrapped, so that the
// transaction is retried after a transient failure.
func (a *applier) wrap(at pos, err error) error {
	var le *loket.Error
	if errors.As(err, &le) {
		path := at.path
		if le.Field != "" {
			path = join(path, le.Field)
		}
		return loket.FieldError(le.Code, path, "%s", a.p.format(pos{at.line, path}, le.Message))
	}
	return fmt.Errorf("%s: %w", a.p.format(at, "writing"), err)
}
