package loket

import "strconv"

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
