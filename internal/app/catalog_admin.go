package app

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// The operator's changes to the catalog by hand, from `loket` and the dashboard alike,
// with the signatures of loket.CatalogService: this file is to join the catalog
// service (internal/catalog/admin.go). Each is checked here, then made in one
// transaction (changeCatalog).

// AddSupplier adds a supplier or changes its settings, by name. Zero fields keep what
// is stored: empty credentials keep the stored ones, and Enabled false keeps an
// existing supplier's switch (a new supplier is enabled). The settings are checked by
// making the supplier's client before anything is saved. It returns the supplier as
// given, with its id and whether it is enabled.
func (a *App) AddSupplier(ctx context.Context, s loket.Supplier) (*loket.Supplier, error) {
	s.Name, s.BaseURL, s.MemberID = strings.TrimSpace(s.Name), strings.TrimSpace(s.BaseURL), strings.TrimSpace(s.MemberID)
	s.APIKey, s.Secret = strings.TrimSpace(s.APIKey), strings.TrimSpace(s.Secret)
	if s.Name == "" || strings.ContainsAny(s.Name, " /") {
		// The name is a path segment of the callback URL.
		return nil, loket.FieldError(loket.EINVALID, "name", "a supplier's name is required and may not contain spaces or slashes")
	}
	check := supplier.Config{Name: s.Name, Kind: s.Kind, BaseURL: s.BaseURL, APIKey: s.APIKey, Secret: s.Secret, MemberID: s.MemberID}
	stored, err := a.DB.Suppliers(ctx)
	if err != nil {
		return nil, err
	}
	existing := false
	for _, x := range stored {
		if x.Name != s.Name {
			continue
		}
		existing = true
		s.Enabled = s.Enabled || x.Enabled
		// The check needs the credentials the save keeps.
		check.APIKey = cmp.Or(check.APIKey, x.APIKey)
		check.Secret = cmp.Or(check.Secret, x.Secret)
		check.MemberID = cmp.Or(check.MemberID, x.MemberID)
	}
	if !existing {
		s.Enabled = true
	}
	if _, err := supplier.New(check); err != nil {
		return nil, loket.Errorf(loket.EINVALID, "%v", err)
	}
	err = a.changeCatalog(ctx, func(t *store.Tx) (err error) {
		s.ID, err = t.UpsertSupplier(s)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The supplier's payable account must exist before an order is posted to it. House
	// accounts are made in a transaction of their own (store.DB.EnsureAccount), so not
	// in the one above.
	if _, err := a.DB.EnsureAccount(ctx, store.SupplierAccount(s.ID), store.KindSupplierPayable); err != nil {
		return nil, err
	}
	return &s, nil
}

// AddRoute lets a product be bought from a supplier under the supplier's own code, at
// a cost and a priority (routes are tried in ascending priority); a route of the same
// product and supplier is changed. A markup rule covering the product reprices it from
// its (new) reference route. It returns the route as the catalog now has it.
func (a *App) AddRoute(ctx context.Context, r loket.NewRoute) (*loket.Route, error) {
	r.Product, r.Supplier, r.SupplierCode = strings.TrimSpace(r.Product), strings.TrimSpace(r.Supplier), strings.TrimSpace(r.SupplierCode)
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
	err := a.changeCatalog(ctx, func(t *store.Tx) error {
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
		_, err = t.Reprice([]int64{pid})
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, route := range a.Catalog.Catalog().Routes[pid] {
		if route.ID == id {
			return &route, nil
		}
	}
	return nil, fmt.Errorf("route %d of %s is not in the catalog after its change", id, r.Product)
}

// maxRoundTo bounds a markup rule's rounding.
const maxRoundTo loket.Money = 1_000_000

// SetMarkupRule sets the markup rule of a scope (all, a category or a product, by code) and
// reprices the products it covers from their route costs. It returns how many base
// prices moved. A negative markup is refused (by store.Tx.SetMarkupRule): Loket does
// not sell below cost.
func (a *App) SetMarkupRule(ctx context.Context, m loket.MarkupRule) (repriced int, err error) {
	m.ScopeCode = strings.TrimSpace(m.ScopeCode)
	if err := checkMarkupScope(m.Scope, m.ScopeCode); err != nil {
		return 0, err
	}
	if m.RoundTo < 1 || m.RoundTo > maxRoundTo {
		return 0, loket.FieldError(loket.EINVALID, "round", "rounding must be between 1 and %d", maxRoundTo)
	}
	err = a.changeCatalog(ctx, func(t *store.Tx) (err error) {
		repriced, err = t.SetMarkupRule(m)
		return err
	})
	return repriced, err
}

// DeleteMarkupRule removes the markup rule of a scope. The products it covered keep their
// base price, or follow a wider rule that still covers them. It returns how many base
// prices moved.
func (a *App) DeleteMarkupRule(ctx context.Context, scope, code string) (repriced int, err error) {
	code = strings.TrimSpace(code)
	if err := checkMarkupScope(scope, code); err != nil {
		return 0, err
	}
	err = a.changeCatalog(ctx, func(t *store.Tx) (err error) {
		repriced, err = t.DeleteMarkupRule(scope, code)
		return err
	})
	return repriced, err
}

func checkMarkupScope(scope, code string) error {
	switch scope {
	case loket.ScopeAll:
		if code != "" {
			return loket.FieldError(loket.EINVALID, "code", "scope all takes no code")
		}
	case loket.ScopeCategory, loket.ScopeProduct:
		if code == "" {
			return loket.FieldError(loket.EINVALID, "code", "scope %s needs a code (the %s's code)", scope, scope)
		}
	default:
		return loket.FieldError(loket.EINVALID, "scope", "scope must be all, category or product")
	}
	return nil
}

// changeCatalog makes a change to the catalog in one transaction that also bumps the
// catalog's version, so every node reloads its copy; this node reloads at once. It is
// catalog.Service's change, out of reach from here; it goes when this file joins it.
func (a *App) changeCatalog(ctx context.Context, change func(t *store.Tx) error) error {
	err := a.DB.Direct(ctx, func(t *store.Tx) error {
		if err := change(t); err != nil {
			return err
		}
		return t.BumpCatalog()
	})
	if err != nil {
		return err
	}
	return a.RefreshCatalog(ctx)
}
