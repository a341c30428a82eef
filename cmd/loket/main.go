// Command loket is the Loket server and its operator's tools. main only wires: each
// subcommand is one function that parses its flags and calls a service in internal/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/loket/loket/internal/config"
	_ "github.com/loket/loket/internal/supplier/sim" // registers kind "sim"
)

const usage = `loket: a self-hosted H2H platform for digital products.

Commands (loket <command> -h lists a command's flags):
  serve                          run the server
  demo                           serve with the demo dataset, simulator supplier and simulated payments
  migrate                        apply schema migrations and exit
  health [--url URL]             exit 0 when the server's /healthz answers 200 (Docker HEALTHCHECK)
  admin create --username U --password P
  reseller create --username U [--name N] [--email E] [--level L] [--balance N]
  reseller update --username U [--webhook-url URL] [--ip-allow CIDR,...] [--level L] [--status active|suspended]
  reseller credit --username U --amount N --note TEXT [--key K]
  supplier add --name N --kind KIND --base-url URL [--api-key K] [--secret S] [--member-id M]
  supplier list                  suppliers with their balance (asked now), whether routing uses them, last price sync
  supplier sync --name N [--progress]
                                 pull a supplier's price list now into route costs (also done every LOKET_PRICE_SYNC_EVERY)
  markup set --scope all|category|product|numbers [--code C] [--percent P] [--flat N] [--round N] [--yes]
                                 base price = cost + P% + N, rounded up to a multiple of --round (default 100),
                                 for products the rule covers (product beats category beats all); shows each
                                 price before and after and asks (--yes: applies without asking)
  markup list | markup delete --scope S [--code C] [--yes]
  price history [--limit N]      the change sets of base prices, newest first
  price undo --id N [--force] [--yes]
                                 restore the prices from before a change set (itself a change set)
  route add --product CODE --supplier N --code SUPPLIER_CODE --cost N [--priority N]
  catalog import FILE [--progress]
                                 load a catalog (YAML or JSON), idempotently
  order list [--flagged] [--status S] [--username U] [--limit N]
                                 orders as JSON lines, with every supplier attempt
  order settle --id N --status success|failed [--sn SN] [--note TEXT]
                                 decide a pending order by hand (for orders flagged overdue)
  number list [--flagged] [--state S] [--username U] [--limit N]
                                 virtual-number activations as JSON lines (--flagged: a rent of unknown outcome)
  number settle --id N --status rented|failed [--supplier-ref REF --phone P] [--note TEXT]
                                 decide by hand a rent still renting (for activations flagged)
  ledger verify [--checkpoint | --since-checkpoint] [--progress]
                                 check the ledger invariants (--checkpoint: record what was verified when
                                 sound; --since-checkpoint: only what came after the newest checkpoint)
  ledger checkpoints             the checkpoints ledger verify recorded, newest first
  ledger rebuild                 recompute the rollups (the totals /metrics and the reports read)
  masterkey rotate --new-key KEY | --generate
                                 reseal every secret with a new master key, all or nothing (nodes stopped)
  backup FILE [--progress]       a consistent copy of the SQLite database, also while serving (docs/backup.md)
  backup verify FILE [--progress]
                                 check a copy: integrity and the ledger invariants, read-only
  restore FILE [--force] [--progress]
                                 put a copy in place of the stopped SQLite database, keeping the old one
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
  network tree [--format table|json]
                                 every reseller with its depth, upline, balance, markup, downlines, sales, commission
  network limits [--max-depth N] [--max-markup-percent P] [--max-markup-flat N]
                                 the limits on downlines: print them, or set those given
  network move --from UPLINE --to DOWNLINE --amount N --key K [--up] [--note T]
                                 move balance to an upline's direct downline (or --up back), once per key
  chat accounts [--username U] | chat unlink --id N
                                 chats (Telegram, Jabber) linked to resellers; unlink one
  chat broadcast --text TEXT     a notice to every linked chat
  setting get KEY | setting set KEY VALUE
                                 operator switches (self_registration off|on: resellers registering themselves;
                                 chat.operators telegram:ID,xmpp:JID and chat.alerts low_balance,stuck,supplier_down:
                                 the operator's chat alerts; chat.contact: where resellers write)
  bench [flags]                  fire orders at a running server and check the books (loket bench -h)
  bench grow [flags]             the growth benchmark: fill to N orders, time intake and reads (loket bench grow -h)

Long commands (ledger verify, catalog import, supplier sync, backup, backup verify, restore) show
progress on stderr when it is a terminal: --progress shows it elsewhere too (a line a second, e.g.
in a log), --progress=false or --quiet hides it. Their result on stdout is the same either way.

` + settingsHead

// settingsHead introduces the list of settings (config.Usage).
const settingsHead = "Settings (environment; flags of the same name override, e.g. --addr, --database-url):\n"

// action runs one subcommand on the arguments after its name.
type action func(ctx context.Context, args []string, out io.Writer) error

// commands are the subcommands by name: a command, or a command and its action words.
var commands = map[string]action{
	"serve":   serveCmd,
	"demo":    demoCmd,
	"migrate": migrate,
	"bench":   benchCmd,
	"health":  healthCmd,

	"admin create":    adminCreate,
	"reseller create": resellerCreate,
	"reseller update": resellerUpdate,
	"reseller credit": resellerCredit,

	"supplier add":   supplierAdd,
	"supplier list":  supplierList,
	"supplier sync":  supplierSync,
	"route add":      routeAdd,
	"catalog import": catalogImport,
	"markup set":     markupSet,
	"markup list":    markupList,
	"markup delete":  markupDelete,
	"price history":  priceHistory,
	"price undo":     priceUndo,

	"order list":         orderList,
	"order settle":       orderSettle,
	"number list":        numberList,
	"number settle":      numberSettle,
	"ledger verify":      ledgerVerify,
	"ledger checkpoints": ledgerCheckpoints,
	"ledger rebuild":     ledgerRebuild,
	"backup":             backupCmd,
	"backup verify":      backupVerify,
	"restore":            restoreCmd,
	"masterkey rotate":   masterkeyRotate,
	"setting get":        settingGet,
	"setting set":        settingSet,

	"payment help":              paymentHelp,
	"payment set-qris":          paymentSetQRIS,
	"payment add-bank":          paymentAddBank,
	"payment set-usdt":          paymentSetUSDT,
	"payment list":              paymentList,
	"payment credit":            paymentCredit,
	"payment orderkuota login":  orderkuotaLogin,
	"payment orderkuota otp":    orderkuotaOTP,
	"payment orderkuota status": orderkuotaStatus,
	"deposit confirm":           depositConfirm,

	"chat accounts":      chatAccounts,
	"chat unlink":        chatUnlink,
	"chat broadcast":     chatBroadcast,
	"withdrawal list":    withdrawalList,
	"withdrawal approve": withdrawalApprove,
	"withdrawal reject":  withdrawalReject,
	"dropship refunds":   dropshipRefunds,
	"dropship refund":    dropshipRefund,

	"network tree":   networkTree,
	"network limits": networkLimits,
	"network move":   networkMove,
}

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit makes the runtime hand idle heap back to the OS well before RSS
		// grows past a small VPS's budget; live heap under load is ~20 MB.
		debug.SetMemoryLimit(96 << 20)
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loket: "+errMessage(err))
		os.Exit(1)
	}
}

// run dispatches `loket <command> [<action>...] [flags]` to the subcommand's function.
func run(args []string, stdout io.Writer) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprint(stdout, usage+config.Usage())
		return nil
	}
	for n := min(3, len(args)); n > 0; n-- {
		name := strings.Join(args[:n], " ")
		if fn := commands[name]; fn != nil {
			err := fn(context.Background(), args[n:], stdout)
			switch {
			case err == nil || errors.Is(err, flag.ErrHelp):
				return nil // for -h, the usage asked for is printed
			case strings.HasPrefix(err.Error(), name+":"):
				return err
			}
			return fmt.Errorf("%s: %w", name, err) // every failure names its command
		}
	}
	// A command with actions, named without one (or with an unknown one).
	for n := min(2, len(args)); n > 0; n-- {
		group := strings.Join(args[:n], " ")
		actions := actionsOf(group)
		if len(actions) == 0 {
			continue
		}
		see := "loket help"
		if args[0] == "payment" || args[0] == "deposit" {
			see = "loket payment help"
		}
		switch {
		case len(args) == n:
			return fmt.Errorf("%s: missing subcommand: %s (see %s)", group, strings.Join(actions, ", "), see)
		case isHelp(args[n]):
			fmt.Fprintf(stdout, "usage: loket %s %s ...\n\n`loket %[1]s ACTION -h` lists an action's flags.\n", group, strings.Join(actions, "|"))
			return nil
		}
		return fmt.Errorf("unknown command %q (see %s)", group+" "+args[n], see)
	}
	return fmt.Errorf("unknown command %q (see loket help)", args[0])
}

func isHelp(arg string) bool { return arg == "help" || arg == "-h" || arg == "--help" }

// actionsOf lists the action words that follow group in the commands' names.
func actionsOf(group string) []string {
	var out []string
	for name := range commands {
		if a, ok := strings.CutPrefix(name, group+" "); ok {
			a, _, _ = strings.Cut(a, " ")
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
