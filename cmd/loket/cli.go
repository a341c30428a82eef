package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
}

func newCommand(name, synopsis, about string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &command{FlagSet: fs, name: name, synopsis: synopsis, about: about,
		settings: "Settings: every LOKET_* setting is a flag too (e.g. --database-url=sqlite:loket.db); loket serve -h lists them.\n"}
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
		return nil, fmt.Errorf("%s: %w", c.name, err)
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
	db, err := server.OpenDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg, db: db, out: out}
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
}

func (e *env) close() { e.db.Close() }

// core makes the domain services on the database, without starting their jobs and loops.
func (e *env) core(ctx context.Context) (*server.Core, error) {
	return server.NewCore(ctx, e.db, newLogger(e.cfg.LogFormat, os.Stderr), metrics.NewRegistry(), e.cfg)
}

// print writes v as one line of JSON.
func (e *env) print(v any) error { return printJSON(e.out, v) }

// printEach writes each of list as a line of JSON.
func printEach[T any](e *env, list []T) error {
	for _, v := range list {
		if err := e.print(v); err != nil {
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
