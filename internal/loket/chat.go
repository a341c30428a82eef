package loket

import (
	"context"
	"time"
)

// ChatAccount is a chat address (a Telegram chat, a Jabber JID) linked to a reseller:
// messages from it are the reseller's commands, each confirmed by the reseller's
// transaction PIN.
type ChatAccount struct {
	ID          int64     `json:"id"`
	ResellerID  int64     `json:"-"`
	Username    string    `json:"username,omitempty"` // the reseller's, in the operator's lists
	Channel     string    `json:"channel"`
	Address     string    `json:"address"`
	Name        string    `json:"name,omitempty"`
	LinkedAt    time.Time `json:"linked_at"`
	LockedUntil time.Time `json:"locked_until,omitempty"` // after too many wrong PINs
	PINFailures int       `json:"-"`                      // wrong PINs in a row
}

// ChatLink is a one-time code a reseller sends from a chat to link it.
type ChatLink struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Chat alert kinds (the operator's chat): a supplier's balance below its threshold,
// an order flagged as stuck, a supplier failing.
const (
	AlertLowBalance = "low_balance"
	AlertStuck      = "stuck"
	AlertSupplier   = "supplier_down"
)

// Chat settings (loket setting set): the operator's chat addresses for alerts and
// which alerts go there.
const (
	SettingChatOperators = "chat.operators" // "telegram:123456, xmpp:boss@example.com"
	SettingChatAlerts    = "chat.alerts"    // "low_balance,stuck,supplier_down" (default all)
	SettingChatContact   = "chat.contact"   // where resellers write: "@TokoBot (Telegram), toko@jabber.id"
	// SettingLowBalance is the supplier balance below which the operator is warned
	// (the overview, the alert), in rupiah; unset: LOKET_SUPPLIER_LOW_BALANCE.
	SettingLowBalance = "supplier.low_balance"
)

// AlertKinds are every kind of the operator's alerts.
var AlertKinds = []string{AlertLowBalance, AlertStuck, AlertSupplier}

// ChatSettings are the operator's settings of ordering by chat.
type ChatSettings struct {
	Contact   string   // where resellers write, shown on their Chat page
	Operators []string // the operator's chats for alerts: "telegram:123456", "xmpp:boss@example.com"
	Alerts    []string // the kinds of alert sent there (AlertKinds)
}

// ChatService is ordering by chat, as the dashboards and the operator's commands see
// it: linking chats to resellers, their PIN, and the operator's broadcasts.
type ChatService interface {
	// Channels names the channels configured on this node ("telegram", "xmpp").
	Channels() []string
	// NewLink makes a one-time code (valid ChatLinkTTL) the reseller sends from the
	// chat to link it. It needs the reseller's PIN set first.
	NewLink(ctx context.Context, resellerID int64) (*ChatLink, error)
	// SetPIN sets the reseller's transaction PIN (4 to 6 digits), kept hashed.
	SetPIN(ctx context.Context, resellerID int64, pin string) error
	HasPIN(ctx context.Context, resellerID int64) (bool, error)
	// Accounts lists the chats linked to a reseller (every reseller's when 0).
	Accounts(ctx context.Context, resellerID int64) ([]ChatAccount, error)
	// Unlink removes a linked chat (one of the reseller's when resellerID is not 0).
	Unlink(ctx context.Context, resellerID, accountID int64) error
	// Broadcast sends text to every linked chat (of every channel) and returns how
	// many messages were queued.
	Broadcast(ctx context.Context, text string) (int, error)
	// Help is the formats a chat takes, as the chat's HELP answers them.
	Help() string
	// Settings and SetSettings are the operator's chat settings; SetSettings refuses
	// an operator's chat that is not channel:address of a known channel, or an
	// unknown kind of alert.
	Settings(ctx context.Context) (ChatSettings, error)
	SetSettings(ctx context.Context, c ChatSettings) error
}

// ChatLinkTTL is how long a link code stays valid.
const ChatLinkTTL = 15 * time.Minute
