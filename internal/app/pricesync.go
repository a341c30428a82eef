package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// Price sync: each supplier's price list is pulled on a schedule (a job per supplier,
// so one node does it whatever the number of nodes) and pushed price news (seed 001's
// price_update) is taken as it comes. Both set the cost and availability of the routes
// that buy the listed codes; the products whose routes moved are repriced by the
// operator's markup rules, and resellers are told of base price moves by the price
// fan-out job (prices.go).

// priceListTimeout bounds one pull of a price list: some lists are thousands of
// entries, or many pages.
const priceListTimeout = 2 * time.Minute

// SyncPrices pulls a supplier's price list now and applies it. An empty list (the
// simulator's, or an upstream that publishes none) changes nothing.
func (a *App) SyncPrices(ctx context.Context, supplierID int64) (*loket.PriceSync, error) {
	if err := a.RefreshCatalog(ctx); err != nil {
		return nil, err
	}
	cfg, ok := a.catalog.Load().suppliers[supplierID]
	if !ok {
		return nil, loket.Errorf(loket.ENOTFOUND, "no supplier %d", supplierID)
	}
	sup, err := a.supplierFor(supplierID)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, priceListTimeout)
	list, err := sup.Prices(cctx)
	cancel()
	if err != nil {
		a.notePrices(ctx, supplierID, "price list not read: "+err.Error())
		a.m.priceSyncs.With(cfg.Name, "error").Inc()
		return nil, fmt.Errorf("price list of %s: %w", cfg.Name, err)
	}
	if len(list) == 0 {
		a.notePrices(ctx, supplierID, "no price list")
		a.m.priceSyncs.With(cfg.Name, "empty").Inc()
		return &loket.PriceSync{}, nil
	}
	res, err := a.applyPrices(ctx, cfg, list, true)
	if err != nil {
		a.m.priceSyncs.With(cfg.Name, "error").Inc()
		return nil, err
	}
	a.m.priceSyncs.With(cfg.Name, "ok").Inc()
	return res, nil
}

// applyPrices applies price entries of a supplier (a whole list when full, else news
// about some codes) in one transaction, and notes the outcome on the supplier.
func (a *App) applyPrices(ctx context.Context, cfg loket.Supplier, list []supplier.Price, full bool) (*loket.PriceSync, error) {
	entries := make([]store.SupplierPrice, 0, len(list))
	for _, p := range list {
		entries = append(entries, store.SupplierPrice{Code: p.Code, Cost: p.Price, Available: p.Active})
	}
	var res *loket.PriceSync
	err := a.DB.Direct(ctx, func(t *store.Tx) error {
		var err error
		if res, err = t.ApplySupplierPrices(cfg.ID, entries, full); err != nil {
			return err
		}
		what := "price news"
		if full {
			what = "price list"
		}
		return t.NoteSupplierPrices(cfg.ID, what+": "+res.Summary())
	})
	if err != nil {
		return nil, fmt.Errorf("apply prices of %s: %w", cfg.Name, err)
	}
	if len(res.Products) > 0 {
		if err := a.RefreshCatalog(ctx); err != nil {
			return nil, err
		}
	}
	if res.Repriced > 0 {
		a.enqueue(store.Job{Key: store.JobPrices, Kind: store.JobPrices})
	}
	if res.Costs > 0 || res.Unavailable > 0 || res.Repriced > 0 {
		a.Log.Info("supplier prices applied", "supplier", cfg.Name, "full", full, "summary", res.Summary())
	}
	if len(res.Unlisted) > 0 {
		a.Log.Warn("routes buy codes the supplier's price list lacks", "supplier", cfg.Name, "codes", res.Unlisted)
	}
	return res, nil
}

func (a *App) notePrices(ctx context.Context, supplierID int64, note string) {
	if err := a.DB.Direct(ctx, func(t *store.Tx) error { return t.NoteSupplierPrices(supplierID, note) }); err != nil && !errors.Is(err, store.ErrClosed) {
		a.Log.Error("note price sync", "supplier", supplierID, "err", err)
	}
}

// runPriceSync is a supplier's scheduled price pull. The job stays in the table,
// rescheduled one interval on, free for any node to take then.
func (a *App) runPriceSync(ctx context.Context, j store.Job) error {
	cfg, ok := a.catalog.Load().suppliers[j.RefID]
	if !ok || !cfg.Enabled || a.cfg.PriceSyncEvery < 0 {
		return a.DB.Direct(ctx, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
	}
	_, err := a.SyncPrices(ctx, j.RefID)
	next := time.Now().Add(a.cfg.PriceSyncEvery)
	note := ""
	if err != nil {
		a.Log.Warn("price sync failed; tried again at the next interval", "supplier", cfg.Name, "err", err)
		note = err.Error()
		if retry := time.Now().Add(5 * time.Minute); retry.Before(next) {
			next = retry
		}
	}
	return a.DB.Direct(ctx, func(t *store.Tx) error { return t.ScheduleJob(j.Key, next, note) })
}

// ensurePriceJobs makes sure every enabled supplier has its price sync job. An existing
// job keeps its time, so restarts do not pull every list again.
func (a *App) ensurePriceJobs(ctx context.Context) error {
	if a.cfg.PriceSyncEvery < 0 {
		return nil
	}
	view := a.catalog.Load()
	if view == nil {
		return nil
	}
	a.priceJobsMu.Lock()
	defer a.priceJobsMu.Unlock()
	var missing []loket.Supplier
	for _, s := range view.raw.Suppliers {
		if s.Enabled && !a.priceJobs[s.ID] {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	now := time.Now()
	err := a.DB.Direct(ctx, func(t *store.Tx) error {
		for _, s := range missing {
			if err := t.EnqueueJob(store.PriceSyncJobKey(s.ID), store.JobPriceSync, s.ID, now, "", 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if a.priceJobs == nil {
		a.priceJobs = map[int64]bool{}
	}
	for _, s := range missing {
		a.priceJobs[s.ID] = true
	}
	return nil
}

// HandlePriceNews applies price entries an upstream pushed (not a whole list).
func (a *App) handlePriceNews(ctx context.Context, cfg loket.Supplier, prices []supplier.Price) error {
	_, err := a.applyPrices(ctx, cfg, prices, false)
	return err
}
