package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHelp: `loket <command> [<action>] -h` prints that command's usage with the meaning
// of every flag its usage line names, succeeds, and does nothing else (no database is
// made); a command with actions asked for -h lists them.
func TestHelp(t *testing.T) {
	db := filepath.Join(t.TempDir(), "never.db")
	t.Setenv("LOKET_DATABASE_URL", "sqlite:"+db)
	flagRE := regexp.MustCompile(`--([a-z][a-z-]*)`)
	groups := map[string]bool{}
	checked := 0
	for name := range commands {
		words := strings.Fields(name)
		for n := 1; n < len(words); n++ {
			groups[strings.Join(words[:n], " ")] = true
		}
		for _, h := range []string{"-h", "--help"} {
			var out bytes.Buffer
			if err := run(append(words, h), &out); err != nil {
				t.Errorf("loket %s %s: %v", name, h, err)
				continue
			}
			got := out.String()
			if !strings.HasPrefix(got, "usage: loket "+name+" ") {
				t.Errorf("loket %s %s does not begin with its usage line:\n%s", name, h, got)
				continue
			}
			synopsis, _, _ := strings.Cut(got, "\n")
			for _, m := range flagRE.FindAllStringSubmatch(synopsis, -1) {
				flag := m[1]
				checked++
				setting := "LOKET_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
				if !regexp.MustCompile(`\n  -`+flag+`[ \n]`).MatchString(got) && !strings.Contains(got, setting) {
					t.Errorf("loket %s %s names --%s but does not say what it means:\n%s", name, h, flag, got)
				}
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d flags checked: the pattern is wrong", checked)
	}
	for g := range groups {
		var out bytes.Buffer
		if err := run(append(strings.Fields(g), "-h"), &out); err != nil || !strings.HasPrefix(out.String(), "usage: loket "+g+" ") {
			t.Errorf("loket %s -h: %v %q", g, err, out.String())
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("-h touched the database: %v", err)
	}
}

// TestFlagErrors: a required flag left out, a stray argument and an unknown flag are
// refused with the command's name, before the database is opened.
func TestFlagErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "never.db")
	t.Setenv("LOKET_DATABASE_URL", "sqlite:"+db)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"route", "add", "--product", "HSA5", "--supplier", "up", "--code", "X"}, "route add: --cost is required"},
		{[]string{"reseller", "credit", "--username", "u", "--amount", "5", "--note", " "}, "reseller credit: --note is required"},
		{[]string{"supplier", "list", "extra"}, `supplier list: unexpected argument "extra"`},
		{[]string{"order", "list", "--bogus"}, "order list: unknown flag --bogus (-h lists the flags)"},
		{[]string{"order", "list", "--usrname", "u"}, "order list: unknown flag --usrname; did you mean --username?"},
		{[]string{"order", "list", "--status", "bogus"}, `order list: --status "bogus": want pending, success or failed`},
		{[]string{"order", "list", "--limit", "many"}, `order list: --limit "many": want a whole number`},
		{[]string{"order", "list", "--format", "xml"}, `order list: --format "xml": want json or table`},
		{[]string{"number", "list", "--state", "gone"}, `number list: --state "gone": want renting, waiting, received, done, canceled or failed`},
		{[]string{"markup", "set", "--scope", "brand"}, `markup set: --scope "brand": want all, category, product or numbers`},
		{[]string{"reseller", "credit", "--username", "u", "--amount", "5.0000", "--note", "x"}, `--amount "5.0000": want an amount of rupiah`},
		{[]string{"supplier", "add", "--name", "x", "--kind", "nope"}, `supplier add: --kind "nope": want chestcloudx, digiflazz, sim`},
		// Read commands name the database they did not find, and make none.
		{[]string{"order", "list"}, "order list: no database at " + db},
		{[]string{"ledger", "verify"}, "ledger verify: no database at " + db},
		{[]string{"setting", "get", "nope"}, `setting get: unknown setting "nope"`},
		{[]string{"catalog", "import"}, "catalog import: give the file"},
		{[]string{"reseller"}, "reseller: missing subcommand: create, credit, update"},
		{[]string{"reseller", "frob"}, `unknown command "reseller frob"`},
		{[]string{"serve", "--trusted-proxies", "10.0.0.0/8,10.0.0/8"}, `serve: LOKET_TRUSTED_PROXIES: "10.0.0/8" is not a CIDR like 10.0.0.0/8`},
	} {
		var out bytes.Buffer
		err := run(tc.args, &out)
		if err == nil || !strings.Contains(errMessage(err), tc.want) {
			t.Errorf("loket %v: got %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("a refused command touched the database: %v", err)
	}
}

// TestAmountsAndTables: amounts are written as people write them, and --format table
// prints aligned columns with times in WIB.
func TestAmountsAndTables(t *testing.T) {
	t.Setenv("LOKET_DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "l.db"))
	var out bytes.Buffer
	if err := run([]string{"reseller", "create", "--username", "toko", "--balance", "Rp 10.000"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, amt := range []string{"5.000", "5000", "Rp 5.000", "-2.500"} {
		out.Reset()
		if err := run([]string{"reseller", "credit", "--username", "toko", "--amount", amt, "--note", "test " + amt, "--format", "table"}, &out); err != nil {
			t.Fatalf("--amount %s: %v", amt, err)
		}
	}
	if got := out.String(); !regexp.MustCompile(`(?m)^balance\s+22500$`).MatchString(got) {
		t.Errorf("credits of 5.000, 5000, Rp 5.000 and -2.500 on 10.000: table %q, want balance 22500", got)
	}
	out.Reset()
	if err := run([]string{"markup", "list", "--format", "table"}, &out); err != nil || strings.TrimSpace(out.String()) != "(none)" {
		t.Errorf("an empty table: %q %v", out.String(), err)
	}
	if err := run([]string{"supplier", "add", "--name", "up", "--kind", "sim"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run([]string{"supplier", "list", "--format", "table"}, &out); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); !strings.HasPrefix(lines[0], "ID ") {
		t.Errorf("table heading: %q", out.String())
	}
}
