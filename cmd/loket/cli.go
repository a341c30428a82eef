package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

// A command is one subcommand's flags: its own, each with its meaning, declared by
// the subcommand on the embedded FlagSet, and the settings (LOKET_*), which every
// command takes as flags too.
type command struct {
	*flag.FlagSet
	name     string // "reseller credit"
	synopsis string // what follows the name on the usage line
	about    string // what the command does, for -h
	required []string
	check    func() error    // more checks of the arguments, before the database is opened
	settings string          // how -h tells of the settings
	seen     map[string]bool // the flags given, once parsed
	username *string         // --username, declared by reseller
	format   string          // --format: json or table
	// reads marks a command that only reads: it refuses to open a SQLite database
	// that does not exist rather than make an empty one.
	reads bool
}

func newCommand(name, synopsis, about string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := &command{FlagSet: fs, name: name, synopsis: synopsis, about: about, format: "json",
		settings: "Settings: every LOKET_* setting is a flag too (e.g. --database-url=sqlite:loket.db); loket serve -h lists them.\n"}
	c.choice(&c.format, "format", []string{"json", "table"}, "how results are printed: json (one JSON object per line) or table (aligned columns)")
	return c
}

// choice declares a flag that takes one of words; parse refuses any other value,
// naming the words. *p keeps its value unless the flag is given.
func (c *command) choice(p *string, name string, words []string, help string) {
	c.Var(&choiceValue{p: p, words: words}, name, help)
}

type choiceValue struct {
	p     *string
	words []string
}

func (v *choiceValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v *choiceValue) Set(s string) error {
	s = strings.TrimSpace(s)
	if slices.Contains(v.words, s) {
		*v.p = s
		return nil
	}
	return fmt.Errorf("want %s", orList(v.words))
}

// orList writes words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// amount declares a flag of rupiah, written as people write them: 5000, 5.000 or
// Rp 5.000 (loket.ParseMoney).
func (c *command) amount(name string, help string) *loket.Money {
	m := new(loket.Money)
	c.Var((*amountValue)(m), name, help+" (5000, 5.000 or Rp 5.000)")
	return m
}

type amountValue loket.Money

func (v *amountValue) String() string { return loket.Money(*v).String() }

func (v *amountValue) Set(s string) error {
	m, err := loket.ParseMoney(s)
	if err != nil {
		return errors.New("want an amount of rupiah such as 5000, 5.000 or Rp 5.000")
	}
	*v = amountValue(m)
	return nil
}

// flagError rewrites the flag package's errors for the operator: an unknown flag
// with the nearest known ones, a bad value with what the flag takes.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		if near := nearestFlags(fs, name); len(near) > 0 {
			return fmt.Errorf("unknown flag --%s; did you mean --%s?", name, strings.Join(near, " or --"))
		}
		return fmt.Errorf("unknown flag --%s (-h lists the flags)", name)
	}
	// invalid value "x" for flag -name: why
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		if i := strings.Index(rest, " for flag -"); i > 0 {
			val, after := rest[:i], rest[i+len(" for flag -"):]
			if j := strings.Index(after, ": "); j > 0 {
				why := after[j+2:]
				if _, e := strconv.Unquote(val); e == nil && strings.HasPrefix(why, "parse error") {
					why = "want a whole number"
				} else if strings.Contains(why, "strconv.") {
					why = "not a valid value"
				}
				return fmt.Errorf("--%s %s: %s", after[:j], val, why)
			}
		}
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Errorf("--%s needs a value", name)
	}
	return err
}

// nearestFlags are the declared flags closest to a mistyped name (loket.Nearest).
func nearestFlags(fs *flag.FlagSet, name string) []string {
	var known []string
	fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
	return loket.Nearest(name, known)
}

// require marks flags that must be given, and not blank.
func (c *command) require(names ...string) {
	for _, n := range names {
		c.Lookup(n).Usage += " (required)"
	}
	c.required = append(c.required, names...)
}

// reseller declares --username: the reseller the command acts on, or the one a listing
// is limited to. open looks it up (env.reseller).
func (c *command) reseller(help string) {
	c.username = c.String("username", "", help)
}

// usage is what `loket <command> -h` prints.
func (c *command) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: loket %s %s\n\n%s\n", c.name, c.synopsis, c.about)
	n := 0
	c.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nFlags:")
		c.SetOutput(w)
		c.PrintDefaults()
		c.SetOutput(io.Discard)
	}
	fmt.Fprint(w, "\n"+c.settings)
}

// parse reads the command's flags and the settings from args. Asked for -h, it prints
// the usage on out and returns flag.ErrHelp, which run takes for success. Stray
// arguments and missing required flags are errors.
func (c *command) parse(args []string, out io.Writer) (*config.Config, error) {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	build := config.Register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.usage(out)
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", c.name, flagError(fs, err))
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%s: unexpected argument %q", c.name, fs.Arg(0))
	}
	c.seen = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { c.seen[f.Name] = true })
	for _, n := range c.required {
		if !c.seen[n] || strings.TrimSpace(c.Lookup(n).Value.String()) == "" {
			return nil, fmt.Errorf("%s: --%s is required", c.name, n)
		}
	}
	if c.check != nil {
		if err := c.check(); err != nil {
			return nil, err
		}
	}
	return build()
}

// given reports whether a flag was on the command line (after parse).
func (c *command) given(name string) bool { return c.seen[name] }

// open parses args and opens the database, migrated; close the env when done.
func (c *command) open(ctx context.Context, args []string, out io.Writer) (*env, error) {
	cfg, err := c.parse(args, out)
	if err != nil {
		return nil, err
	}
	if c.reads {
		if err := mustExist(cfg.DatabaseURL); err != nil {
			return nil, err
		}
	}
	db, err := server.OpenDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg, db: db, out: out, format: c.format}
	if c.username != nil && *c.username != "" {
		if e.reseller, err = db.Reseller(ctx, 0, *c.username); err != nil {
			db.Close()
			return nil, err
		}
	}
	return e, nil
}

// openCore is open, with the domain services made on the database.
func (c *command) openCore(ctx context.Context, args []string, out io.Writer) (*env, *server.Core, error) {
	e, err := c.open(ctx, args, out)
	if err != nil {
		return nil, nil, err
	}
	a, err := e.core(ctx)
	if err != nil {
		e.close()
		return nil, nil, err
	}
	return e, a, nil
}

// env is what a command works with: the settings, the database and its output.
type env struct {
	cfg      *config.Config
	db       *store.DB
	out      io.Writer
	reseller *loket.Reseller // by --username, when given
	format   string          // json or table
}

// mustExist refuses a SQLite database URL whose file does not exist, naming the
// file and the URL, so that a read command run in the wrong folder says so instead
// of making an empty database and printing nothing.
func mustExist(dbURL string) error {
	path, ok := strings.CutPrefix(dbURL, "sqlite:")
	if !ok {
		return nil
	}
	path = strings.TrimPrefix(path, "//")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if _, err := os.Stat(path); err != nil {
		if abs, e := filepath.Abs(path); e == nil {
			path = abs
		}
		return fmt.Errorf("no database at %s (LOKET_DATABASE_URL=%s): run it where the database is, or set --database-url", path, dbURL)
	}
	return nil
}

func (e *env) close() { e.db.Close() }

// core makes the domain services on the database, without starting their jobs and loops.
func (e *env) core(ctx context.Context) (*server.Core, error) {
	return server.NewCore(ctx, e.db, newLogger(e.cfg.LogFormat, os.Stderr), metrics.NewRegistry(), e.cfg)
}

// print writes v as one line of JSON, or with --format table as a table of its fields.
func (e *env) print(v any) error {
	if e.format == "table" {
		return printTable(e.out, []any{v}, true)
	}
	return printJSON(e.out, v)
}

// printEach writes each of list as a line of JSON, or with --format table as the rows
// of one table.
func printEach[T any](e *env, list []T) error {
	if e.format == "table" {
		rows := make([]any, len(list))
		for i, v := range list {
			rows[i] = v
		}
		return printTable(e.out, rows, false)
	}
	for _, v := range list {
		if err := printJSON(e.out, v); err != nil {
			return err
		}
	}
	return nil
}

// resellerID is the id of the reseller --username names, or 0 when it is not given
// (all resellers, in a listing).
func (e *env) resellerID() int64 {
	if e.reseller == nil {
		return 0
	}
	return e.reseller.ID
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// leading splits off the arguments before the first flag, as in
// `loket catalog import FILE --database-url=...`.
func leading(args []string) (pos, rest []string) {
	i := 0
	for i < len(args) && !strings.HasPrefix(args[i], "-") {
		i++
	}
	return args[:i], args[i:]
}

// file takes the one FILE that leads args, as in `loket catalog import FILE`; parse
// refuses none or more than one. It returns FILE's place and the other arguments.
func (c *command) file(args []string) (pos, rest []string) {
	pos, rest = leading(args)
	c.check = func() error {
		switch len(pos) {
		case 0:
			return fmt.Errorf("%s: give the file: loket %[1]s FILE", c.name)
		case 1:
			return nil
		}
		return fmt.Errorf("%s: unexpected argument %q", c.name, pos[1])
	}
	return pos, rest
}

// oneLine is an error message on one line, as every command fails with.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// errMessage is what the operator reads of err, on one line: of a domain error, its
// message without the code, after what wraps it.
func errMessage(err error) string {
	msg := err.Error()
	var le *loket.Error
	if errors.As(err, &le) {
		msg = strings.Replace(msg, le.Error(), le.Message, 1)
	}
	return oneLine(msg)
}
