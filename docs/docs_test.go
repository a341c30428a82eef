// Package docs holds Loket's prose documentation; its test keeps docs/ARCHITECTURE.md
// naming every package under internal/.
package docs

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A package is a directory under internal/ holding at least one .go file other than
// a _test.go file; testdata and directories starting with "." or "_" are skipped, as
// the go command skips them.
//
// ARCHITECTURE.md mentions a package internal/a/b when either
//
//  1. it names it in backticks anywhere: `internal/a/b` (or `internal/a/b/`); or
//  2. one line of it (a table row is one line) names, in backticks, the parent
//     `internal/a` or a pattern of its children such as `internal/a/<name>`, and
//     names the child `b` (or `b/`) in backticks too, as in
//     | `internal/compat/<name>` | one package per dialect (`socx`, `tokowendigg`) |
//
// Rule 2 reaches one level down only: a pattern alone, without the children named
// beside it, documents nothing, so a new package is never covered unawares.

// TestArchitectureNamesEveryPackage fails, naming each one, for the packages under
// internal/ that docs/ARCHITECTURE.md does not mention.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	doc, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := goPackages("..", "internal")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) == 0 {
		t.Fatal("found no packages under internal/: is the test running in docs/?")
	}
	var missing []string
	for _, p := range pkgs {
		if !mentions(string(doc), p) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		t.Errorf("docs/ARCHITECTURE.md does not mention %d of the %d packages under internal/:\n\t%s\n"+
			"Name each in backticks, as `internal/supplier/socx`, or name it in backticks, as `socx`, on the line "+
			"(table row) of its parent's entry, `internal/supplier` or `internal/supplier/<kind>`; the rule is in docs/docs_test.go.",
			len(missing), len(pkgs), strings.Join(missing, "\n\t"))
	}
}

// goPackages lists, sorted and slash-separated, the package directories under
// root/dir, relative to root.
func goPackages(root, dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			return filepath.SkipDir
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return err
		}
		for _, e := range entries {
			n := e.Name()
			if !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
				rel, err := filepath.Rel(root, p)
				if err != nil {
					return err
				}
				out = append(out, filepath.ToSlash(rel))
				break
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// codeSpan matches a backticked span of one line.
var codeSpan = regexp.MustCompile("`([^`\n]+)`")

// mentions reports whether doc mentions package pkg ("internal/a/b") by the rule above.
func mentions(doc, pkg string) bool {
	parent, child := path.Dir(pkg), path.Base(pkg)
	for line := range strings.Lines(doc) {
		var namesParent, namesChild bool
		for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
			span := strings.TrimSuffix(m[1], "/")
			switch {
			case span == pkg:
				return true
			case span == parent || isChildPattern(span, parent):
				namesParent = true
			case span == child:
				namesChild = true
			}
		}
		if namesParent && namesChild {
			return true
		}
	}
	return false
}

// isChildPattern reports whether span is parent/<something>, a placeholder for its
// children.
func isChildPattern(span, parent string) bool {
	rest, ok := strings.CutPrefix(span, parent+"/")
	return ok && strings.HasPrefix(rest, "<") && strings.HasSuffix(rest, ">") && !strings.Contains(rest, "/")
}

func TestMentions(t *testing.T) {
	doc := "Edges call `internal/app`; suppliers are `internal/supplier/<kind>`.\n" +
		"| `internal/store/` | persistence |\n" +
		"| `internal/compat/<name>` | one per dialect (`socx`, `tokowendigg/`) |\n" +
		"| `internal/payment` | sources: `qris/` and `usdt` |\n" +
		"Not code: internal/plain, `internal/webx`, `orderkuota`.\n"
	tests := []struct {
		pkg  string
		want bool
	}{
		{"internal/app", true},
		{"internal/store", true},               // trailing slash
		{"internal/compat/socx", true},         // pattern and child on one row
		{"internal/compat/tokowendigg", true},  // child with a slash
		{"internal/payment/qris", true},        // parent and child on one row
		{"internal/payment/usdt", true},        //
		{"internal/supplier/sim", false},       // a pattern alone names no child
		{"internal/compat/input", false},       // not named on the pattern's row
		{"internal/payment/orderkuota", false}, // named, but not on the parent's line
		{"internal/plain", false},              // not in backticks
		{"internal/web", false},                // a prefix of another name
		{"internal/app/sub", false},            // parent named, child not
	}
	for _, tt := range tests {
		if got := mentions(doc, tt.pkg); got != tt.want {
			t.Errorf("mentions(%q) = %v, want %v", tt.pkg, got, tt.want)
		}
	}
}
