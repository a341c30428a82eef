package loket

import "time"

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

// ResellerAuth is what a request needs to know about the reseller behind a key.
type ResellerAuth struct {
	ID               int64
	Username         string
	Level            string
	Status           string
	IPAllow          []string
	WebhookURL       string
	SecretHash       string
	SecretSeal       string
	BalanceAccountID int64
	ProfitAccountID  int64
	UplineID         int64 // the reseller's upline (0: the operator's own reseller)
}

// ResellerUpdate holds the settings to change; nil fields stay as they are.
type ResellerUpdate struct {
	WebhookURL *string
	IPAllow    *[]string
	Level      *string
	Status     *string
	Name       *string
	Email      *string
	APIKeyHash *string
	APIKeySeal *string // with APIKeyHash: the new key sealed, so that a login can return it
	SecretHash *string
	SecretSeal *string
}

// NewResellerInput is what an operator (or self-registration) gives for a reseller.
type NewResellerInput struct {
	Username string
	Name     string
	Email    string
	Level    string
	Balance  Money // opening balance, credited as an adjustment
	// Upline makes the new reseller a downline of that reseller (0: the operator's).
	Upline int64
}
