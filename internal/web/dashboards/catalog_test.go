package dashboards

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/loket/loket/internal/web"
)

// Every message the templates and handlers use has its English: the core's (package
// web) and the page packages' (admin, app), with every page package linked in as here.
// The words of the refusals kept in maps are checked in their packages.
func TestCatalogComplete(t *testing.T) {
	tmpl := regexp.MustCompile(`\.Tf? "([^"]+)"`)
	code := regexp.MustCompile(`\.Tf?\("([^"]+)"|[nN]ewPage\(w, r, \w+, "([^"]+)"`)
	n := 0
	for glob, re := range map[string]*regexp.Regexp{
		"../templates/*.html": tmpl, "../admin/templates/*.html": tmpl, "../app/templates/*.html": tmpl,
		"../*.go": code, "../admin/*.go": code, "../app/*.go": code,
	} {
		files, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no files %s", glob)
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
				if _, ok := web.English(key); !ok {
					t.Errorf("%s: %q has no English", f, key)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("found only %d messages: the patterns are wrong", n)
	}
}
