package web

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Every message the templates and handlers use has its English.
func TestCatalogComplete(t *testing.T) {
	patterns := map[string]*regexp.Regexp{
		"templates/*.html": regexp.MustCompile(`\.Tf? "([^"]+)"`),
		"*.go":             regexp.MustCompile(`\.Tf?\("([^"]+)"|newPage\(w, r, \w+, "([^"]+)"`),
	}
	n := 0
	for glob, re := range patterns {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				key := m[1]
				if key == "" && len(m) > 2 {
					key = m[2]
				}
				n++
				if _, ok := english[key]; !ok {
					t.Errorf("%s: %q has no English", f, key)
				}
			}
		}
	}
	for _, m := range []map[string]string{billRefusals, meterRefusals, infoLabels, reportDimHeads} {
		for _, key := range m {
			n++
			if _, ok := english[key]; !ok {
				t.Errorf("refusals: %q has no English", key)
			}
		}
	}
	for _, key := range textRefusals {
		n++
		if _, ok := english[key]; !ok {
			t.Errorf("textRefusals: %q has no English", key)
		}
	}
	if n < 100 {
		t.Fatalf("found only %d messages: the patterns are wrong", n)
	}
}
