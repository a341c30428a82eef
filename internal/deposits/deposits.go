// Package deposits takes money in: a reseller's deposit is a total (amount plus a
// unique code) that no other open deposit of its method shares, paid by QRIS, bank
// transfer or USDT TRC-20; payment sources (OrderKuota's mutation list, an on-chain
// watcher) report what arrived, and the matcher credits each payment once to the
// deposit whose total it pays, in batches of set-based statements. Payments that match
// nothing are kept for the operator.
package deposits

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/payment/qris"
	"github.com/loket/loket/internal/payment/usdt"
	"github.com/loket/loket/internal/store"
)

// Config tunes the deposit service.
type Config struct {
	PublicURL string // where payers open a deposit's QR image
}

// Service takes deposits and payments.
type Service struct {
	db       *store.DB
	log      *slog.Logger
	runner   *jobs.Runner
	sealer   *auth.Sealer
	cfg      Config
	payments *metrics.CounterVec
}

// New makes the service and registers the expiry of deposits with the runner.
func New(db *store.DB, runner *jobs.Runner, sealer *auth.Sealer, log *slog.Logger, reg *metrics.Registry, cfg Config) *Service {
	s := &Service{db: db, log: log, runner: runner, sealer: sealer, cfg: cfg,
		payments: reg.Counter("loket_payments_total", "Payments reported by sources, by whether they matched a deposit.", "result")}
	runner.Every(30*time.Second, 10*time.Second, false, s.expireDeposits)
	return s
}

// Deposit limits.
const (
	maxOpenDeposits = 3   // seed 000: at most 3 pending
	maxUniqueCode   = 999 // unique codes are 1..999 rupiah
	depositExpiry   = loket.DepositExpiry
)

// CreateDeposit opens a deposit of amount by method for a reseller, with a unique code
// that no other open deposit of the method shares, so the payment's total identifies it.
func (s *Service) CreateDeposit(ctx context.Context, r *loket.ResellerAuth, method string, amount loket.Money, surface string) (*loket.Deposit, error) {
	min, ok := loket.DepositMin[method]
	if !ok {
		return nil, loket.FieldError(loket.EINVALID, "method", "unknown deposit method %q", method)
	}
	if amount < min || amount > loket.MaxDeposit {
		return nil, loket.FieldError(loket.EINVALID, "amount", "amount must be between %d and %d", min, loket.MaxDeposit)
	}
	if surface == "" {
		surface = "api"
	}
	if method == loket.MethodUSDT {
		return s.createUSDTDeposit(ctx, r, amount, surface)
	}
	if method == loket.MethodBank {
		banks, err := s.BankAccounts(ctx)
		if err != nil {
			return nil, err
		}
		if len(banks) == 0 {
			return nil, loket.Errorf(loket.ENOTCONFIGURED, "bank transfer deposits are not set up yet (the operator runs loket payment add-bank)")
		}
	}
	var qr func(loket.Money) (string, error)
	if method == loket.MethodQRIS {
		var err error
		if qr, err = s.DynamicQRIS(ctx); err != nil {
			return nil, err
		}
		if qr == nil {
			return nil, loket.Errorf(loket.ENOTCONFIGURED, "QRIS deposits are not set up yet (the operator runs loket payment set-qris)")
		}
	}
	// Random codes rarely collide; each collision is refused by the unique index and
	// another code is tried. Thousands of open deposits of one amount would exhaust the
	// space: refused, never duplicated.
	for try := 0; try < 30; try++ {
		code := UniqueCode()
		var d *loket.Deposit
		err := s.db.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
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

// UniqueCode is a random code of 1 to 999 rupiah, added to an amount so that the
// payment's total identifies what it pays.
func UniqueCode() loket.Money {
	var b [8]byte
	rand.Read(b[:])
	return loket.Money(binary.BigEndian.Uint64(b[:])%maxUniqueCode) + 1
}

// settingQRIS keeps the operator's static merchant QRIS.
const settingQRIS = "qris.static"

// SetStaticQRIS saves the operator's static merchant QRIS that deposits are built from,
// refusing an invalid one with the reason.
func (s *Service) SetStaticQRIS(ctx context.Context, static string) error {
	static = strings.TrimSpace(static)
	if err := loket.CheckText("qris", static, loket.MaxText); err != nil {
		return err
	}
	if err := qris.ValidateStatic(static); err != nil {
		return err
	}
	return s.db.SetSetting(ctx, settingQRIS, static)
}

// QRPNG renders a deposit's QRIS as a PNG.
func (s *Service) QRPNG(d *loket.Deposit) ([]byte, error) {
	if d.QRString == "" {
		return nil, loket.Errorf(loket.ENOTFOUND, "this deposit has no QR code")
	}
	return qris.PNG(d.QRString, 512)
}

// AddSource polls a payment source every interval for incoming payments, from the
// cursor it last kept. Call before the runner starts.
func (s *Service) AddSource(src loket.PaymentSource, every time.Duration) {
	s.runner.Go(func(stop <-chan struct{}) {
		t := time.NewTicker(every)
		defer t.Stop()
		cursor, err := s.db.Setting(context.Background(), sourceCursorKey(src.Name()))
		if err != nil {
			s.log.Warn("payment source cursor", "source", src.Name(), "err", err)
		}
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			cursor = s.PollSource(ctx, src, cursor)
			cancel()
		}
	})
}

func sourceCursorKey(name string) string { return "payment.cursor." + name }

// PollSource reads a source once from cursor, records what it reported as one batch,
// and returns the cursor to read from next: the new one once the batch is recorded,
// else the old one (so nothing reported is skipped).
func (s *Service) PollSource(ctx context.Context, src loket.PaymentSource, cursor string) string {
	payments, next, err := src.Incoming(ctx, cursor)
	if err != nil {
		s.log.Warn("payment source", "source", src.Name(), "err", err)
		next = cursor // the entries read are recorded; the cursor waits for a clean read
	}
	if len(payments) > 0 {
		if _, err := s.RecordPayments(ctx, src.Name(), payments); err != nil {
			s.log.Error("record payments", "source", src.Name(), "count", len(payments), "err", err)
			if loket.ErrorCode(err) != loket.EINVALID {
				return cursor // not recorded: read them again
			}
			// The valid ones are recorded; reading a malformed entry again would not
			// mend it, and must not hold the cursor back for good.
		}
	}
	if next != cursor {
		if err := s.db.SetSetting(ctx, sourceCursorKey(src.Name()), next); err != nil {
			s.log.Warn("payment source cursor", "source", src.Name(), "err", err)
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
func (s *Service) RecordPayments(ctx context.Context, source string, ps []loket.Payment) ([]loket.PaymentOutcome, error) {
	if source == "" {
		return nil, loket.Errorf(loket.EINVALID, "a payment needs a source")
	}
	if _, err := s.db.EnsureAccount(ctx, store.PaymentAccount(source), store.KindPaymentSource); err != nil {
		return nil, err
	}
	out := make([]loket.PaymentOutcome, len(ps))
	var valid []loket.Payment
	var at []int
	var bad error
	for i, p := range ps {
		if err := checkPayment(&p); err != nil {
			bad = err
			out[i].Duplicate = true // nothing done
			continue
		}
		if p.Amount <= 0 || p.Amount > loket.MaxAmount || p.Ref == "" || len(p.Ref) > 200 {
			bad = loket.Errorf(loket.EINVALID, "payment %q: a payment needs a ref and a positive amount", p.Ref)
			out[i].Duplicate = true // nothing done
			continue
		}
		if p.Method == "" {
			p.Method = loket.MethodQRIS
		}
		valid = append(valid, p)
		at = append(at, i)
	}
	// Chunks are independent transactions. On PostgreSQL a large batch runs as two
	// at once: each backend has a core's worth of work (mostly foreign-key checks of
	// the entries), and the two only meet on the resellers' accounts, which both lock
	// in ascending id order.
	size, parallel := paymentChunk, 1
	if s.db.Dialect == store.Postgres && len(valid) >= 2*minParallelChunk {
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
				errs[i] = s.db.Direct(ctx, func(t *store.Tx) error {
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
				s.payments.With("matched").Inc()
			default:
				s.payments.With("unmatched").Inc()
				s.log.Warn("payment matches no open deposit; kept for the operator", "source", source, "amount", p.Amount, "payment", o.PaymentID)
			}
		}
	}
	return out, bad
}

// CancelDeposit cancels one of a reseller's open deposits.
func (s *Service) CancelDeposit(ctx context.Context, r *loket.ResellerAuth, id int64) (*loket.Deposit, error) {
	var d *loket.Deposit
	err := s.db.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
		var err error
		d, err = t.CancelDeposit(id, r.ID)
		return err
	})
	return d, err
}

// RecordPayment takes a payment a source saw: kept once, and credited to the deposit
// whose total it pays. Payments of the same amount (the only ones that compete for a
// deposit) share a write lane, so they are matched in arrival order.
func (s *Service) RecordPayment(ctx context.Context, p loket.Payment) (loket.PaymentOutcome, error) {
	if err := checkPayment(&p); err != nil {
		return loket.PaymentOutcome{}, err
	}
	if p.Amount <= 0 || p.Amount > loket.MaxAmount || p.Ref == "" || p.Source == "" {
		return loket.PaymentOutcome{}, loket.Errorf(loket.EINVALID, "a payment needs a source, a ref and a positive amount")
	}
	if p.Method == "" {
		p.Method = loket.MethodQRIS
	}
	if _, err := s.db.EnsureAccount(ctx, store.PaymentAccount(p.Source), store.KindPaymentSource); err != nil {
		return loket.PaymentOutcome{}, err
	}
	var out loket.PaymentOutcome
	err := s.db.Write(ctx, uint64(p.Amount), func(t *store.Tx) error {
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
		s.payments.With("matched").Inc()
	default:
		s.payments.With("unmatched").Inc()
		s.log.Warn("payment matches no open deposit; kept for the operator", "source", p.Source, "amount", p.Amount, "payment", out.PaymentID)
	}
	return out, nil
}

// checkPayment checks what a payment is kept and found by (its source, ref and
// method: loket.CheckText) and makes the payer's words (brand, buyer) fit to keep, as a
// source reports them the way its upstream wrote them.
func checkPayment(p *loket.Payment) error {
	if err := loket.CheckTexts("source", p.Source, "ref", p.Ref, "method", p.Method); err != nil {
		return err
	}
	p.Brand, p.Buyer = loket.CleanText(p.Brand, loket.MaxText), loket.CleanText(p.Buyer, loket.MaxText)
	return nil
}

// CreditPayment credits an unmatched payment to a reseller by the operator's hand.
func (s *Service) CreditPayment(ctx context.Context, paymentID, resellerID int64, note string) error {
	if err := loket.CheckText("note", note, loket.MaxText); err != nil {
		return err
	}
	return s.db.Write(ctx, uint64(resellerID), func(t *store.Tx) error { return t.CreditPayment(paymentID, resellerID, note) })
}

// expireDeposits closes deposits past their expiry.
func (s *Service) expireDeposits(ctx context.Context) {
	var n int64
	if err := s.db.Write(ctx, 0, func(t *store.Tx) error {
		var err error
		n, err = t.ExpireDeposits()
		return err
	}); err != nil {
		s.log.Error("expire deposits", "err", err)
		return
	}
	if n > 0 {
		s.log.Info("deposits expired", "count", n)
	}
}

const settingBanks = "bank.accounts"

// BankAccounts lists the operator's accounts for bank-transfer deposits.
func (s *Service) BankAccounts(ctx context.Context) ([]loket.BankAccount, error) {
	raw, err := s.db.Setting(ctx, settingBanks)
	if err != nil || raw == "" {
		return nil, err
	}
	var out []loket.BankAccount
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("bank accounts setting: %w", err)
	}
	return out, nil
}

// AddBankAccount adds (or replaces, by bank and number) an account for bank deposits.
func (s *Service) AddBankAccount(ctx context.Context, b loket.BankAccount) ([]loket.BankAccount, error) {
	b.Bank, b.AccountNo, b.Beneficiary = strings.TrimSpace(b.Bank), strings.TrimSpace(b.AccountNo), strings.TrimSpace(b.Beneficiary)
	if err := loket.CheckTexts("bank", b.Bank, "account_no", b.AccountNo, "beneficiary", b.Beneficiary); err != nil {
		return nil, err
	}
	if b.Bank == "" || b.Beneficiary == "" || b.AccountNo == "" || strings.Trim(b.AccountNo, "0123456789") != "" || len(b.AccountNo) > 30 {
		return nil, loket.Errorf(loket.EINVALID, "a bank account needs a bank name, a beneficiary and an account number of digits")
	}
	list, err := s.BankAccounts(ctx)
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
	return kept, s.db.SetSetting(ctx, settingBanks, string(raw))
}

// QRToken is the unguessable part of a deposit's public QR image URL: the payer (not
// the reseller) opens it, without the reseller's key.
func (s *Service) QRToken(depositID int64) string {
	return s.sealer.Tag(fmt.Sprintf("qr:%d", depositID))[:24]
}

// PublicQRURL is where anyone with the link gets a deposit's QR code as a PNG.
func (s *Service) PublicQRURL(d *loket.Deposit) string {
	if d.QRString == "" {
		return ""
	}
	return s.PublicQRURLOf(d.ID)
}

// PublicQRURLOf is the public QR image link of a deposit by id.
func (s *Service) PublicQRURLOf(depositID int64) string {
	return fmt.Sprintf("%s/qr/%d/%s.png", s.cfg.PublicURL, depositID, s.QRToken(depositID))
}

// ConfirmDeposit records the operator's word that an open deposit's total arrived (a
// bank transfer seen in the account, a USDT transfer seen on chain): the same path as
// a source's payment, once. A USDT deposit needs the transaction hash (txHash): it is
// the payment's ref under source usdt.SourceName, so the same transfer reported
// again, by hand or by a watcher, is recorded once.
func (s *Service) ConfirmDeposit(ctx context.Context, id int64, note, txHash string) (*loket.Deposit, error) {
	if err := loket.CheckTexts("note", note, "tx", txHash); err != nil {
		return nil, err
	}
	d, err := s.db.Deposit(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	if d.Status != loket.DepositPending {
		return nil, loket.Errorf(loket.ECONFLICT, "deposit %d is %s", id, d.Status)
	}
	p := loket.Payment{Source: "operator", Ref: fmt.Sprintf("confirm:%d", id), Method: d.Method,
		Amount: loket.Money(d.PayAmount), Brand: "manual", Buyer: note, PaidAt: time.Now()}
	if d.Method == loket.MethodUSDT {
		h, err := usdt.ValidateTxHash(txHash)
		if err != nil {
			return nil, loket.FieldError(loket.EINVALID, "tx", "%v (confirm a USDT deposit with --tx HASH)", err)
		}
		p.Source, p.Ref, p.Brand = usdt.SourceName, h, usdt.Brand
		if p.Buyer == "" {
			p.Buyer = h
		}
	}
	out, err := s.RecordPayment(ctx, p)
	if err != nil {
		return nil, err
	}
	if out.Duplicate {
		return nil, loket.Errorf(loket.ECONFLICT, "that payment (%s %s) was recorded before", p.Source, p.Ref)
	}
	if out.Deposit == nil || out.Deposit.ID != id {
		return nil, loket.Errorf(loket.ECONFLICT, "deposit %d could not be confirmed (expired or already paid)", id)
	}
	return s.db.Deposit(ctx, id, 0)
}

// USDT returns the USDT deposit settings; Address is empty when not set up.
func (s *Service) USDT(ctx context.Context) (loket.USDTConfig, error) {
	var c loket.USDTConfig
	addr, err := s.db.Setting(ctx, usdt.SettingAddress)
	if err != nil {
		return c, err
	}
	rate, err := s.db.Setting(ctx, usdt.SettingRate)
	if err != nil {
		return c, err
	}
	c.Address = addr
	c.Rate, _ = strconv.ParseInt(rate, 10, 64)
	return c, nil
}

// SetUSDT saves the TRC-20 address USDT deposits are paid to and the rate, refusing
// an address that is not a valid TRON address (with the reason) or a rate out of range.
func (s *Service) SetUSDT(ctx context.Context, c loket.USDTConfig) error {
	c.Address = strings.TrimSpace(c.Address)
	if err := loket.CheckText("address", c.Address, loket.MaxText); err != nil {
		return err
	}
	if err := usdt.ValidateAddress(c.Address); err != nil {
		return loket.FieldError(loket.EINVALID, "address", "%v", err)
	}
	if c.Rate < usdt.MinRate || c.Rate > usdt.MaxRate {
		return loket.FieldError(loket.EINVALID, "rate", "the rate is rupiah per USDT, between %d and %d", usdt.MinRate, usdt.MaxRate)
	}
	if err := s.db.SetSetting(ctx, usdt.SettingRate, strconv.FormatInt(c.Rate, 10)); err != nil {
		return err
	}
	return s.db.SetSetting(ctx, usdt.SettingAddress, c.Address)
}

// createUSDTDeposit opens a USDT deposit: the amount at the rate rounded up to a cent
// of USDT, plus a unique code of 0.0001..0.0099 USDT that no other open USDT deposit
// shares, to be sent to the operator's address. What the payer sends is worth the
// total in rupiah (rounded up), of which the amount is credited.
func (s *Service) createUSDTDeposit(ctx context.Context, r *loket.ResellerAuth, amount loket.Money, surface string) (*loket.Deposit, error) {
	c, err := s.USDT(ctx)
	if err != nil {
		return nil, err
	}
	if c.Address == "" || c.Rate <= 0 {
		return nil, loket.Errorf(loket.ENOTCONFIGURED, "USDT deposits are not set up yet (the operator runs loket payment set-usdt)")
	}
	base := usdt.Base(amount, c.Rate)
	for try := 0; try < 30; try++ {
		pay := base + loket.MicroUSDT(int64(UniqueCode())%usdt.MaxCode+1)*usdt.Step
		code := usdt.Rupiah(pay, c.Rate) - amount
		if code < 0 {
			code = 0
		}
		var d *loket.Deposit
		err := s.db.Write(ctx, uint64(r.ID), func(t *store.Tx) error {
			var err error
			d, err = t.CreateDeposit(store.NewDeposit{ResellerID: r.ID, Method: loket.MethodUSDT, Amount: amount, UniqueCode: code,
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

// DynamicQRIS returns the maker of a QRIS string for a total, built from the operator's
// static merchant QRIS; nil when the operator has not set one.
func (s *Service) DynamicQRIS(ctx context.Context) (func(loket.Money) (string, error), error) {
	static, err := s.db.Setting(ctx, settingQRIS)
	if err != nil || static == "" {
		return nil, err
	}
	return func(total loket.Money) (string, error) { return qris.Dynamic(static, total) }, nil
}

// Deposit returns one deposit (one of a reseller's when resellerID is not 0).
func (s *Service) Deposit(ctx context.Context, id, resellerID int64) (*loket.Deposit, error) {
	return s.db.Deposit(ctx, id, resellerID)
}

// Deposits lists a reseller's deposits, newest first.
func (s *Service) Deposits(ctx context.Context, resellerID int64, limit int) ([]*loket.Deposit, error) {
	return s.db.Deposits(ctx, resellerID, limit)
}

// Payments lists the payments the sources reported, newest first ("" or a state:
// matched, unmatched, credited).
func (s *Service) Payments(ctx context.Context, state string, limit int) ([]*loket.Payment, error) {
	return s.db.Payments(ctx, state, limit)
}

// OpenDeposits lists the deposits waiting for their payment, with their resellers'
// usernames and, for dropship orders' payments, the orders.
func (s *Service) OpenDeposits(ctx context.Context, limit int) ([]loket.OpenDeposit, error) {
	return s.db.OpenDeposits(ctx, limit)
}

// StaticQRIS is the operator's static merchant QRIS ("" when not set).
func (s *Service) StaticQRIS(ctx context.Context) (string, error) {
	return s.db.Setting(ctx, settingQRIS)
}
