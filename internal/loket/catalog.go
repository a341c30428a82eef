package loket

import (
	"fmt"
	"time"
)

// Form field types of a brand's input form (seed 001).
const (
	FieldText     = "text"
	FieldDropdown = "dropdown"
)

// FormField is one input a brand needs for an order, as in seed 001's provider forms.
type FormField struct {
	Label   string       `json:"label" yaml:"label"`
	Key     string       `json:"key" yaml:"key"`
	Type    string       `json:"type" yaml:"type"`
	Options []FormOption `json:"options,omitempty" yaml:"options,omitempty"`
}

// FormOption is one choice of a dropdown field.
type FormOption struct {
	Name string `json:"name" yaml:"name"`
	Code string `json:"code" yaml:"code"`
}

// Target kinds of a category decide how an order's target is checked.
const (
	TargetMSISDN = "msisdn" // an Indonesian mobile number
	TargetMeter  = "meter"  // a PLN meter or customer number: digits
	TargetGame   = "game"   // a game account: the brand's form decides
	TargetAny    = "any"    // free text
)

// Category groups brands: Pulsa, Data, Games, E-Wallet, PLN, Virtual Numbers...
type Category struct {
	ID         int64
	Code       string
	Name       string
	TargetKind string
}

// Brand is an operator or game (seed 001 calls it a provider) with its input form.
type Brand struct {
	ID       int64
	Code     string
	Name     string
	Category string
	Active   bool
	Icon     string
	Forms    []FormField
}

// Product is something a reseller can buy.
type Product struct {
	ID          int64
	Code        string
	Name        string
	Brand       string
	BrandName   string
	Category    string
	TargetKind  string
	BasePrice   Money
	Price       Money // for the caller's level, filled when asked for one
	Active      bool
	Stock       *int64 // nil: unlimited
	Description string
	Forms       []FormField
	UpdatedAt   time.Time
	// Kind is KindPrepaid (a fixed price) or KindPostpaid (a bill, priced per bill).
	Kind string
	// CustomerCheck is CheckPLN when the target can be looked up before buying.
	CustomerCheck string
	// AdminFee is what the operator charges per period on top of a bill (postpaid).
	AdminFee Money
	// Commission is the reseller's commission per period of a bill (postpaid): the
	// default for every level; filled for the caller's level when asked for one.
	Commission Money
	// CutOff is the daily window in WIB the product is not sold in, "HH:MM-HH:MM"
	// (ParseCutOff); "" for none.
	CutOff string
}

// Postpaid says the product is a bill.
func (p *Product) Postpaid() bool { return p.Kind == KindPostpaid }

// Level is a price level: a markup on every product's base price.
type Level struct {
	Name       string
	MarkupBP   int64 // basis points
	MarkupFlat Money
}

// Route is one way to buy a product: a supplier, the supplier's code and the cost.
type Route struct {
	ID           int64
	ProductID    int64
	SupplierID   int64
	SupplierName string
	SupplierKind string
	SupplierCode string
	Cost         Money
	Priority     int
	Active       bool
	Enabled      bool // the supplier's switch
	// Available is what the supplier's price list last said: false when it lists the
	// code as not sold now (price sync); dispatch skips the route until it is again.
	Available bool
}

// Supplier is an upstream Loket buys from.
type Supplier struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	BaseURL  string `json:"base_url"`
	APIKey   string `json:"-"`
	Secret   string `json:"-"`
	MemberID string `json:"member_id,omitempty"`
	Enabled  bool   `json:"enabled"`
	// PricesSyncedAt and PricesNote say when the supplier's prices were last applied
	// (a pulled list or pushed news) and what that did.
	PricesSyncedAt *time.Time `json:"prices_synced_at,omitempty"`
	PricesNote     string     `json:"prices_note,omitempty"`
}

// Catalog is the whole sellable catalog, loaded at once for the in-memory cache.
type Catalog struct {
	Version    string
	Categories []Category
	Brands     []Brand
	Products   []Product
	Levels     []Level
	Overrides  map[int64]map[string]Money // product -> level -> price
	// Commissions are levels' own commissions per bill period (postpaid products).
	Commissions map[int64]map[string]Money // product -> level -> commission
	Routes      map[int64][]Route          // product -> routes by priority
	Suppliers   []Supplier
}

// DefaultLevel is the price level resellers get unless told otherwise.
const DefaultLevel = "reseller"

// PriceSync is what applying a price list changed.
type PriceSync struct {
	Listed      int      `json:"listed"`      // entries in the list
	Matched     int      `json:"matched"`     // entries some route buys
	Costs       int      `json:"costs"`       // routes whose cost changed
	Unavailable int      `json:"unavailable"` // routes the upstream lists as not sold now
	Repriced    int      `json:"repriced"`    // products whose base price moved
	Unlisted    []string `json:"unlisted"`    // codes our routes buy that the list lacks (full lists only)
	Refused     []string `json:"refused"`     // entries not applied, with the reason
	Products    []int64  `json:"-"`           // products whose routes changed
	Changes     []string `json:"changes"`     // "CODE 1000 -> 1100", bounded
}

// MarkupRule turns a product's cost into its base price; of scope numbers, a
// virtual-number price-list entry's supplier cost into its base price.
type MarkupRule struct {
	ID         int64     `json:"id"`
	Scope      string    `json:"scope"`                // all, category, product, numbers
	ScopeCode  string    `json:"scope_code,omitempty"` // the category's or product's code; the service code (numbers)
	ScopeID    int64     `json:"-"`
	MarkupBP   int64     `json:"markup_bp"`   // basis points of the cost (250 = 2.5%)
	MarkupFlat Money     `json:"markup_flat"` // rupiah added
	RoundTo    Money     `json:"round_to"`    // the price is rounded up to a multiple of this
	UpdatedAt  time.Time `json:"updated_at"`
}

// Markup scopes.
const (
	ScopeAll      = "all"
	ScopeCategory = "category"
	ScopeProduct  = "product"
	// ScopeNumbers prices the virtual-number price list (a service code narrows it to
	// one service); without such a rule LOKET_VN_MARKUP_BP does.
	ScopeNumbers = "numbers"
)

// MarkupScopes are the scopes of markup rules, as operators type them.
var MarkupScopes = []string{ScopeAll, ScopeCategory, ScopeProduct, ScopeNumbers}

// Summary is one line for the operator.
func (s *PriceSync) Summary() string {
	out := fmt.Sprintf("%d listed, %d matched, %d costs changed, %d unavailable, %d products repriced", s.Listed, s.Matched, s.Costs, s.Unavailable, s.Repriced)
	if len(s.Unlisted) > 0 {
		out += fmt.Sprintf(", %d of our codes not listed", len(s.Unlisted))
	}
	if len(s.Refused) > 0 {
		out += fmt.Sprintf(", %d refused", len(s.Refused))
	}
	return out
}

// DefaultRoundTo is a markup rule's rounding when none is given: whole hundreds of
// rupiah, rounded up, so a rule never gives odd amounts such as 5.396.
const DefaultRoundTo Money = 100

// Apply computes the base price for a cost.
func (m MarkupRule) Apply(cost Money) Money {
	p := cost.PlusBP(m.MarkupBP) + m.MarkupFlat
	if m.RoundTo > 1 {
		p = (p + m.RoundTo - 1) / m.RoundTo * m.RoundTo
	}
	return p
}

// PriceUpdate is one product's price for a reseller, before and after a change.
type PriceUpdate struct {
	Code     string `json:"product"`
	PriceOld Money  `json:"price_old"`
	PriceNew Money  `json:"price_new"`
}

// SupplierState is what the operator sees of a supplier, as this node knows it.
type SupplierState struct {
	Supplier
	Usable       bool       `json:"usable"`
	Why          string     `json:"why,omitempty"`
	Balance      *Money     `json:"balance,omitempty"`
	BalanceAt    *time.Time `json:"balance_checked_at,omitempty"`
	BalanceError string     `json:"balance_error,omitempty"`
	LowBalance   bool       `json:"low_balance"`
	NoAnswerRun  int        `json:"no_answer_in_a_row"`
	Routes       int        `json:"routes"`
	Threshold    Money      `json:"low_balance_threshold"`
}

// NewRoute is a way to buy a product the operator adds: from a supplier (by name),
// under the supplier's own code, at a cost, tried in order of priority (lower first).
type NewRoute struct {
	Product      string
	Supplier     string
	SupplierCode string
	Cost         Money
	Priority     int
}

// ImportSummary counts the items of an imported catalog file, each created or updated.
type ImportSummary struct {
	Levels, Categories, Brands, Products, Routes, Suppliers int
	VNServices, VNCountries                                 int // the virtual-number catalog
}

// PriceMove is one product's base price before and after a change, or one
// virtual-number price-list entry's (Product is then VNEntryLabel's).
type PriceMove struct {
	Product string `json:"product"`
	Old     Money  `json:"old"`
	New     Money  `json:"new"`
}

// PriceChangeSet is the base price changes one transaction made (a markup rule set or
// deleted, a price sync, an import, an undo), as loket price history lists them.
type PriceChangeSet struct {
	ID       int64       `json:"id"`
	At       time.Time   `json:"at"`
	Cause    string      `json:"cause"`
	Undoes   int64       `json:"undoes,omitempty"` // the set this one undid
	Products int         `json:"products"`
	Up       int         `json:"up"`
	Down     int         `json:"down"`
	Changes  []PriceMove `json:"changes,omitempty"`
}

// Count sets Products, Up and Down from Changes.
func (s *PriceChangeSet) Count() {
	s.Products, s.Up, s.Down = len(s.Changes), 0, 0
	for _, c := range s.Changes {
		switch {
		case c.New > c.Old:
			s.Up++
		case c.New < c.Old:
			s.Down++
		}
	}
}

// VNEntryLabel names a virtual-number price-list entry where a product's code would
// stand (a PriceMove): "vn:14/340437/3837" is service 14, number_id 340437, provider
// 3837.
func VNEntryLabel(serviceCode, numberID int64, providerID string) string {
	return fmt.Sprintf("vn:%d/%d/%s", serviceCode, numberID, providerID)
}

// MarkupChange is what setting or deleting a markup rule did, or would do when it is a
// preview (Applied false: nothing was written). It counts the prepaid products the
// rule's scope covers (the price-list entries, for scope numbers) and, of them, how
// many went up, down or stayed.
type MarkupChange struct {
	PriceChangeSet
	Applied   bool `json:"applied"`
	Covered   int  `json:"covered"`
	Unchanged int  `json:"unchanged"`
	// Before is, for a deleted rule, the change set that last set it (0 when none is
	// recorded): undoing it restores the prices from before the rule.
	Before int64 `json:"set_by,omitempty"`
}
