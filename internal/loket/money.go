package loket

import "strconv"

// Thousands writes n with sep between groups of three digits: 1.000.101 (sep '.', as
// Indonesian writes it) or 1,000,101.
func Thousands(n int64, sep byte) string {
	s := strconv.FormatInt(n, 10)
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
