package app

import (
	"context"
	"fmt"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

// PriceUpdate is one product's price for a reseller, before and after a change.
type PriceUpdate struct {
	Code     string      `json:"product"`
	PriceOld loket.Money `json:"price_old"`
	PriceNew loket.Money `json:"price_new"`
}

// PriceNotifier renders price news in a surface's dialect.
type PriceNotifier func(updates []PriceUpdate) (event, contentType string, body []byte, err error)

// SetPriceNotifier registers how a surface tells its resellers of price changes; "api"
// is the native JSON. A reseller hears in the dialect of the surface it last ordered
// through (the native one if that surface has none). Call before Start.
func (a *App) SetPriceNotifier(surface string, n PriceNotifier) { a.priceNotifiers[surface] = n }

// priceBatch bounds the changes told in one transaction.
const priceBatch = 500

// tellPrices is the price fan-out job: it takes untold price changes and queues, in the
// same transaction, a webhook to every reseller with a webhook URL whose price moved,
// so each change is told once whatever the number of nodes.
func (a *App) tellPrices(ctx context.Context, j store.Job) error {
	resellers, err := a.DB.WebhookResellers(ctx)
	if err != nil {
		return err
	}
	if err := a.RefreshCatalog(ctx); err != nil {
		return err
	}
	view := a.catalog.Load()
	var hooks []int64
	var more bool
	err = a.DB.Write(ctx, 0, func(t *store.Tx) error {
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
				var ups []PriceUpdate
				for _, c := range changes {
					if _, fixed := view.overrides[c.ProductID][r.Level]; fixed {
						continue // this level's price is set by hand: the base price does not move it
					}
					ups = append(ups, PriceUpdate{Code: c.Code, PriceOld: view.markup(c.Old, r.Level), PriceNew: view.markup(c.New, r.Level)})
				}
				if len(ups) == 0 {
					continue
				}
				n := a.priceNotifiers[r.LastSurface]
				if n == nil {
					n = a.priceNotifiers["api"]
				}
				if n == nil {
					continue
				}
				event, ctype, body, err := n(ups)
				if err != nil {
					return fmt.Errorf("render price news: %w", err)
				}
				id, err := t.EnqueueWebhook(loket.Webhook{ResellerID: r.ID, Event: event, URL: r.URL, ContentType: ctype, Body: string(body)})
				if err != nil {
					return err
				}
				hooks = append(hooks, id)
			}
		}
		if more {
			return t.Reschedule(j.Key, a.cfg.Node, time.Now(), a.cfg.Lease, "")
		}
		// A change recorded after runAt was read moved it: keep the job and go again.
		deleted, err := t.DeleteJobIfRunAt(j.Key, runAt)
		more = !deleted
		return err
	})
	if err != nil {
		return err
	}
	for _, id := range hooks {
		a.enqueue(store.Job{Key: fmt.Sprintf("webhook:%d", id), Kind: store.JobWebhook, RefID: id})
	}
	if more {
		a.enqueue(store.Job{Key: j.Key, Kind: store.JobPrices})
	}
	return nil
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
