package chat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

// execute does what a message asks (cmd, or perr when it does not read), returning
// the answer. Every refusal is an answer in Indonesian that says what to type; nothing
// here returns an error to the channel (the database failing is said as "try again").
// seen says the message was looked up in the inbox as not handled before; a purchase
// is not looked up (see Deliver).
func (s *Service) execute(ctx context.Context, m Message, cmd Command, perr error, seen bool) result {
	acc, pinHash, err := s.senders.get(ctx, m.Channel, m.From, s.db.ChatSender)
	var ra *loket.ResellerAuth
	if err == nil {
		ra, err = s.svc.Resellers.Auth(ctx, acc.ResellerID)
	}
	if err != nil && loket.ErrorCode(err) != loket.ENOTFOUND {
		s.log.Error("chat account", "channel", m.Channel, "err", err)
		return result{text: textRetry, command: "error"}
	}
	if err != nil {
		acc = nil
	}
	if perr == nil && cmd.Kind == CmdLink {
		return s.link(ctx, m, cmd)
	}
	if acc == nil {
		return result{text: textUnlinked, command: "unlinked"}
	}
	res := result{accountID: acc.ID, reseller: acc.ResellerID, command: cmd.Kind}
	if ra.Status != loket.ResellerActive {
		res.text, res.command = "Akun Anda sedang dinonaktifkan. Hubungi operator.", "suspended"
		return res
	}
	if perr != nil {
		var pe *ParseError
		if errors.As(perr, &pe) {
			res.text, res.command = pe.Text, "invalid"
			return res
		}
		res.text, res.command = textHelp(), "invalid"
		return res
	}
	switch cmd.Kind {
	case CmdHelp:
		res.text = textHelp()
		return res
	case CmdPrice:
		res.text = s.prices(ctx, ra, cmd.Brand)
		return res
	}
	// Everything else moves or shows money: the PIN first.
	refusal, err := s.checkPIN(ctx, acc, pinHash, cmd.PIN, func() (bool, error) {
		if seen {
			return false, nil
		}
		return s.db.ChatMessageDone(ctx, m.Channel, m.ID)
	})
	if err != nil {
		s.log.Error("chat PIN", "err", err)
		res.text = textRetry
		return res
	}
	if refusal != "" {
		res.text, res.command = refusal, "pin"
		return res
	}
	res.pinOK = acc.PINFailures > 0 // a right PIN forgets the wrong ones before it
	if res.pinOK {
		defer s.senders.forget(m.Channel, m.From)
	}
	switch cmd.Kind {
	case CmdBuy:
		s.buy(ctx, m, ra, cmd, &res)
	case CmdBillCheck:
		s.billCheck(ctx, ra, cmd, &res)
	case CmdBillPay:
		s.billPay(ctx, m, ra, cmd, &res)
	case CmdBalance:
		res.text = "Saldo " + s.balanceText(ctx, ra.ID) + "."
	case CmdStatus:
		s.status(ctx, acc, ra, cmd, &res)
	case CmdDeposit:
		s.deposit(ctx, ra, cmd, &res)
	case CmdTransfer:
		s.transfer(ctx, m, ra, cmd, &res)
	case CmdRegister:
		s.register(ctx, ra, cmd, &res)
	default:
		res.text = textHelp()
	}
	return res
}

// errHandled refuses the order of a message the inbox has as handled before.
var errHandled = loket.Errorf(loket.ECONFLICT, "this chat message was handled before")

// refID is the ref of a chat order: the reseller's own (R#REF), else one made of the
// message's id, so that a message delivered twice is one order.
func refID(m Message, cmd Command) string {
	if cmd.Ref != "" {
		return cmd.Ref
	}
	sum := sha256.Sum256([]byte(m.Channel + "\x00" + m.ID))
	return "CHAT" + strings.ToUpper(hex.EncodeToString(sum[:8]))
}

func (s *Service) buy(ctx context.Context, m Message, ra *loket.ResellerAuth, cmd Command, res *result) {
	ctx = s.answerWithOrder(ctx, m, ra, res, func(o *loket.Order, balance loket.Money) string {
		return fmt.Sprintf("Diproses: %s ke %s, harga %s, ref %s. Saldo %s.", o.ProductCode, o.Target, loket.FormatRupiah(o.Price), o.RefID,
			loket.FormatRupiah(balance))
	})
	o, created, err := s.svc.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: cmd.Code, Target: cmd.Target,
		RefID: refID(m, cmd), Surface: m.Channel, Repeat: cmd.Repeat > 1})
	placed(res, o, created, err, func(o *loket.Order) string {
		return fmt.Sprintf("Pesanan ref %s sudah ada: %s %s %s.", o.RefID, o.ProductCode, o.Target, statusWord(o.Status))
	})
}

// placed takes what placing a chat's order returned: a refusal, or an order that
// existed (the same ref), is answered by the message; a new order was answered in its
// own transaction (answerWithOrder).
func placed(res *result, o *loket.Order, created bool, err error, existed func(*loket.Order) string) {
	switch {
	case err != nil:
		res.answered, res.text = false, refusalText(err)
	case !created:
		res.answered, res.text = false, existed(o)
	}
}

// answerWithOrder has a message's answer (ack, of the order and the balance after it)
// committed in the order's own transaction, with the message's inbox row and where
// the order's result goes: one commit for the whole message, and the answer queued
// before any result of the order can be. res.answered says it was (when the order is
// new).
func (s *Service) answerWithOrder(ctx context.Context, m Message, ra *loket.ResellerAuth, res *result,
	ack func(o *loket.Order, balance loket.Money) string) context.Context {
	return store.WithInOrderTx(ctx, func(t *store.Tx, o *loket.Order) error {
		res.answered = false
		if err := t.SetOrderReply(o.ID, m.Channel, m.From); err != nil {
			return err
		}
		seq := m.Seq
		if seq == 0 {
			seq = NextSeq()
		}
		if err := t.ChatOrderPlaced(res.accountID, o.ID, seq); err != nil {
			return err
		}
		fresh, err := t.FinishChatMessage(m.Channel, m.ID, m.From)
		if err != nil {
			return err
		}
		if !fresh {
			// Handled before (a delivery twice, or the message refused once and given
			// again): the inbox's key, not a look beforehand, keeps it from making an order.
			return errHandled
		}
		if res.pinOK {
			if err := t.ChatPINPassed(res.accountID); err != nil {
				return err
			}
		}
		balance, err := t.OrderBalance(ra.BalanceAccountID)
		if err != nil {
			return err
		}
		if err := t.EnqueueChat(m.Channel, m.From, ack(o, balance), 0); err != nil {
			return err
		}
		t.AfterCommit(func() { s.kick(m.Channel, m.From) })
		res.answered = true
		return nil
	})
}

func (s *Service) billCheck(ctx context.Context, ra *loket.ResellerAuth, cmd Command, res *result) {
	in, err := s.svc.Bills.Inquire(ctx, ra, cmd.Code, cmd.Target)
	if err != nil {
		res.text = refusalText(err)
		return
	}
	res.text = fmt.Sprintf("Tagihan %s %s a.n. %s: %s (termasuk admin). Bayar: BAYAR.%s.%s.PIN", in.ProductCode, in.Customer, in.Bill.Name,
		loket.FormatRupiah(in.Total), cmd.Code, cmd.Target)
}

func (s *Service) billPay(ctx context.Context, m Message, ra *loket.ResellerAuth, cmd Command, res *result) {
	in, err := s.svc.Bills.Inquire(ctx, ra, cmd.Code, cmd.Target)
	if err != nil {
		res.text = refusalText(err)
		return
	}
	ctx = s.answerWithOrder(ctx, m, ra, res, func(o *loket.Order, balance loket.Money) string {
		return fmt.Sprintf("Diproses: bayar %s %s a.n. %s, %s, ref %s. Saldo %s.", in.ProductCode, in.Customer, in.Bill.Name,
			loket.FormatRupiah(o.Price), o.RefID, loket.FormatRupiah(balance))
	})
	o, created, err := s.svc.Bills.PayBill(ctx, ra, in.ID, refID(m, cmd), m.Channel)
	placed(res, o, created, err, func(o *loket.Order) string {
		return fmt.Sprintf("Tagihan %s %s sudah dibayar lewat pesanan ref %s: %s.", cmd.Code, cmd.Target, o.RefID, statusWord(o.Status))
	})
}

func (s *Service) status(ctx context.Context, acc *loket.ChatAccount, ra *loket.ResellerAuth, cmd Command, res *result) {
	var o *loket.Order
	var err error
	if cmd.Ref != "" {
		o, err = s.svc.Orders.OrderByRef(ctx, ra.ID, cmd.Ref)
	} else {
		var id int64
		if id, err = s.db.ChatLastOrder(ctx, acc.ID); err == nil && id == 0 {
			res.text = "Belum ada pesanan dari chat ini. Ketik CEK.REF.PIN untuk pesanan lain."
			return
		}
		if err == nil {
			o, err = s.svc.Orders.Order(ctx, ra.ID, id)
		}
	}
	if loket.ErrorCode(err) == loket.ENOTFOUND && cmd.Ref != "" {
		// CEK.123.PIN: an order's number works too.
		if id, perr := strconv.ParseInt(cmd.Ref, 10, 64); perr == nil {
			if byID, ierr := s.svc.Orders.Order(ctx, ra.ID, id); ierr == nil {
				o, err = byID, nil
			}
		}
	}
	if err != nil {
		if loket.ErrorCode(err) == loket.ENOTFOUND {
			res.text = fmt.Sprintf("Pesanan ref %s tidak ditemukan.", cmd.Ref)
			return
		}
		res.text = refusalText(err)
		return
	}
	res.text = orderLine(o)
}

func (s *Service) deposit(ctx context.Context, ra *loket.ResellerAuth, cmd Command, res *result) {
	method := cmd.Method
	if method == "" {
		method = loket.MethodQRIS
	}
	d, err := s.svc.Deposits.CreateDeposit(ctx, ra, method, cmd.Amount, "chat")
	if err != nil {
		if loket.ErrorCode(err) == loket.EINVALID && loket.ErrorField(err) == "amount" {
			if min, ok := loket.DepositMin[method]; ok {
				res.text = fmt.Sprintf("Jumlah deposit antara %s dan %s.", loket.FormatRupiah(min), loket.FormatRupiah(loket.MaxDeposit))
				return
			}
		}
		res.text = refusalText(err)
		return
	}
	until := d.ExpiresAt.In(loket.WIB).Format("15:04")
	switch d.Method {
	case loket.MethodBank:
		var b strings.Builder
		fmt.Fprintf(&b, "Transfer tepat %s (termasuk kode unik %d) sebelum %s WIB ke:", loket.FormatRupiah(d.Total), d.UniqueCode, until)
		if banks, err := s.svc.Deposits.BankAccounts(ctx); err == nil {
			for _, a := range banks {
				fmt.Fprintf(&b, "\n%s %s a.n. %s", a.Bank, a.AccountNo, a.Beneficiary)
			}
		}
		b.WriteString("\nSaldo bertambah " + loket.FormatRupiah(d.Amount) + " setelah transfer diterima.")
		res.text = b.String()
	default:
		res.depositID = d.ID
		res.text = fmt.Sprintf("Bayar tepat %s (termasuk kode unik %d) dengan QRIS ini sebelum %s WIB. Saldo bertambah %s setelah dibayar.",
			loket.FormatRupiah(d.Total), d.UniqueCode, until, loket.FormatRupiah(d.Amount))
	}
}

// prices lists a brand's products (or those whose code starts with what was asked) at
// the reseller's price: at most 30 lines.
func (s *Service) prices(ctx context.Context, ra *loket.ResellerAuth, brand string) string {
	brand = strings.ToUpper(strings.TrimSpace(brand))
	var lines []string
	n := 0
	ps, err := s.svc.Network.Products(ctx, ra) // its own prices (a downline's too)
	if err != nil {
		return refusalText(err)
	}
	for _, p := range ps {
		if p.Postpaid() || !(strings.EqualFold(p.Brand, brand) || strings.HasPrefix(strings.ToUpper(p.Code), brand)) {
			continue
		}
		n++
		if len(lines) < 30 {
			state := ""
			if !p.Active {
				state = " (gangguan)"
			}
			lines = append(lines, fmt.Sprintf("%s %s: %s%s", p.Code, p.Name, loket.FormatRupiah(p.Price), state))
		}
	}
	if n == 0 {
		return fmt.Sprintf("Tidak ada produk %s. Ketik HARGA.BRAND, contoh HARGA.TELKOMSEL", brand)
	}
	head := "Harga " + brand + ":"
	if n > len(lines) {
		head = fmt.Sprintf("Harga %s (%d dari %d):", brand, len(lines), n)
	}
	return head + "\n" + strings.Join(lines, "\n")
}

// link links the chat to the account whose code it sent.
func (s *Service) link(ctx context.Context, m Message, cmd Command) result {
	res := result{command: CmdLink}
	var a *loket.ChatAccount
	err := s.db.Write(ctx, 0, func(t *store.Tx) error {
		var err error
		a, err = t.LinkChat(strings.ToUpper(cmd.LinkCode), m.Channel, m.From, loket.Clip(m.Name))
		return err
	})
	s.senders.forget(m.Channel, m.From) // linked before, maybe to another reseller
	switch {
	case loket.ErrorCode(err) == loket.ENOTFOUND:
		res.text = "Kode tidak dikenal atau sudah kedaluwarsa. Buat kode baru di dashboard (menu Chat)."
	case err != nil:
		s.log.Error("chat link", "err", err)
		res.text = textRetry
	default:
		res.accountID = a.ID
		res.text = fmt.Sprintf("Chat ini terhubung ke akun %s. Ketik HELP untuk format transaksi.", a.Username)
	}
	return res
}

func (s *Service) balanceText(ctx context.Context, resellerID int64) string {
	r, err := s.svc.Resellers.Reseller(ctx, resellerID, "")
	if err != nil {
		return "?"
	}
	return loket.FormatRupiah(r.Balance)
}

// finalText is the answer to a chat order's result.
func finalText(o *loket.Order, balance loket.Money) string {
	switch o.Status {
	case loket.StatusSuccess:
		sn := o.SN
		if sn == "" {
			sn = "-"
		}
		return fmt.Sprintf("SUKSES %s ke %s. SN: %s. Harga %s, ref %s. Saldo %s.", o.ProductCode, o.Target, sn, loket.FormatRupiah(o.Price), o.RefID, loket.FormatRupiah(balance))
	default:
		return fmt.Sprintf("GAGAL %s ke %s, ref %s. Dana %s dikembalikan. Saldo %s.", o.ProductCode, o.Target, o.RefID, loket.FormatRupiah(o.Price), loket.FormatRupiah(balance))
	}
}

// orderLine is an order's state in one line.
func orderLine(o *loket.Order) string {
	line := fmt.Sprintf("%s %s ke %s, ref %s, %s: %s", o.CreatedAt.In(loket.WIB).Format("02/01 15:04"), o.ProductCode, o.Target, o.RefID,
		loket.FormatRupiah(o.Price), statusWord(o.Status))
	if o.SN != "" && o.Status == loket.StatusSuccess {
		line += ". SN: " + o.SN
	}
	return line + "."
}

func statusWord(status string) string {
	switch status {
	case loket.StatusSuccess:
		return "SUKSES"
	case loket.StatusFailed:
		return "GAGAL (dana dikembalikan)"
	case loket.StatusPending:
		return "DIPROSES"
	}
	return strings.ToUpper(status)
}

// transfer moves balance to a downline (TRF) or back from it (TARIK), once per
// message.
func (s *Service) transfer(ctx context.Context, m Message, ra *loket.ResellerAuth, cmd Command, res *result) {
	d, err := s.svc.Resellers.Reseller(ctx, 0, cmd.Username)
	if err == nil {
		err = s.svc.Network.Move(ctx, ra, d.ID, cmd.Amount, cmd.Up, refID(m, cmd), "chat")
	}
	switch {
	case loket.ErrorCode(err) == loket.ENOTFOUND:
		res.text = fmt.Sprintf("%s bukan downline Anda.", cmd.Username)
	case err != nil:
		res.text = refusalText(err)
	case cmd.Up:
		res.text = fmt.Sprintf("%s ditarik dari %s. Saldo %s.", loket.FormatRupiah(cmd.Amount), cmd.Username, s.balanceText(ctx, ra.ID))
	default:
		res.text = fmt.Sprintf("%s dikirim ke %s. Saldo %s.", loket.FormatRupiah(cmd.Amount), cmd.Username, s.balanceText(ctx, ra.ID))
	}
}

// register makes a downline with no markup yet; its keys are shown once.
func (s *Service) register(ctx context.Context, ra *loket.ResellerAuth, cmd Command, res *result) {
	d, creds, err := s.svc.Network.CreateDownline(ctx, ra, loket.NewDownline{Username: cmd.Username, Name: cmd.Username,
		MarkupFlat: cmd.Markup, Opening: cmd.Amount})
	if err != nil {
		if loket.ErrorCode(err) == loket.ECONFLICT {
			res.text = fmt.Sprintf("Username %s sudah dipakai.", cmd.Username)
			return
		}
		res.text = refusalText(err)
		return
	}
	res.text = fmt.Sprintf("Downline %s dibuat, markup %s, saldo %s. API key: %s\nSecret key: %s\nSimpan sekarang: tidak ditampilkan lagi. Ubah markup di dashboard (menu Jaringan); kirim saldo dengan TRF.%s.JUMLAH.PIN.",
		d.Username, loket.FormatRupiah(cmd.Markup), loket.FormatRupiah(d.Balance), creds.APIKey, creds.SecretKey, d.Username)
}
