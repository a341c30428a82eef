package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/orderkuota"
	"github.com/loket/loket/internal/store"
)

const paymentUsage = `Payments and deposits:
  payment set-qris --static QRIS_STRING
                                 the operator's static merchant QRIS deposits are built from
  payment add-bank --bank B --account-no N --name NAME
                                 an account bank-transfer deposits are paid into
  payment set-usdt --address T... --rate RUPIAH_PER_USDT
                                 the TRC-20 address USDT deposits are paid to, and the rate
  payment orderkuota login --username U --password P [--api-key K] [--merchant OK123] [--base-url URL]
                                 ask OrderKuota for a login OTP (seed 003)
  payment orderkuota otp CODE    finish the login with the OTP; loket serve then polls the account
  payment orderkuota status      the OrderKuota source's settings (without secrets)
  deposit confirm --id N [--note TEXT] [--tx HASH]
                                 the transfer of an open deposit arrived: credit it (once);
                                 a USDT deposit needs its transaction hash
  payment list [--unmatched]     payments the sources reported
  payment credit --id N --username U --note TEXT
                                 credit a payment that matched no deposit, by hand
`

// paymentCommand runs the payment and deposit subcommands.
func paymentCommand(cmd string, args []string, out io.Writer) error {
	switch cmd {
	case "payment help":
		fmt.Fprint(out, paymentUsage)
		return nil

	case "payment set-usdt":
		var c loket.USDTConfig
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&c.Address, "address", "", "the TRC-20 (TRON) address, T... (34 characters)")
			fs.Int64Var(&c.Rate, "rate", 0, "rupiah per USDT, e.g. 16250")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			if err := a.SetUSDT(ctx, c); err != nil {
				return err
			}
			return printJSON(out, c)
		})

	case "payment orderkuota":
		if len(args) == 0 {
			return fmt.Errorf("payment orderkuota: missing subcommand (login, otp or status)")
		}
		return orderkuotaCommand(cmd+" "+args[0], args[1:], out)

	case "payment set-qris":
		var static string
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&static, "static", "", "the static merchant QRIS string")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			if err := a.SetStaticQRIS(ctx, static); err != nil {
				return err
			}
			return printJSON(out, map[string]any{"ok": true})
		})

	case "payment add-bank":
		var b loket.BankAccount
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&b.Bank, "bank", "", "e.g. BCA")
			fs.StringVar(&b.AccountNo, "account-no", "", "")
			fs.StringVar(&b.Beneficiary, "name", "", "the account holder's name")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			list, err := a.AddBankAccount(ctx, b)
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"banks": list})
		})

	case "deposit confirm":
		var id int64
		var note, tx string
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.Int64Var(&id, "id", 0, "")
			fs.StringVar(&note, "note", "", "e.g. the bank's transaction reference")
			fs.StringVar(&tx, "tx", "", "the transaction hash (USDT deposits)")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			d, err := a.ConfirmDeposit(ctx, id, note, tx)
			if err != nil {
				return err
			}
			return printJSON(out, d)
		})

	case "payment list":
		var unmatched bool
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.BoolVar(&unmatched, "unmatched", false, "only payments that matched no deposit")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			state := ""
			if unmatched {
				state = "unmatched"
			}
			ps, err := db.Payments(ctx, state, 200)
			if err != nil {
				return err
			}
			for _, p := range ps {
				if err := printJSON(out, p); err != nil {
					return err
				}
			}
			return nil
		})

	case "payment credit":
		var id int64
		var username, note string
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.Int64Var(&id, "id", 0, "")
			fs.StringVar(&username, "username", "", "")
			fs.StringVar(&note, "note", "", "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if strings.TrimSpace(note) == "" {
				return fmt.Errorf("payment credit: --note is required")
			}
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			r, err := db.Reseller(ctx, 0, username)
			if err != nil {
				return err
			}
			if err := a.CreditPayment(ctx, id, r.ID, note); err != nil {
				return err
			}
			r, err = db.Reseller(ctx, r.ID, "")
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"username": r.Username, "balance": r.Balance})
		})

	}
	return fmt.Errorf("unknown command %q (see loket payment help)", cmd)
}

// orderkuotaCommand runs the OrderKuota login: login asks for the OTP, otp finishes it.
func orderkuotaCommand(cmd string, args []string, out io.Writer) error {
	switch cmd {
	case "payment orderkuota login":
		var in orderkuota.Login
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&in.Username, "username", "", "the OrderKuota account's username")
			fs.StringVar(&in.Password, "password", "", "its password (sent once, to ask for the OTP; not kept)")
			fs.StringVar(&in.APIKey, "api-key", "", "the API key of the mutasi API (kept sealed; needed the first time)")
			fs.StringVar(&in.Merchant, "merchant", "", "the merchant code, e.g. OK1234567 (needed the first time)")
			fs.StringVar(&in.BaseURL, "base-url", "", "stands in for https://orkut.hidepulsa.com")
			fs.DurationVar(&in.Poll, "poll", 0, "how often loket serve reads the mutation list (default 10s)")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			if err := a.StartOrderKuotaLogin(ctx, in); err != nil {
				return err
			}
			return printJSON(out, map[string]any{"ok": true, "next": "loket payment orderkuota otp CODE (the OTP OrderKuota sent)"})
		})

	case "payment orderkuota otp":
		var code string
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			code, args = args[0], args[1:]
		}
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&code, "code", code, "the OTP (or give it as the argument; asked for when absent)")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if strings.TrimSpace(code) == "" {
				fmt.Fprint(os.Stderr, "OTP: ")
				line, err := bufio.NewReader(os.Stdin).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("payment orderkuota otp: no OTP given")
				}
				code = strings.TrimSpace(line)
			}
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			if err := a.CompleteOrderKuotaLogin(ctx, code); err != nil {
				return err
			}
			st, err := a.OrderKuotaStatus(ctx)
			if err != nil {
				return err
			}
			return printJSON(out, st)
		})

	case "payment orderkuota status":
		return command(cmd, args, func(fs *flag.FlagSet) {}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			st, err := a.OrderKuotaStatus(ctx)
			if err != nil {
				return err
			}
			return printJSON(out, st)
		})
	}
	return fmt.Errorf("unknown command %q (see loket payment help)", cmd)
}
