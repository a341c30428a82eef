package loket

import "time"

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

// Activation states. renting: the reservation is made and the supplier is being asked
// for a number (or, its answer lost, about the rent); waiting: a number is assigned and no SMS is awaited-for arrived yet
// (after a resend, the next one); received: at least one SMS arrived; done: finished
// with a code, the reservation posted; canceled: finished without a code (by the
// reseller, the timeout or the supplier), refunded; failed: no number could be rented,
// refunded.
const (
	VNRenting  = "renting"
	VNWaiting  = "waiting"
	VNReceived = "received"
	VNDone     = "done"
	VNCanceled = "canceled"
	VNFailed   = "failed"
)

// Activation is one rented virtual number.
type Activation struct {
	ID          int64
	ResellerID  int64
	RefID       string
	RequestHash string
	ServiceCode int64
	ServiceName string
	NumberID    int64
	Country     string
	ProviderID  string
	OperatorID  string
	Price       Money
	PriceJual   Money
	MaxPrice    Money
	SupplierID  int64
	Cost        Money
	SupplierRef string
	Phone       string
	State       string
	SMSCount    int
	Message     string
	Surface     string
	AccountID   int64
	Hold        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ExpiresAt   time.Time
	CancelAfter time.Time // zero: any time
	SettledAt   *time.Time
	Flagged     bool

	SMS []VNSMS // filled by the readers that say so
}

// VNSMS is one message an activation's number received.
type VNSMS struct {
	Seq        int       `json:"seq"`
	Code       string    `json:"code"`
	Text       string    `json:"text"`
	ReceivedAt time.Time `json:"received_at"`
}

// ActivationFilter selects activations for the operator.
type ActivationFilter struct {
	ResellerID int64  // 0: every reseller's
	State      string // "": any
	Flagged    bool   // only those flagged for the operator (a rent of unknown outcome to decide)
	Limit      int
}

// Open reports whether the activation still holds its reservation.
func (a *Activation) Open() bool { return a.Hold == HoldPending }

// NumberRequest is a reseller's order for a virtual number.
type NumberRequest struct {
	RefID       string // optional idempotency key: the same ref_id returns the same activation
	ServiceCode int64  // 0: the service named ServiceName, or else the first (by code) priced at the country and provider
	ServiceName string
	NumberID    int64
	ProviderID  string
	OperatorID  string // default "any"
	PriceJual   Money
	MaxPrice    Money // 0: none
	Surface     string
}

// MsgTimeout is the message of an activation canceled because no SMS came in time.
const MsgTimeout = "no SMS before the timeout"

// MsgRentPending is the message of an activation whose rent's outcome is unknown (the
// supplier's answer was lost): it stays renting, its price reserved, until the
// supplier says whether a number was rented.
const MsgRentPending = "the number is being prepared; check its status again shortly (nothing is charged without a code)"
