package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/orderkuota"
	"github.com/loket/loket/internal/server"
)

const paymentUsage = `Payments and deposits:
  payment set-qris --static QRIS_STRING
                                 the operator's static merchant QRIS deposits are built from
  payment add-bank --bank B --account-no N --name NAME
                                 an account bank-transfer deposits are paid into
  payment set-usdt --address T... --rate RUPIAH_PER_USDT
                                 the TRC-20 address USDT deposits are paid to, and the rate;
                                 loket serve watches it on chain (LOKET_TRON_API_URL)
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

func paymentHelp(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("payment help", "", "Lists the payment and deposit commands, with the USDT and OrderKuota setup.")
	if _, err := c.parse(args, out); err != nil {
		return err
	}
	_, err := fmt.Fprint(out, paymentUsage)
	return err
}

func paymentSetUSDT(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("payment set-usdt", "--address T... --rate RUPIAH_PER_USDT",
		"Sets the TRC-20 address USDT deposits are paid to, and the rate they are credited at.")
	var u loket.USDTConfig
	c.StringVar(&u.Address, "address", "", "the TRC-20 (TRON) address, T... (34 characters)")
	c.Int64Var(&u.Rate, "rate", 0, "rupiah per USDT, e.g. 16250")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	if err := a.Deposits.SetUSDT(ctx, u); err != nil {
		return err
	}
	return e.print(u)
}

func paymentSetQRIS(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("payment set-qris", "--static QRIS_STRING",
		"Saves the operator's static merchant QRIS that deposits and dropship payments are built from;\nrefuses an invalid one with the reason.")
	static := c.String("static", "", "the static merchant QRIS string")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	if err := a.Deposits.SetStaticQRIS(ctx, *static); err != nil {
		return err
	}
	return e.print(map[string]any{"ok": true})
}

func paymentAddBank(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("payment add-bank", "--bank B --account-no N --name NAME",
		"Adds an account bank-transfer deposits are paid into; prints the accounts.")
	var b loket.BankAccount
	c.StringVar(&b.Bank, "bank", "", "e.g. BCA")
	c.StringVar(&b.AccountNo, "account-no", "", "the account's number")
	c.StringVar(&b.Beneficiary, "name", "", "the account holder's name")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	list, err := a.Deposits.AddBankAccount(ctx, b)
	if err != nil {
		return err
	}
	return e.print(map[string]any{"banks": list})
}

func depositConfirm(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("deposit confirm", "--id N [--note TEXT] [--tx HASH]",
		"The transfer of an open deposit arrived: credits it (once). A USDT deposit needs its transaction hash.")
	id := c.Int64("id", 0, "the deposit's id")
	note := c.String("note", "", "e.g. the bank's transaction reference")
	tx := c.String("tx", "", "the transaction hash (USDT deposits)")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	d, err := a.Deposits.ConfirmDeposit(ctx, *id, *note, *tx)
	if err != nil {
		return err
	}
	return e.print(d)
}

func paymentList(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("payment list", "[--unmatched]", "Lists the payments the sources reported, as JSON lines.")
	c.reads = true
	unmatched := c.Bool("unmatched", false, "only payments that matched no deposit")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	state := ""
	if *unmatched {
		state = "unmatched"
	}
	ps, err := a.Deposits.Payments(ctx, state, 200)
	if err != nil {
		return err
	}
	return printEach(e, ps)
}

func paymentCredit(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("payment credit", "--id N --username U --note TEXT",
		"Credits a payment that matched no deposit to a reseller, by hand; prints the reseller's balance.")
	id := c.Int64("id", 0, "the payment's id (loket payment list --unmatched)")
	c.reseller("the reseller to credit")
	note := c.String("note", "", "why, kept with the ledger entry")
	c.require("username", "note")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	r := e.reseller
	if err := a.Deposits.CreditPayment(ctx, *id, r.ID, *note); err != nil {
		return err
	}
	r, err = a.Resellers.Reseller(ctx, r.ID, "")
	if err != nil {
		return err
	}
	return e.print(map[string]any{"username": r.Username, "balance": r.Balance})
}

// The OrderKuota login: login asks for the OTP, otp finishes it.

func orderkuotaLogin(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("payment orderkuota login", "--username U --password P [--api-key K] [--merchant OK123] [--base-url URL]",
		"Asks OrderKuota for a login OTP (seed 003); finish with loket payment orderkuota otp CODE.")
	var in orderkuota.Login
	c.StringVar(&in.Username, "username", "", "the OrderKuota account's username")
	c.StringVar(&in.Password, "password", "", "its password (sent once, to ask for the OTP; not kept)")
	c.StringVar(&in.APIKey, "api-key", "", "the API key of the mutasi API (kept sealed; needed the first time)")
	c.StringVar(&in.Merchant, "merchant", "", "the merchant code, e.g. OK1234567 (needed the first time)")
	c.StringVar(&in.BaseURL, "base-url", "", "stands in for https://orkut.hidepulsa.com")
	c.DurationVar(&in.Poll, "poll", 0, "how often loket serve reads the mutation list (default 10s)")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	if err := a.OrderKuota.StartLogin(ctx, in); err != nil {
		return err
	}
	return e.print(map[string]any{"ok": true, "next": "loket payment orderkuota otp CODE (the OTP OrderKuota sent)"})
}

func orderkuotaOTP(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("payment orderkuota otp", "[CODE] [--code CODE]",
		"Finishes the OrderKuota login with the OTP; loket serve then polls the account. Prints the source's settings.")
	code := ""
	if pos, rest := leading(args); len(pos) > 0 {
		code, args = pos[0], append(pos[1:], rest...)
	}
	c.StringVar(&code, "code", code, "the OTP (or give it as the argument; asked for when absent)")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	if strings.TrimSpace(code) == "" {
		fmt.Fprint(os.Stderr, "OTP: ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("payment orderkuota otp: no OTP given")
		}
		code = strings.TrimSpace(line)
	}
	if err := a.OrderKuota.CompleteLogin(ctx, code); err != nil {
		return err
	}
	return printOrderKuota(ctx, e, a)
}

func orderkuotaStatus(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("payment orderkuota status", "", "Prints the OrderKuota source's settings (without secrets).")
	c.reads = true
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	return printOrderKuota(ctx, e, a)
}

func printOrderKuota(ctx context.Context, e *env, a *server.Core) error {
	st, err := a.OrderKuota.Status(ctx)
	if err != nil {
		return err
	}
	return e.print(st)
}
