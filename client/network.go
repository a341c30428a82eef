package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Downline is a reseller below you: its balance, its sales and your commission on it.
type Downline struct {
	ID         int64     `json:"id"`
	Username   string    `json:"username"`
	Name       string    `json:"name"`
	Status     string    `json:"status"` // active or suspended
	Depth      int       `json:"depth"`  // 0: the operator's own reseller
	UplineID   int64     `json:"upline_id,omitempty"`
	Balance    int64     `json:"balance"`
	MarkupBP   int64     `json:"markup_bp"`   // your markup for it over everything, basis points
	MarkupFlat int64     `json:"markup_flat"` // and in rupiah per order
	Downlines  int       `json:"downlines"`   // its own direct downlines
	Orders     int64     `json:"orders"`      // its successful orders
	Sales      int64     `json:"sales"`       // what they cost it
	Commission int64     `json:"commission"`  // what you earned on its and its downlines' orders
	CreatedAt  time.Time `json:"created_at"`
}

// DownlineList is the answer of GET /v1/network/downlines.
type DownlineList struct {
	Downlines []Downline `json:"downlines"`
}

// DownlineRequest creates a downline.
type DownlineRequest struct {
	Username   string `json:"username"`
	Name       string `json:"name,omitempty"`
	Email      string `json:"email,omitempty"`
	Password   string `json:"password,omitempty"` // for its dashboard (at least 6 characters)
	MarkupBP   int64  `json:"markup_bp"`          // your markup for it, basis points (100 = 1%)
	MarkupFlat int64  `json:"markup_flat"`        // and in rupiah per order
	Opening    int64  `json:"opening_balance"`    // moved from your balance
}

// CreatedDownline is a new downline with its keys, shown this once.
type CreatedDownline struct {
	Downline  Downline `json:"downline"`
	APIKey    string   `json:"api_key"`
	SecretKey string   `json:"secret_key"`
}

// MarkupRequest sets your markup for a downline.
type MarkupRequest struct {
	Scope      string `json:"scope"`          // all, category or product
	Code       string `json:"code,omitempty"` // the category or product code
	MarkupBP   int64  `json:"markup_bp"`
	MarkupFlat int64  `json:"markup_flat"`
}

// DownlineMarkup is one of your markups for a downline.
type DownlineMarkup struct {
	Scope      string `json:"scope"`          // all, category or product
	Code       string `json:"code,omitempty"` // the category or product code
	MarkupBP   int64  `json:"markup_bp"`
	MarkupFlat int64  `json:"markup_flat"`
}

// DownlineMarkupList is the answer of GET /v1/network/downlines/{id}/markups.
type DownlineMarkupList struct {
	Markups []DownlineMarkup `json:"markups"`
}

// Markup scopes.
const (
	ScopeAll      = "all"
	ScopeCategory = "category"
	ScopeProduct  = "product"
)

// DownlineStatusRequest suspends a downline or makes it active again.
type DownlineStatusRequest struct {
	Status string `json:"status"` // active or suspended
}

// TransferRequest moves balance between you and a downline.
type TransferRequest struct {
	DownlineID int64  `json:"downline_id"`
	Amount     int64  `json:"amount"`
	Direction  string `json:"direction"` // down: to the downline; up: back from it
	Key        string `json:"key"`       // the same key again moves nothing
	Note       string `json:"note,omitempty"`
}

// Transfer is the answer of POST /v1/network/transfers: both balances after.
type Transfer struct {
	Balance         int64 `json:"balance"`
	DownlineBalance int64 `json:"downline_balance"`
}

// NetworkReport sums up your network.
type NetworkReport struct {
	Downlines     int   `json:"downlines"` // direct ones
	Active        int   `json:"active"`
	Below         int   `json:"below"` // their own direct downlines
	Orders        int64 `json:"orders"`
	Sales         int64 `json:"sales"`
	Commission    int64 `json:"commission"` // earned on every level below you
	Balance       int64 `json:"balance"`
	ProfitBalance int64 `json:"profit_balance"`
}

// Downlines lists your direct downlines.
func (c *Client) Downlines(ctx context.Context) ([]Downline, error) {
	var out DownlineList
	if _, err := c.do(ctx, http.MethodGet, "/v1/network/downlines", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Downlines, nil
}

// CreateDownline creates a downline; its keys are in the answer only.
func (c *Client) CreateDownline(ctx context.Context, req DownlineRequest) (*CreatedDownline, error) {
	var out CreatedDownline
	if _, err := c.do(ctx, http.MethodPost, "/v1/network/downlines", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetDownlineMarkup sets your markup for a downline and returns the downline.
func (c *Client) SetDownlineMarkup(ctx context.Context, downlineID int64, req MarkupRequest) (*Downline, error) {
	return c.downline(ctx, http.MethodPut, downlineID, "markup", req)
}

// DownlineMarkups lists your markups for a downline: the one over everything, then
// per category, then per product (a product's wins over its category's, which wins
// over the one over everything).
func (c *Client) DownlineMarkups(ctx context.Context, downlineID int64) ([]DownlineMarkup, error) {
	return c.markups(ctx, http.MethodGet, downlineID, "")
}

// DeleteDownlineMarkup deletes your markup for a downline on a category or a product
// (scope ScopeCategory or ScopeProduct, and its code), so the wider one applies
// again, and returns the markups left. The one over everything is set to 0 instead.
func (c *Client) DeleteDownlineMarkup(ctx context.Context, downlineID int64, scope, code string) ([]DownlineMarkup, error) {
	return c.markups(ctx, http.MethodDelete, downlineID, "/"+url.PathEscape(scope)+"/"+url.PathEscape(code))
}

func (c *Client) markups(ctx context.Context, method string, id int64, rest string) ([]DownlineMarkup, error) {
	var out DownlineMarkupList
	if _, err := c.do(ctx, method, "/v1/network/downlines/"+strconv.FormatInt(id, 10)+"/markups"+rest, nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Markups, nil
}

// SetDownlineStatus suspends a downline ("suspended") or makes it active again.
func (c *Client) SetDownlineStatus(ctx context.Context, downlineID int64, status string) (*Downline, error) {
	return c.downline(ctx, http.MethodPost, downlineID, "status", DownlineStatusRequest{Status: status})
}

func (c *Client) downline(ctx context.Context, method string, id int64, what string, body any) (*Downline, error) {
	var out Downline
	if _, err := c.do(ctx, method, "/v1/network/downlines/"+strconv.FormatInt(id, 10)+"/"+what, nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// MoveBalance moves balance to a downline (Direction "down") or back from it ("up"),
// once per key, and returns both balances after.
func (c *Client) MoveBalance(ctx context.Context, req TransferRequest) (*Transfer, error) {
	var out Transfer
	if _, err := c.do(ctx, http.MethodPost, "/v1/network/transfers", nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// NetworkReport sums up your network: downlines, their sales, your commission.
func (c *Client) NetworkReport(ctx context.Context) (*NetworkReport, error) {
	var out NetworkReport
	if _, err := c.do(ctx, http.MethodGet, "/v1/network/report", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
