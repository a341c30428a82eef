package chat

import "github.com/loket/loket/internal/loket"

// Kinds of text commands.
const (
	CmdBuy       = "buy"        // CODE.TARGET.PIN, 2.CODE.TARGET.PIN or CODE.2.TARGET.PIN (the second of the same), … R#REF
	CmdBillCheck = "bill_check" // CEK.CODE.CUSTOMER.PIN, INQ.CODE.CUSTOMER.PIN
	CmdBillPay   = "bill_pay"   // BAYAR.CODE.CUSTOMER.PIN, PAY.CODE.CUSTOMER.PIN
	CmdBalance   = "balance"    // SAL.PIN, SALDO.PIN, S.PIN, CEK.SALDO.PIN
	CmdStatus    = "status"     // CEK.REF.PIN or CEK.PIN R#REF, or CEK.PIN for the last order
	CmdPrice     = "price"      // HARGA.BRAND, H.BRAND, HRG.BRAND, CH.BRAND
	CmdDeposit   = "deposit"    // TIKET.AMOUNT.PIN (QRIS), TIKET.AMOUNT.BANK.PIN
	CmdHelp      = "help"       // HELP, BANTUAN, MENU, INFO, ?; the reply is HelpText
	CmdLink      = "link"       // LINK.CODE, DAFTAR.CODE (or the code alone): links this chat to an account
	CmdTransfer  = "transfer"   // TRF.USERNAME.AMOUNT.PIN to a downline; TARIK.USERNAME.AMOUNT.PIN back from it
	CmdRegister  = "register"   // REG.USERNAME.PIN or REG.USERNAME.MARKUP.SALDO.PIN: a new downline
)

// Command is a message read: what it asks and its parts.
type Command struct {
	Kind     string
	Code     string      // the product's code (buy, bills), as typed (upper case)
	Target   string      // buy: the target; bills: the customer number (digits as typed, no spaces or dashes)
	PIN      string      // the transaction PIN, digits
	Ref      string      // buy: R#REF, the reseller's own ref; status: the ref asked about ("" for the last order)
	Repeat   int         // buy: the n (2..99) of n.CODE.TARGET.PIN (a second purchase of the same); 0 when none
	Amount   loket.Money // deposit
	Method   string      // deposit: loket.MethodQRIS (default) or loket.MethodBank
	Brand    string      // price: the brand or product-code prefix asked about
	LinkCode string      // link: the one-time code from the dashboard
	Username string      // transfer, register: the downline's username
	Up       bool        // transfer: back from the downline (TARIK)
	Markup   loket.Money // register: the downline's markup over everything, in rupiah (Amount: its opening balance)
}

// ParseError is a message that is no command: Text is a short Indonesian sentence
// saying what to type instead.
type ParseError struct{ Text string }

func (e *ParseError) Error() string { return e.Text }
