package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func (c *fakeClock) meter(w *bytes.Buffer, tty bool) *meter {
	return newMeter(w, tty, c.now, "ledger verify", "entries checked")
}

// TestMeterTerminal: on a terminal the line is rewritten in place, at once and then at
// most every 100 ms, blanking what a shorter line leaves; the last line ends it.
func TestMeterTerminal(t *testing.T) {
	var w bytes.Buffer
	c := &fakeClock{t: time.Unix(0, 0)}
	m := c.meter(&w, true)
	m.update(0, 450_000)
	c.add(50 * time.Millisecond)
	m.update(10_000, 450_000) // too soon: not drawn
	c.add(60 * time.Millisecond)
	m.update(120_000, 450_000)
	c.add(3100 * time.Millisecond)
	m.update(450_000, 450_000)
	m.note("adding up")
	m.finish()
	m.stop() // after finish: nothing more
	want := "\rledger verify: 0/450,000 entries checked (0%) · 0s" +
		"\rledger verify: 120,000/450,000 entries checked (26%) · 100ms" +
		"\rledger verify: 450,000/450,000 entries checked (100%) · 3.2s" +
		"\rledger verify: adding up · 3.2s" + strings.Repeat(" ", 29) + // as wide as the widest line
		"\rledger verify: 450,000 entries checked in 3.2s" + strings.Repeat(" ", 14) + "\n"
	if got := w.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestMeterLines: elsewhere, plain lines at most every second, none for a command
// done within it but the last; a count without a total has no percentage.
func TestMeterLines(t *testing.T) {
	var w bytes.Buffer
	c := &fakeClock{t: time.Unix(0, 0)}
	m := c.meter(&w, false)
	for range 25 {
		c.add(100 * time.Millisecond)
		m.update(m.done+1000, 0)
	}
	c.add(65 * time.Second)
	m.finish()
	want := "ledger verify: 10,000 entries checked · 1s\n" +
		"ledger verify: 20,000 entries checked · 2s\n" +
		"ledger verify: 25,000 entries checked in 1m8s\n"
	if got := w.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// A quick command shows only its last line.
	w.Reset()
	m = c.meter(&w, false)
	m.update(0, 5)
	m.update(5, 5)
	m.finish()
	if got := w.String(); got != "ledger verify: 5 entries checked in 0s\n" {
		t.Errorf("quick: %q", got)
	}
}

// TestMeterStop: a command that fails ends the unfinished line on a terminal, and a
// nil meter (progress off) does nothing.
func TestMeterStop(t *testing.T) {
	var w bytes.Buffer
	c := &fakeClock{t: time.Unix(0, 0)}
	m := c.meter(&w, true)
	m.update(1, 2)
	m.stop()
	if got := w.String(); !strings.HasSuffix(got, "(50%) · 0s\n") {
		t.Errorf("stopped: %q", got)
	}
	var off *meter
	if off.report() != nil {
		t.Error("a nil meter asks for progress")
	}
	off.update(1, 2)
	off.note("x")
	off.finish()
	off.stop()
}

// TestLedgerVerifyProgress: --progress writes progress on stderr and leaves stdout,
// the result, as it is without; without a terminal there is none unless asked for,
// and --quiet or --progress=false hides it.
func TestLedgerVerifyProgress(t *testing.T) {
	t.Setenv("LOKET_DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "l.db"))
	var errs bytes.Buffer
	w, tty := stderr, stderrTTY
	t.Cleanup(func() { stderr, stderrTTY = w, tty })
	stderr, stderrTTY = &errs, func() bool { return false }
	if err := run([]string{"reseller", "create", "--username", "toko", "--balance", "10000"}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := run([]string{"reseller", "credit", "--username", "toko", "--amount", "500", "--note", "n", "--key", "k" + string(rune('a'+i))}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	}
	verify := func(flags ...string) (string, string) {
		t.Helper()
		errs.Reset()
		var out bytes.Buffer
		if err := run(append([]string{"ledger", "verify"}, flags...), &out); err != nil {
			t.Fatal(err)
		}
		return out.String(), errs.String()
	}
	plain, quiet := verify()
	if quiet != "" || !strings.Contains(plain, `"ok":true`) {
		t.Fatalf("without a terminal: stdout %q, stderr %q", plain, quiet)
	}
	out, progress := verify("--progress")
	if out != plain {
		t.Errorf("--progress changed stdout: %q, want %q", out, plain)
	}
	if !regexp.MustCompile(`(^|\n)ledger verify: 8 entries checked in [0-9.]+m?s\n$`).MatchString(progress) {
		t.Errorf("--progress: stderr %q", progress)
	}
	for _, f := range [][]string{{"--progress", "--quiet"}, {"--progress=false"}} {
		if _, e := verify(f...); e != "" {
			t.Errorf("%v: stderr %q", f, e)
		}
	}
	stderrTTY = func() bool { return true }
	if _, e := verify(); !strings.Contains(e, "\rledger verify: 8 entries checked in") {
		t.Errorf("on a terminal: stderr %q", e)
	}
	if _, e := verify("--progress=false"); e != "" {
		t.Errorf("on a terminal with --progress=false: stderr %q", e)
	}
}

// TestCatalogImportProgress: catalog import --progress tells the products applied.
func TestCatalogImportProgress(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LOKET_DATABASE_URL", "sqlite:"+filepath.Join(dir, "l.db"))
	file := filepath.Join(dir, "demo.yaml")
	if err := os.WriteFile(file, catalog.Demo(), 0o600); err != nil {
		t.Fatal(err)
	}
	var errs, out bytes.Buffer
	w := stderr
	t.Cleanup(func() { stderr = w })
	stderr = &errs
	if err := run([]string{"catalog", "import", file, "--progress"}, &out); err != nil {
		t.Fatal(err)
	}
	var sum struct{ Products int }
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil || sum.Products == 0 {
		t.Fatalf("stdout %q: %v", out.String(), err)
	}
	if want := fmt.Sprintf("\ncatalog import: %d products applied in ", sum.Products); !strings.Contains(errs.String(), want) {
		t.Errorf("stderr %q, want %q", errs.String(), want)
	}
}

// TestMeterWaiting: a wait with nothing to count is redrawn every tick, with the time
// taken, until it ends: by stop, or by the first count.
func TestMeterWaiting(t *testing.T) {
	var w bytes.Buffer
	m := newMeter(&w, false, time.Now, "backup", "entries checked")
	m.tick = 5 * time.Millisecond
	report, stop := m.waitThenCount("copying")
	time.Sleep(30 * time.Millisecond)
	report(0, 10)
	after := w.String()
	time.Sleep(20 * time.Millisecond)
	stop() // again: nothing
	if w.String() != after {
		t.Errorf("redrawn after the first count: %q", w.String())
	}
	if n := strings.Count(after, "backup: copying · "); n < 2 {
		t.Errorf("%d lines of the wait: %q", n, after)
	}
	var off *meter
	if report, stop := off.waitThenCount("x"); report != nil {
		t.Error("a nil meter asks for progress")
	} else {
		stop()
	}
}

// TestLedgerCheckpoint: ledger verify --checkpoint records a checkpoint, ledger
// checkpoints lists it, --since-checkpoint starts from it and prints the same totals;
// without a checkpoint --since-checkpoint says to make one.
func TestLedgerCheckpoint(t *testing.T) {
	t.Setenv("LOKET_DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "l.db"))
	loket := func(args ...string) (map[string]any, error) {
		t.Helper()
		var out bytes.Buffer
		err := run(args, &out)
		var v map[string]any
		if err == nil {
			if e := json.Unmarshal(out.Bytes(), &v); e != nil && out.Len() > 0 {
				t.Fatalf("%v: %q: %v", args, out.String(), e)
			}
		}
		return v, err
	}
	if _, err := loket("reseller", "create", "--username", "toko", "--balance", "10000"); err != nil {
		t.Fatal(err)
	}
	if _, err := loket("ledger", "verify", "--since-checkpoint"); err == nil || !strings.Contains(err.Error(), "ledger verify --checkpoint") {
		t.Fatalf("--since-checkpoint with none: %v", err)
	}
	if _, err := loket("ledger", "verify", "--checkpoint", "--since-checkpoint"); err == nil {
		t.Fatal("--checkpoint --since-checkpoint accepted")
	}
	full, err := loket("ledger", "verify", "--checkpoint")
	if err != nil || full["checkpoint"] != 1.0 {
		t.Fatalf("--checkpoint: %v %v", full, err)
	}
	list, err := loket("ledger", "checkpoints")
	if err != nil || list["id"] != 1.0 || list["entry_id"] == nil {
		t.Fatalf("ledger checkpoints: %v %v", list, err)
	}
	if _, err := loket("reseller", "credit", "--username", "toko", "--amount", "500", "--note", "n"); err != nil {
		t.Fatal(err)
	}
	since, err := loket("ledger", "verify", "--since-checkpoint")
	if err != nil || since["since_checkpoint"] != 1.0 || since["reseller_balances"] != 10500.0 {
		t.Fatalf("--since-checkpoint: %v %v", since, err)
	}
}
