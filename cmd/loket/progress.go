package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
)

// stderr is where progress is written: never stdout, which is the command's result
// (scripts and --format json read it). Tests replace it.
var (
	stderr    io.Writer = os.Stderr
	stderrTTY           = func() bool {
		fi, err := os.Stderr.Stat()
		return err == nil && fi.Mode()&os.ModeCharDevice != 0
	}
)

// How often progress is written: rewritten in place on a terminal, a line at a time
// elsewhere (a log file, journald).
const (
	redrawTTY  = 100 * time.Millisecond
	redrawLine = time.Second
)

// progressFlags are --progress and --quiet, declared by a command that can take long.
type progressFlags struct {
	c         *command
	on, quiet *bool
}

// progress declares --progress and --quiet. Progress is shown on a terminal unless
// --progress=false or --quiet; elsewhere only with --progress.
func (c *command) progress() *progressFlags {
	return &progressFlags{c: c,
		on:    c.Bool("progress", false, "show progress on stderr (default: when stderr is a terminal); --progress=false hides it"),
		quiet: c.Bool("quiet", false, "show no progress (as --progress=false)")}
}

// meter makes the command's meter, after parse: nil when progress is not to be shown.
// unit names what is counted and what is done to it, e.g. "entries checked".
func (p *progressFlags) meter(unit string) *meter {
	tty := stderrTTY()
	show := tty
	if p.c.given("progress") {
		show = *p.on
	}
	if !show || *p.quiet {
		return nil
	}
	return newMeter(stderr, tty, time.Now, p.c.name, unit)
}

// A meter shows how far a long command is: on a terminal one line, rewritten in place
// at most every redrawTTY; elsewhere a line at most every redrawLine; and a last line
// with the totals and the time taken. Its methods do nothing on a nil meter.
type meter struct {
	w           io.Writer
	tty         bool
	now         func() time.Time
	name, unit  string
	start, last time.Time // began; last written
	written     bool      // something was written
	width       int       // of the line on the terminal, to blank what a shorter one leaves
	done, total int64
	finished    bool
	tick        time.Duration // how often waiting redraws
}

func newMeter(w io.Writer, tty bool, now func() time.Time, name, unit string) *meter {
	t := now()
	m := &meter{w: w, tty: tty, now: now, name: name, unit: unit, start: t, last: t, tick: time.Second}
	if !tty {
		m.tick = 10 * time.Second // a log needs no line a second of the same wait
	}
	return m
}

// report is the meter's update as a callback for a service, or nil (the service then
// need not count) for a nil meter.
func (m *meter) report() func(done, total int64) {
	if m == nil {
		return nil
	}
	return m.update
}

// update tells the meter that done of total are done (total 0: not known).
func (m *meter) update(done, total int64) {
	if m == nil {
		return
	}
	m.done, m.total = done, total
	t := m.now()
	every := redrawLine
	if m.tty {
		every = redrawTTY
		if !m.written {
			every = 0 // at once: the terminal shows something is happening
		}
	}
	if t.Sub(m.last) < every {
		return
	}
	m.last = t
	line := fmt.Sprintf("%s: %s", m.name, count(done))
	if total > 0 {
		line += "/" + count(total)
	}
	line += " " + m.unit
	if total > 0 {
		line += fmt.Sprintf(" (%d%%)", done*100/total)
	}
	m.write(line+" · "+elapsed(t.Sub(m.start)), false)
}

// note shows what the command is doing when there is nothing to count yet.
func (m *meter) note(what string) {
	if m == nil {
		return
	}
	t := m.now()
	m.last = t
	m.write(m.name+": "+what+" · "+elapsed(t.Sub(m.start)), false)
}

// set counts done without writing: the last line tells it.
func (m *meter) set(done int64) {
	if m != nil {
		m.done = done
	}
}

// waiting shows what the command waits for (an upstream, a copy) when there is nothing
// to count, with the time taken redrawn every tick, until stop is called. stop may be
// called more than once; the meter must not be written to before it is.
func (m *meter) waiting(what string) (stop func()) {
	if m == nil {
		return func() {}
	}
	m.note(what)
	done, over := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(over)
		t := time.NewTicker(m.tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				m.note(what)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-over }) }
}

// waitThenCount is waiting(what) until the service reports its first count: report
// (nil on a nil meter, so the service need not count) ends the wait and updates the
// meter; stop ends the wait when report is never called.
func (m *meter) waitThenCount(what string) (report func(done, total int64), stop func()) {
	if m == nil {
		return nil, func() {}
	}
	stop = m.waiting(what)
	return func(done, total int64) { stop(); m.update(done, total) }, stop
}

// finish writes the last line: how many in all, and how long it took.
func (m *meter) finish() {
	if m == nil || m.finished {
		return
	}
	n := m.done
	if m.total > n {
		n = m.total
	}
	m.write(fmt.Sprintf("%s: %s %s in %s", m.name, count(n), m.unit, elapsed(m.now().Sub(m.start))), true)
	m.finished = true
}

// stop ends a line left unfinished on the terminal (the command failed), so that
// what follows begins on a line of its own.
func (m *meter) stop() {
	if m == nil || m.finished {
		return
	}
	if m.tty && m.written {
		fmt.Fprintln(m.w)
	}
	m.finished = true
}

func (m *meter) write(line string, last bool) {
	m.written = true
	if !m.tty {
		fmt.Fprintln(m.w, line)
		return
	}
	pad := ""
	if n := len([]rune(line)); n < m.width {
		pad = strings.Repeat(" ", m.width-n)
	} else {
		m.width = n
	}
	end := ""
	if last {
		end = "\n"
	}
	fmt.Fprint(m.w, "\r"+line+pad+end)
}

// count writes n with its thousands grouped: 120,000.
func count(n int64) string { return loket.Thousands(loket.Money(n), ',') }

// elapsed writes a time taken: 3.2s, 1m5s.
func elapsed(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
