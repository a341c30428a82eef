package catalog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/network"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

// Price sync: each supplier's price list is pulled on a schedule (a job per supplier,
// so one node does it whatever the number of nodes) and pushed price news (seed 001's
// price_update) is taken as it comes. Both set the cost and availability of the routes
// that buy the listed codes; the products whose routes moved are repriced by the
// operator's markup rules, and resellers are told of base price moves by the price
// fan-out job (tellPrices).

// priceListTimeout bounds one pull of a price list: some lists are thousands of
// entries, or many pages.
const priceListTimeout = 2 * time.Minute

// SyncPrices pulls a supplier's price list now and applies it. An empty list (the
// simulator's, or an upstream that publishes none) changes nothing.
func (s *Service) SyncPrices(ctx context.Context, supplierID int64) (*loket.PriceSync, error) {
	return s.SyncPricesProgress(ctx, supplierID, nil)
}

// SyncPricesProgress is SyncPrices telling listed, when not nil, how many entries the
// price list has once it is read (the wait is the upstream's), before they are applied.
func (s *Service) SyncPricesProgress(ctx context.Context, supplierID int64, listed func(n int)) (*loket.PriceSync, error) {
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	cfg, ok := s.SupplierConfig(supplierID)
	if !ok {
		return nil, loket.Errorf(loket.ENOTFOUND, "no supplier %d", supplierID)
	}
	sup, err := s.Supplier(supplierID)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, priceListTimeout)
	list, err := sup.Prices(cctx)
	cancel()
	if err != nil {
		s.notePrices(ctx, supplierID, "price list not read: "+err.Error())
		s.priceSyncs.With(cfg.Name, "error").Inc()
		return nil, fmt.Errorf("price list of %s: %w", cfg.Name, err)
	}
	if len(list) == 0 {
		s.notePrices(ctx, supplierID, "no price list")
		s.priceSyncs.With(cfg.Name, "empty").Inc()
		return &loket.PriceSync{}, nil
	}
	if listed != nil {
		listed(len(list))
	}
	res, err := s.applyPrices(ctx, cfg, list, true)
	if err != nil {
		s.priceSyncs.With(cfg.Name, "error").Inc()
		return nil, err
	}
	s.priceSyncs.With(cfg.Name, "ok").Inc()
	return res, nil
}

// ApplyPriceNews applies price entries an upstream pushed (not a whole list).
func (s *Service) ApplyPriceNews(ctx context.Context, cfg loket.Supplier, prices []supplier.Price) error {
	_, err := s.applyPrices(ctx, cfg, prices, false)
	return err
}

// applyPrices applies price entries of a supplier (a whole list when full, else news
// about some codes) in one transaction, and notes the outcome on the supplier.
func (s *Service) applyPrices(ctx context.Context, cfg loket.Supplier, list []supplier.Price, full bool) (*loket.PriceSync, error) {
	entries := make([]store.SupplierPrice, 0, len(list))
	for _, p := range list {
		// An upstream's code is matched against the routes' codes: bytes no database
		// takes could match none anyway.
		entries = append(entries, store.SupplierPrice{Code: loket.CleanText(p.Code, loket.MaxText), Cost: p.Price, Available: p.Active})
	}
	var res *loket.PriceSync
	err := s.db.Direct(ctx, func(t *store.Tx) error {
		var err error
		t.PriceCause("price sync of " + cfg.Name)
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
		if err := s.Refresh(ctx); err != nil {
			return nil, err
		}
	}
	if res.Repriced > 0 {
		s.runner.Enqueue(store.Job{Key: store.JobPrices, Kind: store.JobPrices})
	}
	if res.Costs > 0 || res.Unavailable > 0 || res.Repriced > 0 {
		s.log.Info("supplier prices applied", "supplier", cfg.Name, "full", full, "summary", res.Summary())
	}
	if len(res.Unlisted) > 0 {
		s.log.Warn("routes buy codes the supplier's price list lacks", "supplier", cfg.Name, "codes", res.Unlisted)
	}
	return res, nil
}

func (s *Service) notePrices(ctx context.Context, supplierID int64, note string) {
	if err := s.db.Direct(ctx, func(t *store.Tx) error { return t.NoteSupplierPrices(supplierID, note) }); err != nil && !errors.Is(err, store.ErrClosed) {
		s.log.Error("note price sync", "supplier", supplierID, "err", err)
	}
}

// runPriceSync is a supplier's scheduled price pull. The job stays in the table,
// rescheduled one interval on, free for any node to take then.
func (s *Service) runPriceSync(ctx context.Context, j store.Job) error {
	cfg, ok := s.SupplierConfig(j.RefID)
	if !ok || !cfg.Enabled || s.cfg.PriceSyncEvery <= 0 {
		return s.db.Direct(ctx, func(t *store.Tx) error { return t.DeleteJob(j.Key) })
	}
	_, err := s.SyncPrices(ctx, j.RefID)
	next := time.Now().Add(s.cfg.PriceSyncEvery)
	note := ""
	if err != nil {
		s.log.Warn("price sync failed; tried again at the next interval", "supplier", cfg.Name, "err", err)
		note = err.Error()
		if retry := time.Now().Add(5 * time.Minute); retry.Before(next) {
			next = retry
		}
	}
	return s.db.Direct(ctx, func(t *store.Tx) error { return t.ScheduleJob(j.Key, next, note) })
}

// ensurePriceJobs makes sure every enabled supplier has its price sync job. An existing
// job keeps its time, so restarts do not pull every list again.
func (s *Service) ensurePriceJobs(ctx context.Context) error {
	if s.cfg.PriceSyncEvery <= 0 {
		return nil
	}
	s.priceJobsMu.Lock()
	defer s.priceJobsMu.Unlock()
	var missing []loket.Supplier
	for _, sc := range s.SupplierList() {
		if sc.Enabled && !s.priceJobs[sc.ID] {
			missing = append(missing, sc)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	now := time.Now()
	err := s.db.Direct(ctx, func(t *store.Tx) error {
		for _, sc := range missing {
			if err := t.EnqueueJob(store.PriceSyncJobKey(sc.ID), store.JobPriceSync, sc.ID, now, "", 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, sc := range missing {
		s.priceJobs[sc.ID] = true
	}
	return nil
}

// priceBatch bounds the changes told in one transaction.
const priceBatch = 500

// tellPrices is the price fan-out job: it takes untold price changes and queues, in the
// same transaction, a webhook to every reseller with a webhook URL whose price moved,
// so each change is told once whatever the number of nodes.
func (s *Service) tellPrices(ctx context.Context, j store.Job) error {
	resellers, err := s.db.WebhookResellers(ctx)
	if err != nil {
		return err
	}
	chains, err := network.ReadChains(ctx, s.db, downlines(resellers))
	if err != nil {
		return err
	}
	if err := s.Refresh(ctx); err != nil {
		return err
	}
	v := s.view.Load()
	cats := map[string]int64{}
	for _, c := range v.raw.Categories {
		cats[c.Code] = c.ID
	}
	var hooks []int64
	var more bool
	err = s.db.Write(ctx, 0, func(t *store.Tx) error {
		hooks = hooks[:0]
		runAt, exists, err := t.JobRunAt(j.Key)
		if err != nil || !exists {
			more = false
			return err // gone: another node finished it
		}
		changes, err := t.TakePriceChanges(priceBatch)
		if err != nil {
			return err
		}
		more = len(changes) == priceBatch
		changes = coalesce(changes)
		if len(changes) > 0 {
			for _, r := range resellers {
				ups := v.priceNews(r, changes, chains, cats)
				if len(ups) == 0 {
					continue
				}
				id, err := s.webhooks.QueuePrices(t, r, ups)
				if err != nil {
					return err
				}
				hooks = append(hooks, id)
			}
		}
		if more {
			return t.Reschedule(j.Key, s.runner.Node(), time.Now(), s.runner.Lease(), "")
		}
		// A change recorded after runAt was read moved it: keep the job and go again.
		deleted, err := t.DeleteJobIfRunAt(j.Key, runAt)
		more = !deleted
		return err
	})
	if err != nil {
		return err
	}
	s.webhooks.Send(hooks...)
	if more {
		s.runner.Enqueue(store.Job{Key: j.Key, Kind: store.JobPrices})
	}
	return nil
}

// downlines are the ids of the resellers with an upline.
func downlines(rs []store.WebhookReseller) []int64 {
	var ids []int64
	for _, r := range rs {
		if r.UplineID != 0 {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// priceNews is each change at r's own price: its level's, or for a downline the price
// at its top's level with the markups down its chain.
func (v *view) priceNews(r store.WebhookReseller, changes []store.PriceChange, chains *network.Chains, cats map[string]int64) []loket.PriceUpdate {
	level, down := chains.Top(r.ID)
	if !down {
		level = r.Level
	}
	var ups []loket.PriceUpdate
	for _, c := range changes {
		if _, fixed := v.overrides[c.ProductID][level]; fixed {
			continue // this level's price is set by hand: the base price does not move it
		}
		old, nw := v.markup(c.Old, level), v.markup(c.New, level)
		if down {
			var catID int64
			if p := v.byID[c.ProductID]; p != nil {
				catID = cats[p.Category]
			}
			old, nw = chains.Price(r.ID, old, c.ProductID, catID), chains.Price(r.ID, nw, c.ProductID, catID)
		}
		if old != nw {
			ups = append(ups, loket.PriceUpdate{Code: c.Code, PriceOld: old, PriceNew: nw})
		}
	}
	return ups
}

// coalesce merges the changes of one product into one, from its first old price to its
// last new price, dropping a product whose price came back to where it was.
func coalesce(changes []store.PriceChange) []store.PriceChange {
	idx := map[int64]int{}
	var out []store.PriceChange
	for _, c := range changes {
		if i, ok := idx[c.ProductID]; ok {
			out[i].New = c.New
			continue
		}
		idx[c.ProductID] = len(out)
		out = append(out, c)
	}
	kept := out[:0]
	for _, c := range out {
		if c.Old != c.New {
			kept = append(kept, c)
		}
	}
	return kept
}
