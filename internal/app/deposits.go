package app

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/qris"
	"github.com/loket/loket/internal/payment/usdt"
	"github.com/loket/loket/internal/store"
)

// Deposit methods.
const (
	MethodQRIS = "qris"
	MethodBank = "bank"
	MethodUSDT = "usdt"
)

// depositMin is the smallest deposit per method: QRIS 2,000 (seed 000), bank 10,000
// (seed 001's minimum for bank transfers).
var depositMin = map[string]loket.Money{MethodQRIS: 2_000, MethodBank: 10_000, MethodUSDT: 10_000}

// Deposit limits.
const (
	maxOpenDeposits = 3           // seed 000: at most 3 pending
	maxUniqueCode   = 999         // unique codes are 1..999 rupiah
	maxDeposit      = 100_000_000 // one deposit, in rupiah
	depositExpiry   = 30 * time.Minute
)

// CreateDeposit opens a deposit of amount by method for a reseller, with a unique code
// that no other open deposit of the method shares, so the payment's total identifies it.
func (a *App) CreateDeposit(ctx context.Context, r *loket.ResellerAuth, method string, amount loket.Money, surface string) (*loket.Deposit, error) {
	min, ok := depositMin[method]
	if !ok {
		return nil, loket.FieldError(loket.EINVALID, "method", "unknown deposit method %q", method)
	}
	if amount < min || amount > maxDeposit {
		return nil, loket.FieldError(loket.EINVALID, "amount", "amount must be between %d and %d", min, maxDeposit)
	}
	if surface == "" {
		surface = "api"
	}
	if method == MethodUSDT {
		return a.createUSDTDeposit(ctx, r, amount, surface)
	}
	var qr func(loket.Money) (string, error)
	if method == MethodQRIS {
		static, err := a.DB.Setting(ctx, settingQRIS)
		if err != nil {
			return nil, err
		}
		if static == "" {
			return nil, loket.Errorf(loket.ENOTCONFIGURED, "QRIS deposits are not set up yet (the operator runs loket payment set-qris)")
		}
		qr = func(total loket.Money) (string, error) { return qris.Dynamic(static, total) }
	}
	// Random codes rarely collide; each collision is refused by the unique index and
	// another code is tried. Thousands of open deposits of one amount would exhaust the
	// space: refused, never duplicated.
	for try := 0; try < 30; try++ {
		code := randomCode()
		var d *loket.Deposit
		err := a.DB.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
			var err error
			d, err = t.CreateDeposit(store.NewDeposit{ResellerID: r.ID, Method: method, Amount: amount, UniqueCode: code,
				Surface: surface, Expires: depositExpiry, MaxOpen: maxOpenDeposits, QR: qr})
			return err
		})
		if errors.Is(err, store.ErrTotalTaken) {
			continue
		}
		return d, err
	}
	return nil, loket.Errorf(loket.EUNAVAILABLE, "too many open deposits of this amount; try a slightly different amount")
}

func randomCode() loket.Money {
	var b [8]byte
	rand.Read(b[:])
	return loket.Money(binary.BigEndian.Uint64(b[:])%maxUniqueCode) + 1
}

// settingQRIS keeps the operator's static merchant QRIS.
const settingQRIS = "qris.static"

// SetStaticQRIS saves the operator's static merchant QRIS that deposits are built from,
// refusing an invalid one with the reason.
func (a *App) SetStaticQRIS(ctx context.Context, static string) error {
	static = strings.TrimSpace(static)
	if err := qris.ValidateStatic(static); err != nil {
		return err
	}
	return a.DB.SetSetting(ctx, settingQRIS, static)
}

// QRPNG renders a deposit's QRIS as a PNG.
func (a *App) QRPNG(d *loket.Deposit) ([]byte, error) {
	if d.QRString == "" {
		return nil, loket.Errorf(loket.ENOTFOUND, "this deposit has no QR code")
	}
	return qris.PNG(d.QRString, 512)
}

// PaymentSource reports payments that arrived. Incoming is given the cursor it
// returned last time ("" at first, and after a restart the last one kept) and returns
// the payments after it, in any order, with the cursor to pass next time. The cursor is
// the source's own (a time, a block number, a page): it saves re-reading all history,
// while each payment is still recorded once by (source name, ref), so returning one
// again is harmless. A source that cannot page returns everything and "".
//
// An on-chain watcher (USDT TRC-20: the transfers to the operator's address, each with
// its transaction hash as Ref, Method MethodUSDT and Amount the raw value in
// micro-USDT, which is what a USDT deposit's PayAmount is) is a PaymentSource like
// OrderKuota's mutation list, named usdt.SourceName; see docs/deposits.md.
type PaymentSource interface {
	Name() string
	Incoming(ctx context.Context, cursor string) (payments []loket.Payment, next string, err error)
}

// AddSource polls a payment source every interval for incoming payments. Call before Start.
func (a *App) AddSource(src PaymentSource, every time.Duration) {
	a.sources = append(a.sources, sourceEntry{src, every})
}

type sourceEntry struct {
	src   PaymentSource
	every time.Duration
}

func sourceCursorKey(name string) string { return "payment.cursor." + name }

func (a *App) pollSource(e sourceEntry) {
	defer a.wg.Done()
	t := time.NewTicker(e.every)
	defer t.Stop()
	cursor, err := a.DB.Setting(context.Background(), sourceCursorKey(e.src.Name()))
	if err != nil {
		a.Log.Warn("payment source cursor", "source", e.src.Name(), "err", err)
	}
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cursor = a.PollSource(ctx, e.src, cursor)
		cancel()
	}
}

// PollSource reads a source once from cursor, records what it reported as one batch,
// and returns the cursor to read from next: the new one once the batch is recorded,
// else the old one (so nothing reported is skipped).
func (a *App) PollSource(ctx context.Context, src PaymentSource, cursor string) string {
	payments, next, err := src.Incoming(ctx, cursor)
	if err != nil {
		a.Log.Warn("payment source", "source", src.Name(), "err", err)
		next = cursor // the entries read are recorded; the cursor waits for a clean read
	}
	if len(payments) > 0 {
		if _, err := a.RecordPayments(ctx, src.Name(), payments); err != nil {
			a.Log.Error("record payments", "source", src.Name(), "count", len(payments), "err", err)
			if loket.ErrorCode(err) != loket.EINVALID {
				return cursor // not recorded: read them again
			}
			// The valid ones are recorded; reading a malformed entry again would not
			// mend it, and must not hold the cursor back for good.
		}
	}
	if next != cursor {
		if err := a.DB.SetSetting(ctx, sourceCursorKey(src.Name()), next); err != nil {
			a.Log.Warn("payment source cursor", "source", src.Name(), "err", err)
		}
	}
	return next
}

// paymentChunk is how many payments share one transaction in RecordPayments: large
// enough that a commit's cost is spread thin, small enough that SQLite's one writer
// is not held for long.
const paymentChunk = 10_000

// minParallelChunk is the smallest chunk worth a transaction of its own beside another.
const minParallelChunk = 1_000

// RecordPayments takes a batch of payments one source saw, as RecordPayment does each
// (kept once by source and ref, credited to the deposit whose total it pays), with a
// few set-based statements per chunk of the batch. Outcomes are in the order of ps;
// an invalid payment (no ref, an amount out of range) is skipped, its outcome a
// Duplicate (nothing done), and reported as an EINVALID error once the valid ones are
// recorded.
func (a *App) RecordPayments(ctx context.Context, source string, ps []loket.Payment) ([]loket.PaymentOutcome, error) {
	if source == "" {
		return nil, loket.Errorf(loket.EINVALID, "a payment needs a source")
	}
	if _, err := a.DB.EnsureAccount(ctx, store.PaymentAccount(source), store.KindPaymentSource); err != nil {
		return nil, err
	}
	out := make([]loket.PaymentOutcome, len(ps))
	var valid []loket.Payment
	var at []int
	var bad error
	for i, p := range ps {
		if p.Amount <= 0 || p.Amount > loket.MaxAmount || p.Ref == "" || len(p.Ref) > 200 {
			bad = loket.Errorf(loket.EINVALID, "payment %q: a payment needs a ref and a positive amount", p.Ref)
			out[i].Duplicate = true // nothing done
			continue
		}
		if p.Method == "" {
			p.Method = MethodQRIS
		}
		valid = append(valid, p)
		at = append(at, i)
	}
	// Chunks are independent transactions. On PostgreSQL a large batch runs as two
	// at once: each backend has a core's worth of work (mostly foreign-key checks of
	// the entries), and the two only meet on the resellers' accounts, which both lock
	// in ascending id order.
	size, parallel := paymentChunk, 1
	if a.DB.Dialect == store.Postgres && len(valid) >= 2*minParallelChunk {
		size, parallel = min(paymentChunk, (len(valid)+1)/2), 2
	}
	type chunk struct{ start, end int }
	var chunks []chunk
	for start := 0; start < len(valid); start += size {
		chunks = append(chunks, chunk{start, min(start+size, len(valid))})
	}
	results := make([][]loket.PaymentOutcome, len(chunks))
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, c := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			for try := 0; ; try++ {
				errs[i] = a.DB.Direct(ctx, func(t *store.Tx) error {
					var err error
					results[i], err = t.RecordPayments(source, valid[c.start:c.end])
					return err
				})
				if !errors.Is(errs[i], store.ErrBatchRace) || try == 10 {
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, c := range chunks {
		if errs[i] != nil {
			return out, errs[i]
		}
		for k, o := range results[i] {
			out[at[c.start+k]] = o
			p := valid[c.start+k]
			switch {
			case o.Duplicate:
			case o.Deposit != nil:
				a.m.payments.With("matched").Inc()
			default:
				a.m.payments.With("unmatched").Inc()
				a.Log.Warn("payment matches no open deposit; kept for the operator", "source", source, "amount", p.Amount, "payment", o.PaymentID)
			}
		}
	}
	return out, bad
}

// CancelDeposit cancels one of a reseller's open deposits.
func (a *App) CancelDeposit(ctx context.Context, r *loket.ResellerAuth, id int64) (*loket.Deposit, error) {
	var d *loket.Deposit
	err := a.DB.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
		var err error
		d, err = t.CancelDeposit(id, r.ID)
		return err
	})
	return d, err
}

// RecordPayment takes a payment a source saw: kept once, and credited to the deposit
// whose total it pays. Payments of the same amount (the only ones that compete for a
// deposit) share a write lane, so they are matched in arrival order.
func (a *App) RecordPayment(ctx context.Context, p loket.Payment) (loket.PaymentOutcome, error) {
	if p.Amount <= 0 || p.Amount > loket.MaxAmount || p.Ref == "" || p.Source == "" {
		return loket.PaymentOutcome{}, loket.Errorf(loket.EINVALID, "a payment needs a source, a ref and a positive amount")
	}
	if p.Method == "" {
		p.Method = MethodQRIS
	}
	if _, err := a.DB.EnsureAccount(ctx, store.PaymentAccount(p.Source), store.KindPaymentSource); err != nil {
		return loket.PaymentOutcome{}, err
	}
	var out loket.PaymentOutcome
	err := a.DB.Write(ctx, uint64(p.Amount), func(t *store.Tx) error {
		var err error
		out, err = t.RecordPayment(p)
		return err
	})
	if err != nil {
		return out, err
	}
	switch {
	case out.Duplicate:
	case out.Deposit != nil:
		a.m.payments.With("matched").Inc()
	default:
		a.m.payments.With("unmatched").Inc()
		a.Log.Warn("payment matches no open deposit; kept for the operator", "source", p.Source, "amount", p.Amount, "payment", out.PaymentID)
	}
	return out, nil
}

// CreditPayment credits an unmatched payment to a reseller by the operator's hand.
func (a *App) CreditPayment(ctx context.Context, paymentID, resellerID int64, note string) error {
	return a.DB.Write(ctx, uint64(resellerID), func(t *store.Tx) error { return t.CreditPayment(paymentID, resellerID, note) })
}

// expireDeposits closes deposits past their expiry.
func (a *App) expireDeposits(ctx context.Context) {
	var n int64
	if err := a.DB.Write(ctx, 0, func(t *store.Tx) error {
		var err error
		n, err = t.ExpireDeposits()
		return err
	}); err != nil {
		a.Log.Error("expire deposits", "err", err)
		return
	}
	if n > 0 {
		a.Log.Info("deposits expired", "count", n)
	}
}

// BankAccount is one of the operator's accounts bank-transfer deposits are paid into.
type BankAccount struct {
	Bank        string `json:"bank_name"`
	AccountNo   string `json:"account_no"`
	Beneficiary string `json:"beneficiary_name"`
}

const settingBanks = "bank.accounts"

// BankAccounts lists the operator's accounts for bank-transfer deposits.
func (a *App) BankAccounts(ctx context.Context) ([]BankAccount, error) {
	raw, err := a.DB.Setting(ctx, settingBanks)
	if err != nil || raw == "" {
		return nil, err
	}
	var out []BankAccount
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("bank accounts setting: %w", err)
	}
	return out, nil
}

// AddBankAccount adds (or replaces, by bank and number) an account for bank deposits.
func (a *App) AddBankAccount(ctx context.Context, b BankAccount) ([]BankAccount, error) {
	b.Bank, b.AccountNo, b.Beneficiary = strings.TrimSpace(b.Bank), strings.TrimSpace(b.AccountNo), strings.TrimSpace(b.Beneficiary)
	if b.Bank == "" || b.Beneficiary == "" || b.AccountNo == "" || strings.Trim(b.AccountNo, "0123456789") != "" || len(b.AccountNo) > 30 {
		return nil, loket.Errorf(loket.EINVALID, "a bank account needs a bank name, a beneficiary and an account number of digits")
	}
	list, err := a.BankAccounts(ctx)
	if err != nil {
		return nil, err
	}
	kept := list[:0]
	for _, x := range list {
		if !(strings.EqualFold(x.Bank, b.Bank) && x.AccountNo == b.AccountNo) {
			kept = append(kept, x)
		}
	}
	kept = append(kept, b)
	raw, _ := json.Marshal(kept)
	return kept, a.DB.SetSetting(ctx, settingBanks, string(raw))
}

// QRToken is the unguessable part of a deposit's public QR image URL: the payer (not
// the reseller) opens it, without the reseller's key.
func (a *App) QRToken(depositID int64) string {
	return a.sealer.Tag(fmt.Sprintf("qr:%d", depositID))[:24]
}

// PublicQRURL is where anyone with the link gets a deposit's QR code as a PNG.
func (a *App) PublicQRURL(d *loket.Deposit) string {
	if d.QRString == "" {
		return ""
	}
	return fmt.Sprintf("%s/qr/%d/%s.png", a.cfg.PublicURL, d.ID, a.QRToken(d.ID))
}

// ConfirmDeposit records the operator's word that an open deposit's total arrived (a
// bank transfer seen in the account, a USDT transfer seen on chain): the same path as
// a source's payment, once. A USDT deposit needs the transaction hash (txHash): it is
// the payment's ref under source usdt.SourceName, so the same transfer reported
// again, by hand or by a watcher, is recorded once.
func (a *App) ConfirmDeposit(ctx context.Context, id int64, note, txHash string) (*loket.Deposit, error) {
	d, err := a.DB.Deposit(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	if d.Status != loket.DepositPending {
		return nil, loket.Errorf(loket.ECONFLICT, "deposit %d is %s", id, d.Status)
	}
	p := loket.Payment{Source: "operator", Ref: fmt.Sprintf("confirm:%d", id), Method: d.Method,
		Amount: loket.Money(d.PayAmount), Brand: "manual", Buyer: note, PaidAt: time.Now()}
	if d.Method == MethodUSDT {
		h, err := usdt.ValidateTxHash(txHash)
		if err != nil {
			return nil, loket.FieldError(loket.EINVALID, "tx", "%v (confirm a USDT deposit with --tx HASH)", err)
		}
		p.Source, p.Ref, p.Brand = usdt.SourceName, h, usdt.Brand
		if p.Buyer == "" {
			p.Buyer = h
		}
	}
	out, err := a.RecordPayment(ctx, p)
	if err != nil {
		return nil, err
	}
	if out.Duplicate {
		return nil, loket.Errorf(loket.ECONFLICT, "that payment (%s %s) was recorded before", p.Source, p.Ref)
	}
	if out.Deposit == nil || out.Deposit.ID != id {
		return nil, loket.Errorf(loket.ECONFLICT, "deposit %d could not be confirmed (expired or already paid)", id)
	}
	return a.DB.Deposit(ctx, id, 0)
}

// USDT settings: the operator's TRC-20 address and the rate in rupiah per USDT.
const (
	settingUSDTAddress = "usdt.address"
	settingUSDTRate    = "usdt.rate"
)

// USDTConfig is how USDT TRC-20 deposits are paid.
type USDTConfig struct {
	Address string `json:"address"`
	Rate    int64  `json:"rate" doc:"rupiah per USDT"`
}

// USDT returns the USDT deposit settings; Address is empty when not set up.
func (a *App) USDT(ctx context.Context) (USDTConfig, error) {
	var c USDTConfig
	addr, err := a.DB.Setting(ctx, settingUSDTAddress)
	if err != nil {
		return c, err
	}
	rate, err := a.DB.Setting(ctx, settingUSDTRate)
	if err != nil {
		return c, err
	}
	c.Address = addr
	c.Rate, _ = strconv.ParseInt(rate, 10, 64)
	return c, nil
}

// SetUSDT saves the TRC-20 address USDT deposits are paid to and the rate, refusing
// an address that is not a valid TRON address (with the reason) or a rate out of range.
func (a *App) SetUSDT(ctx context.Context, c USDTConfig) error {
	c.Address = strings.TrimSpace(c.Address)
	if err := usdt.ValidateAddress(c.Address); err != nil {
		return loket.FieldError(loket.EINVALID, "address", "%v", err)
	}
	if c.Rate < usdt.MinRate || c.Rate > usdt.MaxRate {
		return loket.FieldError(loket.EINVALID, "rate", "the rate is rupiah per USDT, between %d and %d", usdt.MinRate, usdt.MaxRate)
	}
	if err := a.DB.SetSetting(ctx, settingUSDTRate, strconv.FormatInt(c.Rate, 10)); err != nil {
		return err
	}
	return a.DB.SetSetting(ctx, settingUSDTAddress, c.Address)
}

// createUSDTDeposit opens a USDT deposit: the amount at the rate rounded up to a cent
// of USDT, plus a unique code of 0.0001..0.0099 USDT that no other open USDT deposit
// shares, to be sent to the operator's address. What the payer sends is worth the
// total in rupiah (rounded up), of which the amount is credited.
func (a *App) createUSDTDeposit(ctx context.Context, r *loket.ResellerAuth, amount loket.Money, surface string) (*loket.Deposit, error) {
	c, err := a.USDT(ctx)
	if err != nil {
		return nil, err
	}
	if c.Address == "" || c.Rate <= 0 {
		return nil, loket.Errorf(loket.ENOTCONFIGURED, "USDT deposits are not set up yet (the operator runs loket payment set-usdt)")
	}
	base := usdt.Base(amount, c.Rate)
	for try := 0; try < 30; try++ {
		pay := base + loket.MicroUSDT(int64(randomCode())%usdt.MaxCode+1)*usdt.Step
		code := usdt.Rupiah(pay, c.Rate) - amount
		if code < 0 {
			code = 0
		}
		var d *loket.Deposit
		err := a.DB.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
			var err error
			d, err = t.CreateDeposit(store.NewDeposit{ResellerID: r.ID, Method: MethodUSDT, Amount: amount, UniqueCode: code,
				PayAmount: int64(pay), PayTo: c.Address, Surface: surface, Expires: depositExpiry, MaxOpen: maxOpenDeposits})
			return err
		})
		if errors.Is(err, store.ErrTotalTaken) {
			continue
		}
		return d, err
	}
	return nil, loket.Errorf(loket.EUNAVAILABLE, "too many open USDT deposits of this amount; try a slightly different amount")
}
