package catalog

import (
	"context"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
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

// Levels lists the price levels.
func (s *Service) Levels(ctx context.Context) ([]loket.Level, error) { return s.db.Levels(ctx) }

// SetLevel creates or changes a price level: a markup over every base price.
func (s *Service) SetLevel(ctx context.Context, l loket.Level) error {
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
