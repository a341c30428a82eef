// Command loket is the Loket server and its operator's tools. main only wires: the
// work is done in internal/.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	_ "github.com/loket/loket/internal/supplier/sim" // registers kind "sim"
)

const usage = `loket: a self-hosted H2H platform for digital products.

Commands:
  serve                          run the server
  demo                           serve with the demo dataset, simulator supplier and simulated payments
  migrate                        apply schema migrations and exit
  admin create --username U --password P
  reseller create --username U [--name N] [--email E] [--level L] [--balance N]
  reseller update --username U [--webhook-url URL] [--ip-allow CIDR,...] [--level L] [--status active|suspended]
  reseller credit --username U --amount N --note TEXT [--key K]
  supplier add --name N --kind KIND --base-url URL [--api-key K] [--secret S] [--member-id M]
  supplier list                  suppliers with their balance (asked now), whether routing uses them, last price sync
  supplier sync --name N         pull a supplier's price list now into route costs (also done every LOKET_PRICE_SYNC_EVERY)
  markup set --scope all|category|product [--code C] [--percent P] [--flat N] [--round N]
                                 base price = cost + P% + N, rounded up to a multiple of --round, for products
                                 the rule covers (product beats category beats all); reprices at once
  markup list | markup delete --scope S [--code C]
  route add --product CODE --supplier N --code SUPPLIER_CODE --cost N [--priority N]
  catalog import FILE            load a catalog (YAML or JSON), idempotently
  order list [--flagged] [--status S] [--username U] [--limit N]
                                 orders as JSON lines, with every supplier attempt
  order settle --id N --status success|failed [--sn SN] [--note TEXT]
                                 decide a pending order by hand (for orders flagged overdue)
  number list [--flagged] [--state S] [--username U] [--limit N]
                                 virtual-number activations as JSON lines (--flagged: rent outcome unknown)
  ledger verify                  check the ledger invariants
  payment set-qris --static QRIS_STRING
                                 the operator's static merchant QRIS deposits are built from
  payment add-bank --bank B --account-no N --name NAME
                                 an account bank-transfer deposits are paid into
  deposit confirm --id N [--note TEXT]
                                 the transfer of an open deposit arrived: credit it (once)
  payment list [--unmatched]     payments the sources reported
  payment credit --id N --username U --note TEXT
                                 credit a payment that matched no deposit, by hand
  withdrawal list [--status pending|approved|rejected] [--username U]
  withdrawal approve --id N --note TRANSFER_REF | withdrawal reject --id N --note REASON
                                 profit withdrawals resellers asked for: approve once paid out, or reject (refunds the profit)
  dropship refunds [--username U] | dropship refund --order N --note TRANSFER_REF
                                 failed dropship orders whose customer is owed the payment; record one paid back
  payment help                   more: USDT TRC-20 and OrderKuota setup (payment set-usdt, payment orderkuota)
  setting get KEY | setting set KEY VALUE
                                 operator switches (chestcloudx.registration on|off)
  bench [flags]                  fire orders at a running server and check the books (loket bench -h)

Settings (environment; flags of the same name override, e.g. --addr, --database-url):
`

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit makes the runtime hand idle heap back to the OS well before RSS
		// grows past a small VPS's budget; live heap under load is ~20 MB.
		debug.SetMemoryLimit(96 << 20)
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		msg := err.Error()
		var le *loket.Error
		if errors.As(err, &le) {
			msg = le.Message
		}
		fmt.Fprintln(os.Stderr, "loket: "+oneLine(msg))
		os.Exit(1)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage+config.Usage())
		return nil
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(rest, false)
	case "demo":
		return serve(rest, true)
	case "migrate":
		return command("migrate", rest, func(*flag.FlagSet) {}, func(context.Context, *config.Config, *store.DB) error {
			fmt.Fprintln(stdout, "migrations applied")
			return nil
		})
	case "payment", "deposit":
		if len(rest) == 0 {
			return fmt.Errorf("%s: missing subcommand (see loket payment help)", cmd)
		}
		return paymentCommand(cmd+" "+rest[0], rest[1:], stdout)
	case "admin", "reseller", "supplier", "route", "catalog", "order", "ledger", "setting", "markup", "withdrawal", "dropship":
		if len(rest) == 0 {
			return fmt.Errorf("%s: missing subcommand (see loket help)", cmd)
		}
		return operator(cmd+" "+rest[0], rest[1:], stdout)
	case "number":
		if len(rest) == 0 {
			return fmt.Errorf("number: missing subcommand (see loket help)")
		}
		return numberCmd(rest[0], rest[1:], stdout)
	case "bench":
		return benchCmd(rest, stdout)
	}
	return fmt.Errorf("unknown command %q (see loket help)", cmd)
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func serve(args []string, demo bool) error {
	cfg, rest, err := config.Load("loket", args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments: %v", rest)
	}
	log := newLogger(cfg.LogFormat, os.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg.Demo = demo
	var demoInfo *demoCredentials
	var prepare func(context.Context, *store.DB) error
	if demo {
		prepare = func(ctx context.Context, db *store.DB) error {
			demoInfo, err = loadDemo(ctx, cfg, db)
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			return nil
		}
	}
	s, err := server.Start(ctx, cfg, log, nil, prepare)
	if err != nil {
		return err
	}
	if cfg.DebugAddr != "" {
		go func() {
			// pprof registers on http.DefaultServeMux, which nothing else uses.
			log.Info("debug listener", "addr", cfg.DebugAddr, "err", http.ListenAndServe(cfg.DebugAddr, nil))
		}()
	}
	log.Info("loket listening", "url", s.URL, "database", redactURL(cfg.DatabaseURL), "node", s.App.Config().Node)
	if demoInfo != nil {
		printDemo(os.Stdout, s.URL, demoInfo)
	}
	select {
	case err := <-s.Done():
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return s.Close(sctx)
}

func redactURL(s string) string {
	if i := strings.Index(s, "@"); i > 0 && strings.Contains(s, "://") {
		return s[:strings.Index(s, "://")+3] + "***" + s[i:]
	}
	return s
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// command parses a subcommand's flags (its own and the settings) and opens the
// database. Stray arguments are errors.
func command(name string, args []string, def func(fs *flag.FlagSet), fn func(ctx context.Context, cfg *config.Config, db *store.DB) error) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	build := config.Register(fs)
	def(fs)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	cfg, err := build()
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, err := server.OpenDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(ctx, cfg, db)
}
