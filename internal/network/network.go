// Package network is resellers selling to resellers of their own (downlines): the
// tree, the price a downline pays (its upline's price plus the upline's markup for
// it, recursively to the operator's reseller), the commissions that difference makes,
// and balance moved between an upline and its downlines. Money moves only through the
// ledger's primitives: a commission is recorded with its order and posted in the
// settlement's transfer (store.PostHold); a move of balance is a keyed transfer.
package network

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/webhooks"
)

// Settings (loket setting set) the operator limits the network with.
const (
	SettingMaxDepth      = "network.max_depth"       // levels below the operator's resellers (default 3)
	SettingMaxMarkupBP   = "network.max_markup_bp"   // an upline's markup for a downline, basis points (default 5000 = 50%)
	SettingMaxMarkupFlat = "network.max_markup_flat" // and in rupiah (default 10000)
)

// Defaults of the limits.
const (
	DefaultMaxDepth      = 3
	DefaultMaxMarkupBP   = 5000
	DefaultMaxMarkupFlat = 10_000
)

// Catalog is what pricing needs of the catalog.
type Catalog interface {
	PriceFor(base loket.Money, level string) loket.Money
	Product(code, level string) (*loket.Product, error)
	ProductByID(id int64, level string) (*loket.Product, error)
	Products(level string) []loket.Product
	Categories() []loket.Category
}

// Service is the network of downlines.
type Service struct {
	db        *store.DB
	catalog   Catalog
	resellers loket.ResellerService
	webhooks  *webhooks.Service // price news of markup changes (SetWebhooks); nil: none
	log       *slog.Logger
}

// New makes the service.
func New(db *store.DB, cat Catalog, rs loket.ResellerService, log *slog.Logger) *Service {
	return &Service{db: db, catalog: cat, resellers: rs, log: log}
}

// Price is what a downline pays for a product: the price of the operator's reseller at
// the top of its chain (its level's), then each upline's markup for the one below it,
// down to the buyer. It returns the price and each upline's commission (what its
// downline pays over its own price). A reseller with no upline pays p.Price, with no
// commission.
func (s *Service) Price(ctx context.Context, r *loket.ResellerAuth, p *loket.Product) (loket.Money, []store.Commission, error) {
	if r.UplineID == 0 {
		return p.Price, nil, nil
	}
	pr, err := s.pricer(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	tp, err := s.catalog.Product(p.Code, pr.top())
	if err != nil {
		return 0, nil, err
	}
	price, cs := pr.price(tp)
	return price, cs, nil
}

// chainPricer prices products down one reseller's chain.
type chainPricer struct {
	s       *Service
	chain   []store.Upline
	markups []store.DownlineMarkup
}

func (s *Service) pricer(ctx context.Context, r *loket.ResellerAuth) (*chainPricer, error) {
	ch, err := readChain(ctx, s.db, r.ID)
	if err != nil {
		return nil, err
	}
	return &chainPricer{s: s, chain: ch.chain, markups: ch.markups}, nil
}

// top is the level of the chain's top reseller, whose prices the chain starts from.
func (c *chainPricer) top() string { return c.chain[len(c.chain)-1].Level }

// price is the buyer's price of tp (priced for the top's level) and the uplines'
// commissions in it.
func (c *chainPricer) price(tp *loket.Product) (loket.Money, []store.Commission) {
	return priceDown(c.chain, c.markups, tp.Price, tp.ID, c.s.categoryID(tp.Category))
}

// BillCommissions are the uplines' commissions on a downline's bill: down the chain,
// each upline's markup for the one below it (the product's, its category's or the one
// over everything) on the admin as that one would pay it. A reseller with no upline
// pays none.
func (s *Service) BillCommissions(ctx context.Context, r *loket.ResellerAuth, p *loket.Product, admin loket.Money) ([]store.Commission, error) {
	if r.UplineID == 0 || admin <= 0 {
		return nil, nil
	}
	pr, err := s.pricer(ctx, r)
	if err != nil {
		return nil, err
	}
	cp := *p
	cp.Price = admin
	_, cs := pr.price(&cp)
	return cs, nil
}

// VNPrice is a downline's price of a virtual number of base price base: the chain
// top's level price of it, then each upline's markup over everything (numbers have no
// category or product of the catalog), and the uplines' commissions.
func (s *Service) VNPrice(ctx context.Context, r *loket.ResellerAuth, base loket.Money) (loket.Money, []store.Commission, error) {
	pr, err := s.pricer(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	price, cs := priceDown(pr.chain, pr.markups, s.catalog.PriceFor(base, pr.top()), 0, 0)
	return price, cs, nil
}

// NumberPrices prices virtual numbers for a reseller, its chain read once: its level's
// price, or a downline's up its chain (VNPrice).
func (s *Service) NumberPrices(ctx context.Context, r *loket.ResellerAuth) (func(base loket.Money) loket.Money, error) {
	if r.UplineID == 0 {
		return func(base loket.Money) loket.Money { return s.catalog.PriceFor(base, r.Level) }, nil
	}
	pr, err := s.pricer(ctx, r)
	if err != nil {
		return nil, err
	}
	return func(base loket.Money) loket.Money {
		price, _ := priceDown(pr.chain, pr.markups, s.catalog.PriceFor(base, pr.top()), 0, 0)
		return price
	}, nil
}

// Products is the catalog at a reseller's own prices: its level's, or for a downline
// its upline's plus the markups down its chain. Bills carry no price (each is priced
// when checked).
func (s *Service) Products(ctx context.Context, r *loket.ResellerAuth) ([]loket.Product, error) {
	if r.UplineID == 0 {
		return s.catalog.Products(r.Level), nil
	}
	pr, err := s.pricer(ctx, r)
	if err != nil {
		return nil, err
	}
	ps := s.catalog.Products(pr.top())
	for i := range ps {
		if !ps[i].Postpaid() {
			ps[i].Price, _ = pr.price(&ps[i])
		}
	}
	return ps, nil
}

// Product is one product at a reseller's own price (Products).
func (s *Service) Product(ctx context.Context, r *loket.ResellerAuth, code string) (*loket.Product, error) {
	if r.UplineID == 0 {
		return s.catalog.Product(code, r.Level)
	}
	pr, err := s.pricer(ctx, r)
	if err != nil {
		return nil, err
	}
	p, err := s.catalog.Product(code, pr.top())
	if err != nil || p.Postpaid() {
		return p, err
	}
	p.Price, _ = pr.price(p)
	return p, nil
}

// pick is a downline's markup for a product: the product's own, else its category's,
// else the one over everything, else none.
func pick(ms []store.DownlineMarkup, downline, productID, categoryID int64) (int64, loket.Money) {
	var all, cat *store.DownlineMarkup
	for i := range ms {
		m := &ms[i]
		if m.DownlineID != downline {
			continue
		}
		switch {
		case m.Scope == loket.ScopeProduct && m.ScopeID == productID:
			return m.MarkupBP, m.MarkupFlat
		case m.Scope == loket.ScopeCategory && m.ScopeID == categoryID:
			cat = m
		case m.Scope == loket.ScopeAll:
			all = m
		}
	}
	if cat != nil {
		return cat.MarkupBP, cat.MarkupFlat
	}
	if all != nil {
		return all.MarkupBP, all.MarkupFlat
	}
	return 0, 0
}

func (s *Service) categoryID(code string) int64 {
	for _, c := range s.catalog.Categories() {
		if c.Code == code {
			return c.ID
		}
	}
	return 0
}

// Limits reads the operator's limits (their defaults when unset).
func (s *Service) Limits(ctx context.Context) (loket.NetworkLimits, error) {
	l := loket.NetworkLimits{MaxDepth: DefaultMaxDepth, MaxMarkupBP: DefaultMaxMarkupBP, MaxMarkupFlat: DefaultMaxMarkupFlat}
	for _, x := range []struct {
		key string
		to  *int64
	}{{SettingMaxMarkupBP, &l.MaxMarkupBP}, {SettingMaxMarkupFlat, (*int64)(&l.MaxMarkupFlat)}} {
		v, err := s.db.Setting(ctx, x.key)
		if err != nil {
			return l, err
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 {
			*x.to = n
		}
	}
	v, err := s.db.Setting(ctx, SettingMaxDepth)
	if err != nil {
		return l, err
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		l.MaxDepth = n
	}
	return l, nil
}

// SetLimits saves the operator's limits.
func (s *Service) SetLimits(ctx context.Context, l loket.NetworkLimits) error {
	if l.MaxDepth < 0 || l.MaxDepth > 20 {
		return loket.FieldError(loket.EINVALID, "max_depth", "the depth must be between 0 and 20")
	}
	if l.MaxMarkupBP < 0 || l.MaxMarkupBP > 100_000 {
		return loket.FieldError(loket.EINVALID, "max_markup_bp", "the markup must be between 0 and 100000 basis points")
	}
	if l.MaxMarkupFlat < 0 || l.MaxMarkupFlat > loket.MaxAmount {
		return loket.FieldError(loket.EINVALID, "max_markup_flat", "the flat markup must be between 0 and %d", loket.MaxAmount)
	}
	for k, v := range map[string]string{SettingMaxDepth: strconv.Itoa(l.MaxDepth), SettingMaxMarkupBP: strconv.FormatInt(l.MaxMarkupBP, 10),
		SettingMaxMarkupFlat: l.MaxMarkupFlat.String()} {
		if err := s.db.SetSetting(ctx, k, v); err != nil {
			return err
		}
	}
	return nil
}

// Downlines lists an upline's direct downlines with their balance, sales and the
// commission the upline earned on them.
func (s *Service) Downlines(ctx context.Context, upline *loket.ResellerAuth) ([]loket.Downline, error) {
	return s.db.Downlines(ctx, upline.ID)
}

// Tree is every reseller with its place in the network (the first 5,000).
func (s *Service) Tree(ctx context.Context) ([]loket.Downline, error) {
	return s.db.NetworkTree(ctx, 5000)
}

// SetStatus suspends or reactivates a direct downline.
func (s *Service) SetStatus(ctx context.Context, upline *loket.ResellerAuth, downlineID int64, status string) error {
	if status != loket.ResellerActive && status != loket.ResellerSuspended {
		return loket.FieldError(loket.EINVALID, "status", "status must be active or suspended")
	}
	if err := s.own(ctx, upline, downlineID); err != nil {
		return err
	}
	return s.resellers.UpdateReseller(ctx, downlineID, loket.ResellerUpdate{Status: &status})
}

// CreateDownline makes a downline of upline: at most the operator's depth, a markup
// within the limits, and its opening balance moved from the upline's own (refused
// before anything is made when the upline's balance is short).
func (s *Service) CreateDownline(ctx context.Context, upline *loket.ResellerAuth, in loket.NewDownline) (*loket.Reseller, loket.Credentials, error) {
	var none loket.Credentials
	if err := s.CheckDepth(ctx, upline); err != nil {
		return nil, none, err
	}
	l, err := s.Limits(ctx)
	if err != nil {
		return nil, none, err
	}
	if in.MarkupBP < 0 || in.MarkupBP > l.MaxMarkupBP || in.MarkupFlat < 0 || in.MarkupFlat > l.MaxMarkupFlat {
		return nil, none, loket.FieldError(loket.EINVALID, "markup_bp", "a markup must be 0 to %d basis points and 0 to %d rupiah", l.MaxMarkupBP, l.MaxMarkupFlat)
	}
	if in.Opening < 0 || in.Opening > loket.MaxAmount {
		return nil, none, loket.FieldError(loket.EINVALID, "opening_balance", "the opening balance must be between 0 and %d", loket.MaxAmount)
	}
	if in.Password != "" && len(in.Password) < 6 {
		return nil, none, loket.FieldError(loket.EINVALID, "password", "a password has at least 6 characters")
	}
	if in.Opening > 0 {
		me, err := s.resellers.Reseller(ctx, upline.ID, "")
		if err != nil {
			return nil, none, err
		}
		if me.Balance < in.Opening {
			return nil, none, loket.FieldError(loket.EINSUFFICIENT, "opening_balance", "your balance %d is short of the opening balance %d", me.Balance, in.Opening)
		}
	}
	r, creds, err := s.resellers.CreateReseller(ctx, loket.NewResellerInput{Username: in.Username, Name: in.Name, Email: in.Email,
		Level: upline.Level, Upline: upline.ID})
	if err != nil {
		return nil, none, err
	}
	if in.Password != "" {
		if err := s.resellers.SetPassword(ctx, r.ID, in.Password); err != nil {
			return nil, none, err
		}
	}
	if in.MarkupBP > 0 || in.MarkupFlat > 0 {
		if err := s.db.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
			return t.SetDownlineMarkup(store.DownlineMarkup{DownlineID: r.ID, Scope: loket.ScopeAll, MarkupBP: in.MarkupBP, MarkupFlat: in.MarkupFlat})
		}); err != nil {
			return nil, none, err
		}
	}
	if in.Opening > 0 {
		if err := s.Move(ctx, upline, r.ID, in.Opening, false, fmt.Sprintf("open:%d", r.ID), "saldo awal"); err != nil {
			return r, creds, fmt.Errorf("downline %s made, but its opening balance was not moved: %w", r.Username, err)
		}
	}
	r, err = s.resellers.Reseller(ctx, r.ID, "")
	return r, creds, err
}

// SetMarkup sets an upline's markup for one of its direct downlines over everything
// (scope all), a category or a product (by code), within the operator's limits.
func (s *Service) SetMarkup(ctx context.Context, upline *loket.ResellerAuth, downlineID int64, scope, code string, bp int64, flat loket.Money) error {
	l, err := s.Limits(ctx)
	if err != nil {
		return err
	}
	if bp < 0 || bp > l.MaxMarkupBP {
		return loket.FieldError(loket.EINVALID, "markup", "a markup must be between 0 and %d basis points", l.MaxMarkupBP)
	}
	if flat < 0 || flat > l.MaxMarkupFlat {
		return loket.FieldError(loket.EINVALID, "markup_flat", "a flat markup must be between 0 and %d", l.MaxMarkupFlat)
	}
	id, err := s.scopeID(scope, code)
	if err != nil {
		return err
	}
	if err := s.own(ctx, upline, downlineID); err != nil {
		return err
	}
	// The downline and everyone below it with a webhook hear of the prices it moves.
	return s.setMarkupTold(ctx, store.DownlineMarkup{DownlineID: downlineID, Scope: scope, ScopeID: id, MarkupBP: bp, MarkupFlat: flat})
}

// scopeID is the id a markup's scope names by code: 0 for scope all, else the
// category's or the product's.
func (s *Service) scopeID(scope, code string) (int64, error) {
	switch scope {
	case loket.ScopeAll:
		return 0, nil
	case loket.ScopeProduct:
		p, err := s.catalog.Product(code, loket.DefaultLevel)
		if err != nil {
			return 0, err
		}
		return p.ID, nil
	case loket.ScopeCategory:
		if id := s.categoryID(code); id != 0 {
			return id, nil
		}
		return 0, loket.FieldError(loket.EINVALID, "code", "no category %q", code)
	}
	return 0, loket.FieldError(loket.EINVALID, "scope", "scope must be all, category or product")
}

// scopeOrder sorts markups: the one over everything, then categories, then products.
var scopeOrder = map[string]int{loket.ScopeAll: 0, loket.ScopeCategory: 1, loket.ScopeProduct: 2}

// Markups lists an upline's markups for one of its direct downlines, each category or
// product by its code (a product gone from the catalog by "#" and its id), the one
// over everything first, then the categories', then the products'.
func (s *Service) Markups(ctx context.Context, upline *loket.ResellerAuth, downlineID int64) ([]loket.DownlineMarkupView, error) {
	if err := s.own(ctx, upline, downlineID); err != nil {
		return nil, err
	}
	ms, err := s.db.DownlineMarkups(ctx, []int64{downlineID})
	if err != nil {
		return nil, err
	}
	cats := map[int64]string{}
	for _, c := range s.catalog.Categories() {
		cats[c.ID] = c.Code
	}
	out := make([]loket.DownlineMarkupView, 0, len(ms))
	for _, m := range ms {
		v := loket.DownlineMarkupView{Scope: m.Scope, MarkupBP: m.MarkupBP, MarkupFlat: m.MarkupFlat}
		switch m.Scope {
		case loket.ScopeCategory:
			if v.Code = cats[m.ScopeID]; v.Code == "" {
				v.Code = fmt.Sprintf("#%d", m.ScopeID)
			}
		case loket.ScopeProduct:
			v.Code = fmt.Sprintf("#%d", m.ScopeID)
			if p, err := s.catalog.ProductByID(m.ScopeID, loket.DefaultLevel); err == nil {
				v.Code = p.Code
			}
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := scopeOrder[out[i].Scope], scopeOrder[out[j].Scope]; a != b {
			return a < b
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// DeleteMarkup removes an upline's markup for one of its direct downlines on a
// category or a product, so the wider one applies again. The one over everything is
// not removed: setting it to 0 is the way.
func (s *Service) DeleteMarkup(ctx context.Context, upline *loket.ResellerAuth, downlineID int64, scope, code string) error {
	if err := s.own(ctx, upline, downlineID); err != nil {
		return err
	}
	if scope == loket.ScopeAll {
		return loket.FieldError(loket.EINVALID, "scope", "the markup over everything is not deleted: set it to 0")
	}
	id, err := s.scopeID(scope, code)
	if err != nil {
		return err
	}
	ms, err := s.db.DownlineMarkups(ctx, []int64{downlineID})
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Scope == scope && m.ScopeID == id {
			return s.DeleteMarkupTold(ctx, downlineID, scope, id)
		}
	}
	return loket.Errorf(loket.ENOTFOUND, "no markup for %s %s", scope, code)
}

// own checks that downlineID is a direct downline of upline.
func (s *Service) own(ctx context.Context, upline *loket.ResellerAuth, downlineID int64) error {
	chain, err := s.db.Chain(ctx, downlineID)
	if err != nil {
		return err
	}
	if len(chain) < 2 || chain[1].ID != upline.ID {
		return loket.Errorf(loket.ENOTFOUND, "reseller %d is not your downline", downlineID)
	}
	return nil
}

// Recruiter is the reseller whose referral code this is, when it may take one more
// downline.
func (s *Service) Recruiter(ctx context.Context, referralCode string) (*loket.ResellerAuth, error) {
	code := strings.ToUpper(strings.TrimSpace(referralCode))
	if err := loket.CheckText("referral_code", code, 32); err != nil {
		return nil, err
	}
	up, err := s.db.ResellerByReferral(ctx, code)
	if err != nil {
		return nil, err
	}
	if up.Status != loket.ResellerActive {
		return nil, loket.FieldError(loket.ENOTFOUND, "referral_code", "the referral code's reseller is not active")
	}
	if err := s.CheckDepth(ctx, up); err != nil {
		return nil, err
	}
	return up, nil
}

// CheckDepth refuses a new downline of upline deeper than the operator allows.
func (s *Service) CheckDepth(ctx context.Context, upline *loket.ResellerAuth) error {
	l, err := s.Limits(ctx)
	if err != nil {
		return err
	}
	chain, err := s.db.Chain(ctx, upline.ID)
	if err != nil {
		return err
	}
	if depth := chain[0].Depth + 1; depth > l.MaxDepth {
		return loket.Errorf(loket.ELIMIT, "a downline of %s would be %d levels deep; the operator allows %d", upline.Username, depth, l.MaxDepth)
	}
	return nil
}

// Move moves balance between an upline and one of its direct downlines: down (from
// the upline's balance) or, with up, back from the downline's. key makes it
// idempotent (the same key moves once); neither balance goes below zero.
func (s *Service) Move(ctx context.Context, upline *loket.ResellerAuth, downlineID int64, amount loket.Money, up bool, key, note string) error {
	if err := s.own(ctx, upline, downlineID); err != nil {
		return err
	}
	down, err := s.db.ResellerAuthByID(ctx, downlineID)
	if err != nil {
		return err
	}
	if err := loket.CheckText("key", key, loket.MaxRefLen); err != nil || key == "" {
		return loket.FieldError(loket.EINVALID, "key", "a key (up to %d characters) makes a move happen once", loket.MaxRefLen)
	}
	from, to := upline.BalanceAccountID, down.BalanceAccountID
	if up {
		from, to = to, from
	}
	return s.db.Write(ctx, uint64(upline.ID), func(t *store.Tx) error {
		_, err := t.NetworkTransfer(fmt.Sprintf("%d:%s", upline.ID, key), from, to, amount, note)
		return err
	})
}
