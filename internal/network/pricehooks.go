package network

import (
	"context"
	"fmt"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/webhooks"
)

// priceDown is the price at the bottom of chain (its first) of a product whose price is
// top at the chain's top (its last): each upline's markup for the one below it added in
// turn. It returns the price and the uplines' commissions in it.
func priceDown(chain []store.Upline, markups []store.DownlineMarkup, top loket.Money, productID, categoryID int64) (loket.Money, []store.Commission) {
	price := top
	var cs []store.Commission
	for i := len(chain) - 2; i >= 0; i-- {
		bp, flat := pick(markups, chain[i].ID, productID, categoryID)
		next := price.PlusBP(bp) + flat
		if next > price {
			up := chain[i+1]
			cs = append(cs, store.Commission{ResellerID: up.ID, AccountID: up.ProfitAccountID, Level: i + 1, Amount: next - price})
		}
		price = next
	}
	return price, cs
}

// chainOf is one reseller's chain and the markups in it.
type chainOf struct {
	chain   []store.Upline
	markups []store.DownlineMarkup
}

// Chains prices products for many downlines at once (a price fan-out): each one's
// chain and the markups down it, read once.
type Chains struct {
	of map[int64]chainOf
}

// ReadChains reads the chains of the given resellers (those with no upline are skipped:
// their price is their level's).
func ReadChains(ctx context.Context, db *store.DB, ids []int64) (*Chains, error) {
	c := &Chains{of: map[int64]chainOf{}}
	for _, id := range ids {
		ch, err := readChain(ctx, db, id)
		if err != nil {
			return nil, err
		}
		if len(ch.chain) > 1 {
			c.of[id] = ch
		}
	}
	return c, nil
}

func readChain(ctx context.Context, db *store.DB, id int64) (chainOf, error) {
	chain, err := db.Chain(ctx, id)
	if err != nil {
		return chainOf{}, err
	}
	ids := make([]int64, 0, len(chain)-1)
	for _, u := range chain[:len(chain)-1] {
		ids = append(ids, u.ID)
	}
	markups, err := db.DownlineMarkups(ctx, ids)
	return chainOf{chain: chain, markups: markups}, err
}

// Top is the level of the operator's reseller at the top of a reseller's chain, whose
// price the reseller's starts from; ok is false for a reseller not read or with no
// upline.
func (c *Chains) Top(resellerID int64) (level string, ok bool) {
	ch, ok := c.of[resellerID]
	if !ok {
		return "", false
	}
	return ch.chain[len(ch.chain)-1].Level, true
}

// Price is a reseller's price of a product (of a category) whose price at its top's
// level is top. A reseller not read pays top.
func (c *Chains) Price(resellerID int64, top loket.Money, productID, categoryID int64) loket.Money {
	ch, ok := c.of[resellerID]
	if !ok {
		return top
	}
	p, _ := priceDown(ch.chain, ch.markups, top, productID, categoryID)
	return p
}

// SetWebhooks has a change of an upline's markup told to the downlines whose prices it
// moves (those with a webhook URL), by price webhooks.
func (s *Service) SetWebhooks(w *webhooks.Service) { s.webhooks = w }

// markupNews is the price news a change of a downline's markup makes: for the downline
// and every reseller below it with a webhook URL, the products whose price it moves.
// It is read before the change is written, and queued in the change's transaction.
type markupNews struct {
	to   []store.WebhookReseller
	news [][]loket.PriceUpdate
}

// newsOf works out the price news of changing downline's markups as after does
// (before they change).
func (s *Service) newsOf(ctx context.Context, downline int64, after func([]store.DownlineMarkup) []store.DownlineMarkup) (*markupNews, error) {
	if s.webhooks == nil {
		return &markupNews{}, nil
	}
	rs, err := s.db.SubtreeWebhookResellers(ctx, downline)
	if err != nil {
		return nil, err
	}
	out := &markupNews{}
	cats := map[string]int64{}
	for _, c := range s.catalog.Categories() {
		cats[c.Code] = c.ID
	}
	byLevel := map[string][]loket.Product{}
	for _, r := range rs {
		ch, err := readChain(ctx, s.db, r.ID)
		if err != nil {
			return nil, err
		}
		if len(ch.chain) < 2 {
			continue
		}
		nms := after(ch.markups)
		top := ch.chain[len(ch.chain)-1].Level
		ps, ok := byLevel[top]
		if !ok {
			ps = s.catalog.Products(top)
			byLevel[top] = ps
		}
		var ups []loket.PriceUpdate
		for i := range ps {
			p := &ps[i]
			if p.Postpaid() {
				continue
			}
			old, _ := priceDown(ch.chain, ch.markups, p.Price, p.ID, cats[p.Category])
			nw, _ := priceDown(ch.chain, nms, p.Price, p.ID, cats[p.Category])
			if old != nw {
				ups = append(ups, loket.PriceUpdate{Code: p.Code, PriceOld: old, PriceNew: nw})
			}
		}
		if len(ups) > 0 {
			out.to = append(out.to, r)
			out.news = append(out.news, ups)
		}
	}
	return out, nil
}

// withoutMarkup is markups without the one of downline over a scope.
func withoutMarkup(ms []store.DownlineMarkup, downline int64, scope string, scopeID int64) []store.DownlineMarkup {
	out := make([]store.DownlineMarkup, 0, len(ms)+1)
	for _, x := range ms {
		if x.DownlineID != downline || x.Scope != scope || x.ScopeID != scopeID {
			out = append(out, x)
		}
	}
	return out
}

// queue writes the news in t; it returns the webhooks' ids, to Send after the commit.
func (n *markupNews) queue(s *Service, t *store.Tx) ([]int64, error) {
	var ids []int64
	for i, r := range n.to {
		id, err := s.webhooks.QueuePrices(t, r, n.news[i])
		if err != nil {
			return nil, fmt.Errorf("price news of reseller %d: %w", r.ID, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// setMarkupTold writes m and, in the same transaction, the price news it makes, then
// sends that news.
func (s *Service) setMarkupTold(ctx context.Context, m store.DownlineMarkup) error {
	return s.changeMarkupTold(ctx, m.DownlineID, func(ms []store.DownlineMarkup) []store.DownlineMarkup {
		return append(withoutMarkup(ms, m.DownlineID, m.Scope, m.ScopeID), m)
	}, func(t *store.Tx) error { return t.SetDownlineMarkup(m) })
}

// DeleteMarkupTold removes downline's markup over a scope (narrower than all) and, in
// the same transaction, queues the price news it makes, then sends it. It checks
// nothing: the caller has.
func (s *Service) DeleteMarkupTold(ctx context.Context, downline int64, scope string, scopeID int64) error {
	return s.changeMarkupTold(ctx, downline, func(ms []store.DownlineMarkup) []store.DownlineMarkup {
		return withoutMarkup(ms, downline, scope, scopeID)
	}, func(t *store.Tx) error { return t.DeleteDownlineMarkup(downline, scope, scopeID) })
}

// changeMarkupTold writes a change of downline's markups (write, which after mirrors on
// a chain's markups) with the price news it makes in the same transaction, then sends
// that news.
func (s *Service) changeMarkupTold(ctx context.Context, downline int64, after func([]store.DownlineMarkup) []store.DownlineMarkup,
	write func(t *store.Tx) error) error {
	news, err := s.newsOf(ctx, downline, after)
	if err != nil {
		return err
	}
	var ids []int64
	if err := s.db.Write(ctx, uint64(downline), func(t *store.Tx) error {
		if err := write(t); err != nil {
			return err
		}
		ids, err = news.queue(s, t)
		return err
	}); err != nil {
		return err
	}
	if s.webhooks != nil {
		s.webhooks.Send(ids...)
	}
	return nil
}
