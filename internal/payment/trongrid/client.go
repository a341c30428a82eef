// Package trongrid is the on-chain USDT watcher: a payment source that reads the
// TRC-20 transfers to the operator's TRON address through a TronGrid-compatible API
// (TronGrid's v1 GET /v1/accounts/{address}/transactions/trc20, or anything that
// answers the same, such as the demo's simulated chain) and reports each confirmed
// USDT transfer as a payment: Ref its transaction hash, Amount its raw value in
// micro-USDT. Matching the amount to a deposit is the deposits service's.
package trongrid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// APIKeyHeader carries the API key TronGrid gives its users.
const APIKeyHeader = "TRON-PRO-API-KEY"

// PageSize is how many transfers one request asks for: TronGrid's maximum.
const PageSize = 200

// maxBody bounds an answer: a full page is some 80 KB.
const maxBody = 8 << 20

// Client speaks TronGrid's v1 account API.
type Client struct {
	base string
	key  string
	http *http.Client
}

// Config is what a Client needs.
type Config struct {
	BaseURL string // e.g. https://api.trongrid.io, without /v1
	APIKey  string // sent as TRON-PRO-API-KEY when set
	HTTP    *http.Client
}

// New returns a client of the API at cfg.BaseURL.
func New(cfg Config) *Client {
	hc := cfg.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(cfg.BaseURL, "/"), key: cfg.APIKey, http: hc}
}

// Query asks for the confirmed TRC-20 transfers of one token to an address, oldest
// first, from a block time on.
type Query struct {
	Address      string // the receiving address, base58
	Contract     string // the token's contract, base58
	MinTimestamp int64  // block time, Unix milliseconds, inclusive
	Fingerprint  string // the previous page's, to read the next one
}

// Page is one answer: its entries, each left raw so that one malformed entry does not
// cost the page, the fingerprint of the next page ("" at the end) and the API's clock.
type Page struct {
	Entries     []json.RawMessage
	Fingerprint string
	At          int64 // meta.at, Unix milliseconds; 0 when not given
}

// Transfer is one entry of the list, as TronGrid writes it.
type Transfer struct {
	TxID      string `json:"transaction_id"`
	TokenInfo struct {
		Address  string `json:"address"`
		Symbol   string `json:"symbol"`
		Decimals *int   `json:"decimals"`
	} `json:"token_info"`
	BlockTimestamp int64       `json:"block_timestamp"`
	From           string      `json:"from"`
	To             string      `json:"to"`
	Type           string      `json:"type"`
	Value          json.Number `json:"value"` // a string of the raw amount in the token's unit
}

// Transfers reads one page of q.
func (c *Client) Transfers(ctx context.Context, q Query) (Page, error) {
	v := url.Values{}
	v.Set("only_confirmed", "true")
	v.Set("only_to", "true")
	v.Set("contract_address", q.Contract)
	v.Set("min_timestamp", strconv.FormatInt(q.MinTimestamp, 10))
	v.Set("order_by", "block_timestamp,asc")
	v.Set("limit", strconv.Itoa(PageSize))
	if q.Fingerprint != "" {
		v.Set("fingerprint", q.Fingerprint)
	}
	u := c.base + "/v1/accounts/" + url.PathEscape(q.Address) + "/transactions/trc20?" + v.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Page{}, err
	}
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		req.Header.Set(APIKeyHeader, c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Page{}, fmt.Errorf("tron api: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return Page{}, fmt.Errorf("tron api: %w", err)
	}
	if len(body) > maxBody {
		return Page{}, errors.New("tron api: answer too large")
	}
	var ans struct {
		Success *bool             `json:"success"`
		Error   string            `json:"error"`
		Data    []json.RawMessage `json:"data"`
		Meta    struct {
			At          int64  `json:"at"`
			Fingerprint string `json:"fingerprint"`
		} `json:"meta"`
	}
	jsonErr := json.Unmarshal(body, &ans)
	if resp.StatusCode != http.StatusOK {
		msg := ans.Error
		if jsonErr != nil || msg == "" {
			msg = snippet(body)
		}
		return Page{}, fmt.Errorf("tron api: HTTP %d: %s", resp.StatusCode, msg)
	}
	if jsonErr != nil {
		return Page{}, fmt.Errorf("tron api: unreadable answer (%v): %s", jsonErr, snippet(body))
	}
	if ans.Success == nil || !*ans.Success {
		return Page{}, fmt.Errorf("tron api: not a success: %s", snippet(body))
	}
	return Page{Entries: ans.Data, Fingerprint: ans.Meta.Fingerprint, At: ans.Meta.At}, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
