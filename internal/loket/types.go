package loket

import (
	"encoding/json"
	"time"
)

// Money is an amount in rupiah, the smallest unit Loket deals in.
type Money int64

// MaxAmount bounds every amount Loket accepts (Rp 1 trillion): far above any real order
// or deposit, far below int64 overflow when amounts are summed.
const MaxAmount Money = 1_000_000_000_000

// Reseller statuses.
const (
	ResellerActive    = "active"
	ResellerSuspended = "suspended"
)

// Reseller is a buyer with a prepaid balance. Keys are never kept in the clear.
type Reseller struct {
	ID            int64
	Username      string
	Name          string
	Email         string
	Level         string
	Status        string
	IPAllow       []string // CIDRs; empty allows every address
	WebhookURL    string
	ReferralCode  string
	Balance       Money
	ProfitBalance Money
	CreatedAt     time.Time
}

// Credentials are shown once, when created or regenerated.
type Credentials struct {
	APIKey    string `json:"api_key"`
	SecretKey string `json:"secret_key"`
}

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
}

// Order statuses as resellers see them.
const (
	StatusPending = "pending"
	StatusSuccess = "success"
	StatusFailed  = "failed"
)

// Order is one purchase by a reseller.
type Order struct {
	ID          int64
	ResellerID  int64
	RefID       string
	ProductID   int64
	ProductCode string
	ProductName string
	Target      string
	Fields      map[string]string
	Price       Money
	Status      string
	SN          string
	Message     string
	Surface     string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SettledAt   *time.Time
	FlaggedAt   *time.Time
	// Mode is how the order is paid: "saldo" (the reseller's balance) or "dropship"
	// (the reseller's customer pays by QRIS; the margin goes to the profit balance).
	Mode string
}

// Order modes.
const (
	ModeSaldo    = "saldo"
	ModeDropship = "dropship"
)

// OrderRequest is what a reseller asks for, from whatever surface.
type OrderRequest struct {
	Product  string            `json:"product"`
	Target   string            `json:"target"`
	RefID    string            `json:"ref_id"`
	Fields   map[string]string `json:"fields,omitempty"`
	MaxPrice Money             `json:"max_price,omitempty"`
	Surface  string            `json:"-"`
}

// LedgerLine is one movement on a reseller's account, with the balance after it (mutasi).
type LedgerLine struct {
	ID           int64     `json:"id"`
	TransferKind string    `json:"kind"`
	Amount       Money     `json:"amount"`
	BalanceAfter Money     `json:"balance_after"`
	OrderID      *int64    `json:"order_id,omitempty"`
	Note         string    `json:"note"`
	CreatedAt    time.Time `json:"created_at"`
}

// Event is a change a reseller is told about by webhook.
type Event struct {
	Type  string          `json:"event"`
	Order json.RawMessage `json:"order"`
}

// VNService is a service a virtual number receives OTP codes for (seed 000).
type VNService struct {
	Code   int64  `json:"service_code" yaml:"code"`
	Name   string `json:"service_name" yaml:"name"`
	Image  string `json:"service_img" yaml:"image"`
	Active bool   `json:"active" yaml:"active"`
}

// VNPrice is one entry of a country's virtual-number price list for a service: an
// upstream provider and server, its price, success rate and stock.
type VNPrice struct {
	ServiceCode int64  `yaml:"service"`
	NumberID    int64  `yaml:"number_id"`
	ProviderID  string `yaml:"provider_id"`
	ServerID    int64  `yaml:"server_id"`
	Price       Money  `yaml:"price"`
	RateBP      int64  `yaml:"rate_bp"` // success rate in basis points: 8160 is 81.6%
	Stock       int64  `yaml:"stock"`
}

// VNCountry is a country virtual numbers come from, with its price list for one service.
type VNCountry struct {
	NumberID int64
	Name     string
	Prefix   string
	Prices   []VNPrice
}

// VNOperator is a mobile operator a number can be asked for ("any" for whichever).
type VNOperator struct {
	ID    string
	Name  string
	Image string
}
