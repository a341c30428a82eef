package catalog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// The operator's changes to the catalog. Each is one transaction that also bumps the
// catalog's version, so every node reloads its copy; this node reloads at once.

// change runs f in one transaction with the catalog's version bumped, then reloads.
func (s *Service) change(ctx context.Context, f func(t *store.Tx) error) error {
	err := s.db.Direct(ctx, func(t *store.Tx) error {
		if err := f(t); err != nil {
			return err
		}
		return t.BumpCatalog()
	})
	if err != nil {
		return err
	}
	return s.Refresh(ctx)
}

// AddSupplier adds a supplier or changes its settings, by name. Zero fields keep what
// is stored: empty credentials keep the stored ones, and Enabled false keeps an
// existing supplier's switch (a new supplier is enabled). The settings are checked by
// making the supplier's client before anything is saved. It returns the supplier as
// given, with its id and whether it is enabled.
func (s *Service) AddSupplier(ctx context.Context, sup loket.Supplier) (*loket.Supplier, error) {
	sup.Name, sup.BaseURL, sup.MemberID = strings.TrimSpace(sup.Name), strings.TrimSpace(sup.BaseURL), strings.TrimSpace(sup.MemberID)
	sup.APIKey, sup.Secret = strings.TrimSpace(sup.APIKey), strings.TrimSpace(sup.Secret)
	if err := loket.CheckTexts("name", sup.Name, "kind", sup.Kind, "base_url", sup.BaseURL, "api_key", sup.APIKey, "secret", sup.Secret,
		"member_id", sup.MemberID); err != nil {
		return nil, err
	}
	if sup.Name == "" || strings.ContainsAny(sup.Name, " /") {
		// The name is a path segment of the callback URL.
		return nil, loket.FieldError(loket.EINVALID, "name", "a supplier's name is required and may not contain spaces or slashes")
	}
	check := supplier.Config{Name: sup.Name, Kind: sup.Kind, BaseURL: sup.BaseURL, APIKey: sup.APIKey, Secret: sup.Secret, MemberID: sup.MemberID}
	stored, err := s.db.Suppliers(ctx)
	if err != nil {
		return nil, err
	}
	existing := false
	for _, x := range stored {
		if x.Name != sup.Name {
			continue
		}
		existing = true
		sup.Enabled = sup.Enabled || x.Enabled
		// The check needs the credentials the save keeps.
		check.APIKey = cmp.Or(check.APIKey, x.APIKey)
		check.Secret = cmp.Or(check.Secret, x.Secret)
		check.MemberID = cmp.Or(check.MemberID, x.MemberID)
	}
	if !existing {
		sup.Enabled = true
	}
	if _, err := supplier.New(check); err != nil {
		return nil, loket.Errorf(loket.EINVALID, "%v", err)
	}
	err = s.change(ctx, func(t *store.Tx) (err error) {
		sup.ID, err = t.UpsertSupplier(sup)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The supplier's payable account must exist before an order is posted to it. House
	// accounts are made in a transaction of their own (store.DB.EnsureAccount), so not
	// in the one above.
	if _, err := s.db.EnsureAccount(ctx, store.SupplierAccount(sup.ID), store.KindSupplierPayable); err != nil {
		return nil, err
	}
	return &sup, nil
}

// AddRoute lets a product be bought from a supplier under the supplier's own code, at
// a cost and a priority (routes are tried in ascending priority); a route of the same
// product and supplier is changed. A markup rule covering the product reprices it from
// its (new) reference route. It returns the route as the catalog now has it.
func (s *Service) AddRoute(ctx context.Context, r loket.NewRoute) (*loket.Route, error) {
	r.Product, r.Supplier, r.SupplierCode = strings.TrimSpace(r.Product), strings.TrimSpace(r.Supplier), strings.TrimSpace(r.SupplierCode)
	if err := loket.CheckTexts("product", r.Product, "supplier", r.Supplier, "code", r.SupplierCode); err != nil {
		return nil, err
	}
	switch {
	case r.Product == "":
		return nil, loket.FieldError(loket.EINVALID, "product", "the product's code is required")
	case r.Supplier == "":
		return nil, loket.FieldError(loket.EINVALID, "supplier", "the supplier's name is required")
	case r.SupplierCode == "":
		return nil, loket.FieldError(loket.EINVALID, "code", "the supplier's code of the product is required")
	case r.Cost < 0 || r.Cost > loket.MaxAmount:
		return nil, loket.FieldError(loket.EINVALID, "cost", "the cost must be between 0 and %d", loket.MaxAmount)
	}
	var id, pid int64
	err := s.change(ctx, func(t *store.Tx) error {
		var err error
		if pid, err = t.ProductID(r.Product); err != nil {
			return err
		}
		sid, err := t.SupplierID(r.Supplier)
		if err != nil {
			return err
		}
		if id, err = t.UpsertRoute(pid, sid, r.SupplierCode, r.Cost, r.Priority); err != nil {
			return err
		}
		t.PriceCause(fmt.Sprintf("route add %s %s", r.Product, r.Supplier))
		_, err = t.Reprice([]int64{pid})
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, route := range s.Catalog().Routes[pid] {
		if route.ID == id {
			return &route, nil
		}
	}
	return nil, fmt.Errorf("route %d of %s is not in the catalog after its change", id, r.Product)
}

// maxRoundTo bounds a markup rule's rounding.
const maxRoundTo loket.Money = 1_000_000

// SetMarkupRule sets the markup rule of a scope (all, a category or a product, by code;
// or numbers, the virtual-number price list, optionally one service by its code) and
// reprices the products (price-list entries) it covers from their route costs, recorded
// as one change set
// (loket price history, price undo). A negative markup is refused (by
// store.Tx.SetMarkupRule): Loket does not sell below cost. With apply false it is a
// preview: it says what the change would do and writes nothing.
func (s *Service) SetMarkupRule(ctx context.Context, m loket.MarkupRule, apply bool) (*loket.MarkupChange, error) {
	m.ScopeCode = strings.TrimSpace(m.ScopeCode)
	if err := checkMarkupScope(m.Scope, m.ScopeCode); err != nil {
		return nil, err
	}
	if m.RoundTo < 1 || m.RoundTo > maxRoundTo {
		return nil, loket.FieldError(loket.EINVALID, "round", "rounding must be between 1 and %d", maxRoundTo)
	}
	return s.markupChange(ctx, apply, m.Scope, m.ScopeCode, func(t *store.Tx) error {
		_, err := t.SetMarkupRule(m)
		return err
	})
}

// DeleteMarkupRule removes the markup rule of a scope. The products it covered keep their
// base price, or follow a wider rule that still covers them; the change set that last
// set the rule is named (MarkupChange.Before), since undoing it restores the prices
// from before the rule. With apply false it is a preview.
func (s *Service) DeleteMarkupRule(ctx context.Context, scope, code string, apply bool) (*loket.MarkupChange, error) {
	code = strings.TrimSpace(code)
	if err := checkMarkupScope(scope, code); err != nil {
		return nil, err
	}
	var before int64
	c, err := s.markupChange(ctx, apply, scope, code, func(t *store.Tx) (err error) {
		if _, err = t.DeleteMarkupRule(scope, code); err != nil {
			return err
		}
		before, err = t.LastMarkupSet(scope, code)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.Before = before
	return c, nil
}

// errPreview rolls a preview's transaction back.
var errPreview = errors.New("preview: rolled back")

// markupChange runs f, a markup rule's change, in one transaction and says what it did
// to the prices of the scope's products. With apply false the transaction is rolled
// back: the preview is the change itself, not written, so applying it after does the
// same unless the catalog changed in between.
func (s *Service) markupChange(ctx context.Context, apply bool, scope, code string, f func(t *store.Tx) error) (*loket.MarkupChange, error) {
	var c loket.MarkupChange
	run := func(t *store.Tx) (err error) {
		c = loket.MarkupChange{Applied: apply}
		c.At = time.Now().UTC()
		if c.Covered, err = t.MarkupCovered(scope, code); err != nil {
			return err
		}
		if err := f(t); err != nil {
			return err
		}
		c.Cause = t.PriceSetCause()
		if c.ID = t.PriceSet(); c.ID != 0 {
			if c.Changes, err = t.PriceSetMoves(c.ID); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.changeOrPreview(ctx, apply, run); err != nil {
		return nil, err
	}
	if !apply {
		c.ID = 0 // the set was not kept
	}
	c.Count()
	c.Unchanged = max(c.Covered-c.Products, 0)
	return &c, nil
}

// changeOrPreview runs f as a catalog change (change) when apply is set, else in a
// transaction rolled back after it: a preview that writes nothing.
func (s *Service) changeOrPreview(ctx context.Context, apply bool, f func(t *store.Tx) error) error {
	if apply {
		return s.change(ctx, f)
	}
	err := s.db.Direct(ctx, func(t *store.Tx) error {
		if err := f(t); err != nil {
			return err
		}
		return errPreview
	})
	if errors.Is(err, errPreview) {
		return nil
	}
	return err
}

// PriceHistory lists the latest limit change sets of base prices, newest first.
func (s *Service) PriceHistory(ctx context.Context, limit int) ([]loket.PriceChangeSet, error) {
	return s.db.PriceChangeSets(ctx, limit)
}

// UndoPrices restores the prices a change set moved to what they were before it, as a
// new change set (which can be undone in turn). Products that moved again since are
// refused (conflict), unless force. See store.Tx.UndoPriceSet. With apply false it is a
// preview: the set it returns has id 0 and nothing is written.
func (s *Service) UndoPrices(ctx context.Context, id int64, force, apply bool) (*loket.PriceChangeSet, error) {
	var set *loket.PriceChangeSet
	err := s.changeOrPreview(ctx, apply, func(t *store.Tx) (err error) {
		set, err = t.UndoPriceSet(id, force)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !apply {
		set.ID = 0
	}
	return set, nil
}

func checkMarkupScope(scope, code string) error {
	if err := loket.CheckText("code", code, loket.MaxText); err != nil {
		return err
	}
	switch scope {
	case loket.ScopeAll:
		if code != "" {
			return loket.FieldError(loket.EINVALID, "code", "scope all takes no code")
		}
	case loket.ScopeCategory, loket.ScopeProduct:
		if code == "" {
			return loket.FieldError(loket.EINVALID, "code", "scope %s needs a code (the %s's code)", scope, scope)
		}
	case loket.ScopeNumbers: // a service's code, or none: checked by the store
	default:
		return loket.FieldError(loket.EINVALID, "scope", "scope must be %s", strings.Join(loket.MarkupScopes, ", "))
	}
	return nil
}

// Import applies a catalog file (YAML or JSON, see the package documentation) in one
// transaction and reloads the catalog; name is the file's name in error messages.
func (s *Service) Import(ctx context.Context, r io.Reader, name string) (loket.ImportSummary, error) {
	sum, err := Import(ctx, s.db, r, name)
	if err != nil {
		return sum, err
	}
	return sum, s.Refresh(ctx)
}

// Levels lists the price levels.
func (s *Service) Levels(ctx context.Context) ([]loket.Level, error) { return s.db.Levels(ctx) }

// SetLevel creates or changes a price level: a markup over every base price.
func (s *Service) SetLevel(ctx context.Context, l loket.Level) error {
	// Checked before lowering, which would make invalid bytes U+FFFD.
	if err := loket.CheckText("name", l.Name, loket.MaxText); err != nil {
		return err
	}
	l.Name = strings.ToLower(strings.TrimSpace(l.Name))
	switch {
	case l.Name == "" || len(l.Name) > 32 || !loket.Printable(l.Name):
		return loket.FieldError(loket.EINVALID, "name", "a level's name is 1-32 printable characters")
	case l.MarkupBP < 0 || l.MarkupBP > 100_000:
		return loket.FieldError(loket.EINVALID, "percent", "a level's markup is 0%% to 1000%%")
	case l.MarkupFlat < 0 || l.MarkupFlat > loket.MaxAmount:
		return loket.FieldError(loket.EINVALID, "flat", "a level's flat markup is zero or more rupiah")
	}
	return s.change(ctx, func(t *store.Tx) error { return t.UpsertLevel(l) })
}

// SetSupplierEnabled switches a supplier on or off for new orders (and its price sync).
func (s *Service) SetSupplierEnabled(ctx context.Context, id int64, enabled bool) error {
	if err := s.Refresh(ctx); err != nil {
		return err
	}
	sc, ok := s.SupplierConfig(id)
	if !ok {
		return loket.Errorf(loket.ENOTFOUND, "no supplier %d", id)
	}
	sc.Enabled = enabled
	sc.APIKey, sc.Secret = "", "" // kept as stored
	return s.change(ctx, func(t *store.Tx) error {
		_, err := t.UpsertSupplier(sc)
		return err
	})
}

// MarkupRules lists the markup rules.
func (s *Service) MarkupRules(ctx context.Context) ([]loket.MarkupRule, error) {
	return s.db.MarkupRules(ctx)
}

// SupplierKinds lists the kinds of upstream this Loket can buy from (loket supplier
// add --kind).
func (s *Service) SupplierKinds() []string { return supplier.Kinds() }
