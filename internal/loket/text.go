package loket

import "unicode"

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
