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

// NormalizeMSISDN turns +62 8xx, 62 8xx and 08xx (with spaces, dots or dashes) into
// 08xx, and reports whether the result is an Indonesian mobile number.
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
	if len(n) < 10 || len(n) > 13 || !strings.HasPrefix(n, "08") || n[2] == '0' {
		return "", false
	}
	return n, true
}
