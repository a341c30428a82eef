package loket

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRefLen bounds a caller's reference (ref_id) on every surface.
const MaxRefLen = 64

// MaxText bounds one string a caller sends (a name, a key, a reference, a note, a URL,
// a query parameter, a path) on every surface, unless its field allows more: the
// readers every edge shares check each string against it, and the services check
// their fields against their own, tighter bounds.
const MaxText = 1024

// CheckText is the one rule for text that comes from outside, on every surface and at
// every service that keeps it: valid UTF-8, no control characters (NUL, escape, DEL,
// line breaks...) and at most max bytes. PostgreSQL refuses NUL and invalid UTF-8 in
// text, so nothing that fails this may reach SQL. The error is EINVALID naming field,
// with a Reason (ReasonNotUTF8, ReasonControl, ReasonTooLong) and, for a text too long,
// Max, so that every dialect can word it in its own language.
func CheckText(field, s string, max int) error { return checkText(field, s, max, false) }

// CheckLines is CheckText for a text of several lines (a pasted file, a QRIS string
// copied with its line break): tabs and line breaks are allowed, other control
// characters are not.
func CheckLines(field, s string, max int) error { return checkText(field, s, max, true) }

// CheckTexts applies CheckText at MaxText to field, value pairs and returns the first
// refusal.
func CheckTexts(fieldValues ...string) error {
	for i := 0; i+1 < len(fieldValues); i += 2 {
		if err := CheckText(fieldValues[i], fieldValues[i+1], MaxText); err != nil {
			return err
		}
	}
	return nil
}

func checkText(field, s string, max int, lines bool) error {
	if !utf8.ValidString(s) {
		return &Error{Code: EINVALID, Field: field, Reason: ReasonNotUTF8, Message: field + " is not valid UTF-8 text"}
	}
	if len(s) > max {
		return &Error{Code: EINVALID, Field: field, Reason: ReasonTooLong, Max: max,
			Message: fmt.Sprintf("%s is longer than %d bytes", field, max)}
	}
	for _, c := range s {
		if unicode.IsControl(c) && !(lines && (c == '\t' || c == '\n' || c == '\r')) {
			return &Error{Code: EINVALID, Field: field, Reason: ReasonControl,
				Message: fmt.Sprintf("%s holds a control character (%U); send printable text", field, c)}
		}
	}
	return nil
}

// CleanText makes text Loket cannot refuse but keeps (a supplier's serial number or
// message, a browser's User-Agent) fit for CheckText: invalid bytes and control
// characters become spaces, and it is cut to at most max bytes on a character
// boundary.
func CleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, " ")
	s = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) {
			return ' '
		}
		return c
	}, s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// Printable reports whether s is valid UTF-8 with only printable characters: what
// free text from a caller may hold. (Ranging over invalid bytes yields U+FFFD, which is
// printable, so validity is checked first.)
func Printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
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
