package loket

import (
	"strings"
	"unicode"
)

// MaxRefLen bounds a caller's reference (ref_id) on every surface.
const MaxRefLen = 64

// Printable reports whether s has only printable characters: what free text from a
// caller may hold.
func Printable(s string) bool {
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

// Clip shortens what a caller sent for quoting it in an error.
func Clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// The lengths of an Indonesian mobile number, 08 included.
const minMSISDN, maxMSISDN = 9, 13

// NormalizeMSISDN turns +62 8xx, 62 8xx and 08xx (with spaces, dots or dashes) into
// 08xx, and reports whether the result is an Indonesian mobile number: 08, a digit
// other than 0, and 9 to 13 digits in all. Numbers have had 10 to 13; 9 is accepted
// because seed 002's own example purchase sends one (081471384); such a number, if
// wrong, fails at the operator and is refunded like any failed order. Anything
// shorter or longer, or with letters, is refused here.
func NormalizeMSISDN(s string) (string, bool) {
	var b strings.Builder
	for i, c := range strings.TrimSpace(s) {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '.':
		case c == '+' && i == 0:
		default:
			return "", false
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "62"):
		n = "0" + n[2:]
	case strings.HasPrefix(n, "8"):
		n = "0" + n
	}
	if len(n) < minMSISDN || len(n) > maxMSISDN || !strings.HasPrefix(n, "08") || n[2] == '0' {
		return "", false
	}
	return n, true
}
