package loket

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckText(t *testing.T) {
	for _, c := range []struct {
		name, s string
		max     int
		lines   bool
		reason  string // "" when taken
	}{
		{"plain", "Budi Santoso", 64, false, ""},
		{"unicode", "ünïcødé 🙂 Ｓ５", 64, false, ""},
		{"empty", "", 64, false, ""},
		{"at the bound", strings.Repeat("x", 64), 64, false, ""},
		{"over the bound", strings.Repeat("x", 65), 64, false, ReasonTooLong},
		{"bound counts bytes", strings.Repeat("é", 33), 64, false, ReasonTooLong},
		{"NUL", "ab\x00cd", 64, false, ReasonControl},
		{"escape", "ab\x1b[2Jcd", 64, false, ReasonControl},
		{"DEL", "ab\x7f", 64, false, ReasonControl},
		{"C1 control", "ab\u0085cd", 64, false, ReasonControl},
		{"line break", "ab\ncd", 64, false, ReasonControl},
		{"tab", "ab\tcd", 64, false, ReasonControl},
		{"invalid UTF-8", "ab\xff\xfecd", 64, false, ReasonNotUTF8},
		{"half a character", "é"[:1], 64, false, ReasonNotUTF8},
		{"surrogate", "\xed\xa0\x80", 64, false, ReasonNotUTF8},
		{"lines: line breaks and tabs", "a\tb\r\nc", 64, true, ""},
		{"lines: NUL", "a\nb\x00", 64, true, ReasonControl},
		{"lines: invalid UTF-8", "a\n\xff", 64, true, ReasonNotUTF8},
	} {
		check := CheckText
		if c.lines {
			check = CheckLines
		}
		err := check("note", c.s, c.max)
		if got := ErrorReason(err); got != c.reason || (err != nil && (ErrorCode(err) != EINVALID || ErrorField(err) != "note")) {
			t.Errorf("%s: %v (reason %q), want reason %q", c.name, err, got, c.reason)
		}
		if c.reason == ReasonTooLong && ErrorMax(err) != c.max {
			t.Errorf("%s: Max %d, want %d", c.name, ErrorMax(err), c.max)
		}
	}
	if err := CheckTexts("a", "ok", "b", "b\x00", "c", "\xff"); ErrorField(err) != "b" {
		t.Errorf("CheckTexts: %v, want the first refusal (b)", err)
	}
}

func TestPrintable(t *testing.T) {
	for s, want := range map[string]bool{"ref-1 ü": true, "a\x00": false, "a\xff": false, "a\u200b": false, "": true} {
		if got := Printable(s); got != want {
			t.Errorf("Printable(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCleanText(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"SN 123", 64, "SN 123"},
		{"SN\x00\xff-7\x1b", 64, "SN  -7 "},
		{"a\nb", 64, "a b"},
		{"ééé", 5, "éé"}, // cut on a character boundary
		{strings.Repeat("x", 10), 4, "xxxx"},
	} {
		if got := CleanText(c.in, c.max); got != c.want {
			t.Errorf("CleanText(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

// FuzzCleanText: whatever comes in, CleanText's result is text CheckText takes.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "SN 1", "a\x00b", "\xff\xfe", "ééé", "a\u0085b", strings.Repeat("🙂", 40)} {
		f.Add(s, 16)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1<<12 {
			return
		}
		got := CleanText(s, max)
		if err := CheckText("x", got, max); err != nil {
			t.Fatalf("CleanText(%q, %d) = %q, which CheckText refuses: %v", s, max, got, err)
		}
		if CheckText("x", s, max) == nil && got != s {
			t.Fatalf("CleanText changed %q, which CheckText takes, to %q", s, got)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 %q", got)
		}
	})
}
