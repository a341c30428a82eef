package supplier

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// Upstreams write amounts every way: numbers, strings, Indonesian thousands ("1.000"),
// decimals ("1000.00"), "Rp" prefixes. Adapters read them with ParseAmount.

// ParseAmount reads a rupiah amount given as a JSON number or string: 150000,
// 1000.5, "150000", "150.000", "150,000", "1000.00", "1.000,50", "Rp 5.850". It
// returns the whole rupiah and whether a non-zero fraction was dropped. In a string, a
// last "." or "," followed by exactly three digits groups thousands (Indonesian
// "1.000" is a thousand); in a JSON number "." is always a decimal point. Negative
// amounts are refused.
func ParseAmount(raw json.RawMessage) (loket.Money, bool, error) {
	raw = bytes.TrimSpace(raw)
	bad := func() (loket.Money, bool, error) {
		return 0, false, fmt.Errorf("%q is not an amount", clipAmount(string(raw)))
	}
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false, errors.New("no amount")
	}
	if raw[0] != '"' {
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return bad()
		}
		t := n.String()
		if strings.ContainsAny(t, "eE") {
			f, err := strconv.ParseFloat(t, 64)
			if err != nil || f < 0 || f > float64(loket.MaxAmount) {
				return bad()
			}
			w := loket.Money(f)
			return w, float64(w) != f, nil
		}
		whole, fraction, _ := strings.Cut(t, ".")
		return digits(whole, fraction, bad)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return bad()
	}
	t := strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"rp.", "rp", "idr"} {
		t = strings.TrimPrefix(t, p)
	}
	t = strings.ReplaceAll(strings.TrimSpace(t), " ", "")
	t = strings.TrimSuffix(t, ",-") // "Rp 10.000,-"
	whole, fraction := t, ""
	if i := strings.LastIndexAny(t, ".,"); i >= 0 {
		sep, other := t[i], byte(',')
		if sep == ',' {
			other = '.'
		}
		if len(t)-i-1 == 3 && strings.IndexByte(t, other) < 0 && groupedOK(t, sep) {
			whole = strings.ReplaceAll(t, string(sep), "")
		} else {
			whole, fraction = t[:i], t[i+1:]
			if strings.IndexByte(whole, sep) >= 0 {
				return bad()
			}
			if strings.IndexByte(whole, other) >= 0 {
				if !groupedOK(whole, other) {
					return bad()
				}
				whole = strings.ReplaceAll(whole, string(other), "")
			}
		}
	}
	return digits(whole, fraction, bad)
}

func digits(whole, fraction string, bad func() (loket.Money, bool, error)) (loket.Money, bool, error) {
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(fraction, "0123456789") != "" {
		return bad()
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || loket.Money(n) > loket.MaxAmount {
		return bad()
	}
	return loket.Money(n), strings.Trim(fraction, "0") != "", nil
}

// groupedOK tells whether s is digits grouped by sep in threes: "1.000.000".
func groupedOK(s string, sep byte) bool {
	parts := strings.Split(s, string(sep))
	for i, p := range parts {
		if p == "" || len(p) > 3 || (i > 0 && len(p) != 3) || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

func clipAmount(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
