package orderkuota

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

// ParseAmount reads an amount of rupiah as the source writes it (loket.ParseMoney):
// "500", "1.000", "Rp 1.000", "1000.00"; negative amounts are refused.
func ParseAmount(s string) (loket.Money, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		return 0, fmt.Errorf("invalid amount %q: negative", loket.Clip(s))
	}
	return loket.ParseMoney(s)
}

// flexString reads a JSON string or number as text; null is "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(s))
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		*f = flexString(b)
	default:
		return fmt.Errorf("want a string or a number, got %s", snippet(b))
	}
	return nil
}

// mutasiEntry is one payment in the /kasir/orkut answers.
type mutasiEntry struct {
	Date       flexString `json:"date"`
	Amount     flexString `json:"amount"`
	Type       flexString `json:"type"`
	QRIS       flexString `json:"qris"`
	BrandName  flexString `json:"brand_name"`
	IssuerReff flexString `json:"issuer_reff"`
	BuyerReff  flexString `json:"buyer_reff"`
	Balance    flexString `json:"balance"`
}

func parseMutasiEntry(raw json.RawMessage) (Payment, error) {
	var e mutasiEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return Payment{}, err
	}
	p := Payment{
		Ref:      string(e.IssuerReff),
		Brand:    string(e.BrandName),
		Buyer:    string(e.BuyerReff),
		Incoming: isCredit(string(e.Type)),
	}
	var err error
	if p.Amount, err = ParseAmount(string(e.Amount)); err != nil {
		return p, err
	}
	if p.At, err = parseTime(string(e.Date)); err != nil {
		return p, err
	}
	if p.Incoming && p.Ref == "" {
		return p, errors.New("incoming payment without issuer_reff")
	}
	return p, nil
}

func isCredit(t string) bool {
	switch strings.ToUpper(strings.TrimSpace(t)) {
	case "CR", "C", "IN", "K", "KREDIT", "CREDIT":
		return true
	}
	return false
}

// historyEntry is one movement in /mutasi's qris_history.results.
type historyEntry struct {
	ID         flexString      `json:"id"`
	Debet      flexString      `json:"debet"`
	Kredit     flexString      `json:"kredit"`
	SaldoAkhir flexString      `json:"saldo_akhir"`
	Keterangan flexString      `json:"keterangan"`
	Tanggal    flexString      `json:"tanggal"`
	Status     flexString      `json:"status"`
	Fee        flexString      `json:"fee"`
	Brand      json.RawMessage `json:"brand"`
}

func parseHistoryEntry(raw json.RawMessage) (Payment, error) {
	var e historyEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return Payment{}, err
	}
	p := Payment{Ref: string(e.ID), Buyer: string(e.Keterangan)}
	// brand is {"name":...,"logo":...} in the seed; a plain string is accepted too.
	if s := asString(e.Brand); s != "" {
		p.Brand = s
	} else if len(e.Brand) > 0 && !isNull(e.Brand) {
		var b struct {
			Name flexString `json:"name"`
		}
		if err := json.Unmarshal(e.Brand, &b); err != nil {
			return p, fmt.Errorf("brand: %w", err)
		}
		p.Brand = string(b.Name)
	}
	var err error
	switch strings.ToUpper(string(e.Status)) {
	case "IN":
		p.Incoming = true
	case "":
		// No status: money in when kredit is not zero.
		if k, err := ParseAmount(string(e.Kredit)); err == nil && k > 0 {
			p.Incoming = true
		}
	}
	if p.Incoming {
		p.Amount, err = ParseAmount(string(e.Kredit))
	} else {
		p.Amount, err = ParseAmount(string(e.Debet))
	}
	if err != nil {
		return p, err
	}
	if p.At, err = parseTime(string(e.Tanggal)); err != nil {
		return p, err
	}
	if p.Incoming && p.Ref == "" {
		return p, errors.New("incoming payment without id")
	}
	return p, nil
}

// timeLayouts are read in WIB; the seed shows the first ("date") and the third ("tanggal").
var timeLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"02/01/2006 15:04",
	"02/01/2006 15:04:05",
	"2006-01-02T15:04:05",
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("no date")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, WIB); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q", snippet([]byte(s)))
}

// parseList reads a list of entries; null or absent is empty, a lone object is a
// list of one. Entries that cannot be read are left out and named in the error.
func parseList(op string, raw json.RawMessage, parse func(json.RawMessage) (Payment, error)) ([]Payment, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return []Payment{}, nil
	}
	var items []json.RawMessage
	switch raw[0] {
	case '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("orderkuota %s: %w", op, err)
		}
	case '{':
		items = []json.RawMessage{raw}
	default:
		return nil, &APIError{Op: op, StatusCode: 200, Message: "data is neither a list nor an object: " + snippet(raw)}
	}
	out := make([]Payment, 0, len(items))
	var errs []error
	for i, item := range items {
		p, err := parse(item)
		if err != nil {
			errs = append(errs, fmt.Errorf("orderkuota %s: entry %d (ref %q): %w", op, i, p.Ref, err))
			continue
		}
		out = append(out, p)
	}
	return out, errors.Join(errs...)
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

func isFalse(raw json.RawMessage) bool {
	switch strings.ToLower(strings.Trim(string(bytes.TrimSpace(raw)), `"`)) {
	case "false", "0":
		return true
	}
	return false
}

func asString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

func remarshal(obj map[string]json.RawMessage, v any) error {
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func sortedKeys(obj map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
