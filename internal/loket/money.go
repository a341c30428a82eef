package loket

import (
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in rupiah, the smallest unit Loket deals in.
type Money int64

// MaxAmount bounds every amount Loket accepts (Rp 1 trillion): far above any real order
// or deposit, far below int64 overflow when amounts are summed.
const MaxAmount Money = 1_000_000_000_000

// Thousands writes n with sep between groups of three digits: 1.000.101 (sep '.', as
// Indonesian writes it) or 1,000,101.
func Thousands(n Money, sep byte) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	b := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		b = append(b, '-')
	}
	for i := 0; i < len(s); i++ {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, sep)
		}
		b = append(b, s[i])
	}
	return string(b)
}

// FormatRupiah writes an amount the Indonesian way: Rp 10.575 (-Rp 500 below zero).
func FormatRupiah(m Money) string {
	if m < 0 {
		return "-Rp " + Thousands(-m, '.')
	}
	return "Rp " + Thousands(m, '.')
}

// MicroUSDT is an amount of USDT in the token's smallest unit (TRC-20 USDT has six
// decimals: 1 USDT is 1,000,000), as a transfer on chain carries it. Loket never adds it
// to rupiah: package usdt converts at the operator's rate.
type MicroUSDT int64

// PlusBP is m raised by bp basis points (100 bp = 1%), rounded up to whole rupiah: how
// every percentage markup in Loket is applied.
func (m Money) PlusBP(bp int64) Money { return m + (m*Money(bp)+9999)/10000 }

// String writes m as a plain number of rupiah, as the wire formats want it.
func (m Money) String() string { return strconv.FormatInt(int64(m), 10) }

// ParseMoney reads an amount of rupiah as people and payment sources write it: "500",
// "1.000" and "77.777" (a dot groups thousands in Indonesian), "1,000", "Rp 1.000",
// "1000.00" and "1.000,00" (zero cents), and "-5.000" or "-Rp 5.000" below zero.
// Non-zero cents, ambiguous grouping, amounts beyond MaxAmount and anything else are
// refused with an error that quotes the value.
func ParseMoney(s string) (Money, error) {
	bad := func(why string) (Money, error) {
		v := s
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return 0, fmt.Errorf("invalid amount %q: %s", v, why)
	}
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	if neg {
		t = strings.TrimSpace(t[1:])
	}
	for _, p := range []string{"Rp.", "Rp", "IDR"} {
		if len(t) >= len(p) && strings.EqualFold(t[:len(p)], p) {
			t = strings.TrimSpace(t[len(p):])
			break
		}
	}
	if t == "" {
		return bad("empty")
	}
	if t[0] == '-' {
		return bad("not a number")
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; (c < '0' || c > '9') && c != '.' && c != ',' {
			return bad("not a number")
		}
	}
	whole := t
	// One or two digits after the last separator are cents; three are a thousands group.
	if i := strings.LastIndexAny(t, ".,"); i >= 0 && len(t)-i-1 <= 2 {
		frac := t[i+1:]
		whole = t[:i]
		if frac == "" {
			return bad("ends with a separator")
		}
		if strings.IndexByte(whole, t[i]) >= 0 {
			return bad("ambiguous separators")
		}
		if strings.Trim(frac, "0") != "" {
			return bad("non-zero cents")
		}
	}
	if whole == "" {
		return bad("no rupiah digits")
	}
	if i := strings.IndexAny(whole, ".,"); i >= 0 {
		sep := whole[i : i+1]
		other := map[string]string{".": ",", ",": "."}[sep]
		if strings.Contains(whole, other) {
			return bad("mixed separators")
		}
		groups := strings.Split(whole, sep)
		if n := len(groups[0]); n < 1 || n > 3 {
			return bad("bad digit grouping")
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return bad("bad digit grouping")
			}
		}
		whole = strings.Join(groups, "")
	}
	whole = strings.TrimLeft(whole, "0")
	if whole == "" {
		return 0, nil
	}
	if len(whole) > 13 {
		return bad("too large")
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || Money(n) > MaxAmount {
		return bad("too large")
	}
	if neg {
		return -Money(n), nil
	}
	return Money(n), nil
}
