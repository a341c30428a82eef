package loket

import (
	"context"
	"time"
)

// Downline is a reseller below another, as its upline (or the operator) sees it.
type Downline struct {
	ID         int64     `json:"id"`
	Username   string    `json:"username"`
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	Depth      int       `json:"depth"` // 0: the operator's own reseller
	UplineID   int64     `json:"upline_id,omitempty"`
	Balance    Money     `json:"balance"`
	MarkupBP   int64     `json:"markup_bp"`   // the upline's markup for it over everything
	MarkupFlat Money     `json:"markup_flat"` // (per category or product ones aside)
	Downlines  int       `json:"downlines"`   // its own direct downlines
	Orders     int64     `json:"orders"`      // its successful orders
	Sales      Money     `json:"sales"`       // what they cost it
	Commission Money     `json:"commission"`  // what its upline earned on its and its downlines' orders
	CreatedAt  time.Time `json:"created_at"`
}

// NewDownline is what an upline gives for a downline it creates.
type NewDownline struct {
	Username   string `json:"username"`
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
	Password   string `json:"password,omitempty"` // for its dashboard (at least 6 characters); empty: none yet
	MarkupBP   int64  `json:"markup_bp"`
	MarkupFlat Money  `json:"markup_flat"`
	Opening    Money  `json:"opening_balance"` // moved from the upline's own balance
}

// DownlineMarkupView is one of an upline's markups for a downline: over everything
// (scope all), a category or a product, named by its code.
type DownlineMarkupView struct {
	Scope      string `json:"scope"`          // all, category or product
	Code       string `json:"code,omitempty"` // the category's or product's code
	MarkupBP   int64  `json:"markup_bp"`
	MarkupFlat Money  `json:"markup_flat"`
}

// NetworkLimits are the operator's limits on the network.
type NetworkLimits struct {
	MaxDepth      int   `json:"max_depth"`       // levels below the operator's resellers
	MaxMarkupBP   int64 `json:"max_markup_bp"`   // an upline's markup for a downline
	MaxMarkupFlat Money `json:"max_markup_flat"` // and in rupiah
}

// NetworkService is resellers selling to resellers of their own: downlines, their
// markups, balance moved between them, and the tree.
type NetworkService interface {
	// Downlines lists an upline's direct downlines with their balance, sales and the
	// commission the upline earned on them.
	Downlines(ctx context.Context, upline *ResellerAuth) ([]Downline, error)
	// CreateDownline makes a downline of upline with its markup, and moves the opening
	// balance from the upline's own.
	CreateDownline(ctx context.Context, upline *ResellerAuth, in NewDownline) (*Reseller, Credentials, error)
	// SetMarkup sets the upline's markup for a direct downline over everything (scope
	// all), a category or a product (by code).
	SetMarkup(ctx context.Context, upline *ResellerAuth, downlineID int64, scope, code string, bp int64, flat Money) error
	// Markups lists the upline's markups for a direct downline: the one over
	// everything, then per category, then per product. A product's wins over its
	// category's, which wins over the one over everything.
	Markups(ctx context.Context, upline *ResellerAuth, downlineID int64) ([]DownlineMarkupView, error)
	// DeleteMarkup removes the upline's markup for a direct downline on a category or a
	// product (by code), so the wider one applies again. Scope all is refused: set it
	// to 0 instead.
	DeleteMarkup(ctx context.Context, upline *ResellerAuth, downlineID int64, scope, code string) error
	// Move moves balance to a direct downline, or back from it (up), once per key.
	Move(ctx context.Context, upline *ResellerAuth, downlineID int64, amount Money, up bool, key, note string) error
	// SetStatus suspends or reactivates a direct downline.
	SetStatus(ctx context.Context, upline *ResellerAuth, downlineID int64, status string) error
	// Tree is every reseller with its place in the network, for the operator.
	Tree(ctx context.Context) ([]Downline, error)
	Limits(ctx context.Context) (NetworkLimits, error)
	SetLimits(ctx context.Context, l NetworkLimits) error
	// Recruiter is the reseller whose referral code this is, when it may take one more
	// downline (active, and the depth within the operator's limit): a registration
	// with the code makes a downline of it.
	Recruiter(ctx context.Context, referralCode string) (*ResellerAuth, error)
	// NumberPrices prices virtual numbers for a reseller: what it pays for an entry of
	// the given base price (a downline's: up its chain).
	NumberPrices(ctx context.Context, r *ResellerAuth) (func(base Money) Money, error)
	// Products is the catalog at a reseller's own prices (a downline's: its upline's
	// plus the markups down its chain); Product is one of them.
	Products(ctx context.Context, r *ResellerAuth) ([]Product, error)
	Product(ctx context.Context, r *ResellerAuth, code string) (*Product, error)
}
