package client

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// NumberRequest rents a virtual number (POST /v1/numbers).
type NumberRequest struct {
	Service    int64  `json:"service"`
	NumberID   int64  `json:"number_id"`
	ProviderID string `json:"provider_id"`
	OperatorID string `json:"operator_id,omitempty"`
	RefID      string `json:"ref_id,omitempty"`
	PriceJual  int64  `json:"price_jual,omitempty"`
	MaxPrice   int64  `json:"max_price,omitempty"`
}

// SMS is one message a rented number received.
type SMS struct {
	Seq        int       `json:"seq"`
	Code       string    `json:"code"`
	Text       string    `json:"text"`
	ReceivedAt time.Time `json:"received_at"`
}

// Number is a virtual-number activation. Status is renting (still being prepared: no
// Phone yet; poll it), waiting, received, done, canceled or failed.
type Number struct {
	ID          int64      `json:"id"`
	RefID       string     `json:"ref_id"`
	Service     int64      `json:"service"`
	ServiceName string     `json:"service_name"`
	NumberID    int64      `json:"number_id"`
	Country     string     `json:"country"`
	ProviderID  string     `json:"provider_id"`
	OperatorID  string     `json:"operator_id"`
	Phone       string     `json:"phone"`
	Price       int64      `json:"price"`
	PriceJual   int64      `json:"price_jual"`
	MaxPrice    int64      `json:"max_price,omitempty"` // the NumberRequest's, 0 when none
	Status      string     `json:"status"`
	Code        string     `json:"code"`
	SMS         []SMS      `json:"sms"`
	Message     string     `json:"message"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	CancelAfter *time.Time `json:"cancel_after"`
	SettledAt   *time.Time `json:"settled_at"`
}

// RentNumber rents a number. created is false when req.RefID was used before: the
// activation returned is then that first one, and nothing was charged now.
func (c *Client) RentNumber(ctx context.Context, req NumberRequest) (n *Number, created bool, err error) {
	var out Number
	status, err := c.do(ctx, http.MethodPost, "/v1/numbers", nil, req, &out)
	if err != nil {
		return nil, false, err
	}
	return &out, status == http.StatusCreated, nil
}

// Number returns one of the caller's activations with its SMS.
func (c *Client) Number(ctx context.Context, id int64) (*Number, error) {
	var n Number
	if _, err := c.do(ctx, http.MethodGet, "/v1/numbers/"+strconv.FormatInt(id, 10), nil, nil, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

// NumberAction is cancel (before a code: refunded), done (after one: charged) or
// resend (after one: another code).
func (c *Client) NumberAction(ctx context.Context, id int64, action string) (*Number, error) {
	var n Number
	if _, err := c.do(ctx, http.MethodPost, "/v1/numbers/"+strconv.FormatInt(id, 10)+"/"+action, nil, nil, &n); err != nil {
		return nil, err
	}
	return &n, nil
}
