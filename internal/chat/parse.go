package chat

// Parse reads the short text commands resellers' clerks type in a chat. The formats
// follow what Indonesian H2H resellers already type to OtomaX-style servers and to
// Digiflazz's Jabber centre, so a clerk need not learn new ones. What those sources
// say (read December 2026):
//
//   - Digiflazz Jabber, prepaid (developer.digiflazz.com/jabber/buyer-request-prabayar):
//     KODE.TUJUAN.PIN; a second purchase of the same code and number the same day is
//     the "counter" form KODE.2.TUJUAN.PIN (2..n); the buyer's own id is appended
//     after a space, "KODE.TUJUAN.PIN R#TRXID", and sending the same text with the same
//     R# again asks for its status instead of buying twice.
//   - Digiflazz Jabber, bills (…/jabber/buyer-request-pascabayar): cek.KODE.IDPEL.PIN
//     or inq.KODE.IDPEL.PIN, then bayar.KODE.IDPEL.PIN; glued forms (cekpln.…) also
//     exist there but are not accepted here (a product code could start with CEK).
//     Samsat customers are written "kode,identitas".
//   - Digiflazz Jabber, prices (…/jabber/buyer-cek-harga): H.PREFIX, no PIN.
//   - OtomaX-style server pages (e.g. sv-cdma.blogspot.com/p/format-sms.html,
//     aditjo3-tronik.moy.su/index/cara_transaksi/0-7, anamuj.blogspot.com/p/blog-page_1547.html,
//     mahacellsukabumi.blogspot.com/p/cara-transaksi.html, rynnocell.xtgem.com,
//     luckyelectrik.blogspot.com/2013/10/format-trx.html): balance S.PIN or SAL.PIN;
//     price H.KODE, CH.KODE, HRG.KODE or HARGA.KODE, some with a trailing .PIN;
//     status CEK.PIN (the last) or CEK.NOHP.PIN; deposit ticket TIKET.NOMINAL.PIN,
//     or "TIKET BCA 100000 9999" with spaces; repeats are written many ways
//     (KODE.2.TUJUAN.PIN, #2.KODE.TUJUAN.PIN, KODE.TUJUAN.PIN.2, …PIN#2); some
//     servers let spaces replace dots; amounts are always written without dots.
//
// What Parse accepts (keywords and codes case-insensitive; surrounding spaces and a
// trailing dot ignored; a leading "/" as Telegram's menu sends it ignored):
//
//	buy        KODE.TUJUAN.PIN, 2.KODE.TUJUAN.PIN or KODE.2.TUJUAN.PIN (Repeat 2..99),
//	           plus R#REF as its own token anywhere after the code ("… R#A1", "….R#A1")
//	bill check CEK.KODE.IDPEL.PIN, INQ.KODE.IDPEL.PIN
//	bill pay   BAYAR.KODE.IDPEL.PIN, PAY.KODE.IDPEL.PIN (dots only)
//	balance    SAL.PIN, SALDO.PIN, S.PIN, CEK.SALDO.PIN
//	status     CEK.PIN (the last order), CEK.REF.PIN, CEK.PIN R#REF
//	price      HARGA.MEREK, H., HRG., CH. (a trailing .PIN is allowed and ignored)
//	deposit    TIKET.NOMINAL.PIN (QRIS), TIKET.NOMINAL.BANK.PIN, TIKET.NOMINAL.QRIS.PIN,
//	           the method also before the amount; DEPOSIT. as TIKET.
//	help       HELP, BANTUAN, MENU, INFO, FORMAT, START, ?
//	link       LINK.KODE, DAFTAR.KODE, START KODE, or the code XXXX-XXXX alone
//
// Safety first, since these move money: a buy or a bill payment needs dots (spaces
// separate parts only in commands that move no money: "cek 1234", "tiket 50000 1234"),
// exactly one code, one target and a PIN of 4 to 6 digits last; a product code has a
// letter (so "1234.HSA5.0812…" is a PIN in the wrong place, not a product "1234"); a
// target is digits (with "+", a zone "(1234)", "|1234" or ",1234"); a code that starts
// with CEK, INQ or BAYAR is a glued bill command, refused; anything else is
// a *ParseError saying what to type. Multi-purchase messages are refused. A product
// whose code is one of the keywords (S, H, CH, CEK, …) cannot be bought by chat: the
// keyword wins, and every keyword but BAYAR/PAY only reads.

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/loket/loket/internal/loket"
)

// MaxMessage is the longest text Parse reads, in bytes.
const MaxMessage = 500

const (
	exBuy = "HSA5.081234567890.1234"

	msgEmpty      = "Pesan kosong. Ketik HELP untuk daftar format."
	msgTooLong    = "Pesan terlalu panjang. Kirim satu perintah saja, contoh " + exBuy
	msgUnreadable = "Pesan berisi karakter yang tidak terbaca. Ketik ulang perintahnya."
	msgEmoji      = "Emoji tidak bisa dibaca. Ketik perintahnya saja, contoh " + exBuy
	msgASCII      = "Gunakan huruf, angka dan titik saja, contoh " + exBuy
	msgUnknown    = "Perintah tidak dikenal. Ketik: KODE.TUJUAN.PIN, contoh " + exBuy + ", atau HELP."
	msgBuy        = "Format salah. Ketik: KODE.TUJUAN.PIN, contoh " + exBuy
	msgPINFirst   = "PIN ditulis paling akhir. Ketik: KODE.TUJUAN.PIN, contoh " + exBuy
	msgPIN        = "PIN harus 4-6 angka, ditulis paling akhir. Contoh " + exBuy
	msgCode       = "Kode produk salah. Ketik: KODE.TUJUAN.PIN, contoh " + exBuy
	msgTarget     = "Nomor tujuan salah, tulis angkanya saja. Contoh " + exBuy
	msgRepeat     = "Untuk beli ulang ketik: 2.KODE.TUJUAN.PIN (2 sampai 99), contoh 2." + exBuy
	msgMulti      = "Satu transaksi per pesan. Ketik: KODE.TUJUAN.PIN, contoh " + exBuy
	msgRef        = "Ref salah: R# diikuti huruf/angka (maks 40), contoh " + exBuy + " R#A001"
	msgRefTwice   = "Tulis satu R# saja, contoh " + exBuy + " R#A001"
	msgRefWhere   = "R# hanya untuk pembelian, contoh " + exBuy + " R#A001"
	msgBillCheck  = "Format salah. Ketik: CEK.KODE.IDPEL.PIN, contoh CEK.PLN.543210987654.1234"
	msgBillPay    = "Format salah. Ketik: BAYAR.KODE.IDPEL.PIN, contoh BAYAR.PLN.543210987654.1234"
	msgCustomer   = "Nomor pelanggan salah, tulis angkanya saja. Contoh CEK.PLN.543210987654.1234"
	msgBalance    = "Format salah. Ketik: SAL.PIN, contoh SAL.1234"
	msgStatus     = "Format salah. Ketik: CEK.PIN (transaksi terakhir) atau CEK.REF.PIN"
	msgPrice      = "Format salah. Ketik: HARGA.MEREK, contoh HARGA.TSEL"
	msgDeposit    = "Format salah. Ketik: TIKET.NOMINAL.PIN, contoh TIKET.50000.1234"
	msgThousands  = "Nominal ditulis tanpa titik, contoh TIKET.50000.1234"
	msgAmount     = "Nominal salah, tulis angkanya saja. Contoh TIKET.50000.1234"
	msgMethod     = "Metode deposit: QRIS atau BANK. Contoh TIKET.50000.BANK.1234"
	msgGlued      = "Pisahkan dengan titik: CEK.KODE.IDPEL.PIN atau BAYAR.KODE.IDPEL.PIN"
	msgLink       = "Kode tautan salah. Salin kode dari dasbor, contoh LINK.AB2C-D3EF"
)

// Parse reads one chat message into a command. Every error is a *ParseError whose
// Text is a short Indonesian sentence saying what to type instead.
func Parse(text string) (Command, error) {
	if len(text) > MaxMessage {
		return fail(msgTooLong)
	}
	if !utf8.ValidString(text) {
		return fail(msgUnreadable)
	}
	s := strings.TrimSpace(text)
	if loket.CheckText("pesan", s, MaxMessage) != nil {
		return fail(msgUnreadable) // a control character inside (a line break, …)
	}
	s, msg := ascii(s)
	if msg != "" {
		return fail(msg)
	}
	s = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), "."))
	s = strings.TrimPrefix(s, "/") // Telegram's "/help", "/start CODE"
	if s == "" {
		return fail(msgEmpty)
	}
	if s == "?" {
		return Command{Kind: CmdHelp}, nil
	}
	ref, s, msg := cutRef(s)
	if msg != "" {
		return fail(msg)
	}
	if s == "" {
		return fail(msgBuy)
	}
	head := s
	if i := strings.IndexAny(s, ". "); i >= 0 {
		head = s[:i]
	}
	if i := strings.IndexByte(head, '@'); i > 0 { // "/help@LoketBot" in a group
		head = head[:i]
	}
	switch strings.ToUpper(head) {
	case "BAYAR", "PAY":
		if ref != "" {
			return fail(msgRefWhere)
		}
		return parseBill(CmdBillPay, dots(s), msgBillPay)
	case "INQ":
		if ref != "" {
			return fail(msgRefWhere)
		}
		return parseBill(CmdBillCheck, words(s), msgBillCheck)
	case "CEK":
		return parseCek(words(s), ref)
	}
	kind, ok := keywords[strings.ToUpper(head)]
	if !ok {
		return parseBuy(s, ref)
	}
	if ref != "" {
		return fail(msgRefWhere)
	}
	f := words(s)
	switch kind {
	case CmdHelp:
		if strings.EqualFold(head, "START") && len(f) == 2 {
			return parseLink(f[1])
		}
		return Command{Kind: CmdHelp}, nil
	case CmdLink:
		if len(f) != 2 {
			return fail(msgLink)
		}
		return parseLink(f[1])
	case CmdBalance:
		if len(f) != 2 {
			return fail(msgBalance)
		}
		if !isPIN(f[1]) {
			return fail("PIN harus 4-6 angka. Ketik: SAL.PIN, contoh SAL.1234")
		}
		return Command{Kind: CmdBalance, PIN: f[1]}, nil
	case CmdPrice:
		if len(f) < 2 || len(f) > 3 || !isCode(f[1]) { // "HARGA.1234" is no brand
			return fail(msgPrice)
		}
		if len(f) == 3 && !isPIN(f[2]) {
			return fail(msgPrice)
		}
		return Command{Kind: CmdPrice, Brand: strings.ToUpper(f[1])}, nil
	case CmdDeposit:
		return parseDeposit(f)
	case CmdTransfer:
		return parseTransfer(strings.EqualFold(head, "TARIK"), dots(s))
	case CmdRegister:
		return parseRegister(dots(s))
	}
	return fail(msgUnknown)
}

// keywords are the first words of every command but a buy; CEK, INQ, BAYAR and PAY
// are read apart. A product code equal to one of them cannot be bought by chat.
var keywords = map[string]string{
	"HELP": CmdHelp, "BANTUAN": CmdHelp, "MENU": CmdHelp, "INFO": CmdHelp, "FORMAT": CmdHelp, "START": CmdHelp,
	"LINK": CmdLink, "DAFTAR": CmdLink,
	"SAL": CmdBalance, "SALDO": CmdBalance, "S": CmdBalance,
	"HARGA": CmdPrice, "H": CmdPrice, "HRG": CmdPrice, "CH": CmdPrice,
	"TIKET": CmdDeposit, "DEPOSIT": CmdDeposit,
	"TRF": CmdTransfer, "KIRIM": CmdTransfer, "TARIK": CmdTransfer,
	"REG": CmdRegister,
}

func fail(text string) (Command, error) { return Command{}, &ParseError{Text: text} }

// ascii maps s to the ASCII a command is written in: other spaces (a no-break space
// pasted from a web page) become spaces and zero-width characters go; an emoji or
// any other character is refused with the sentence to reply.
func ascii(s string) (string, string) {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return s, ""
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case r == 0x200B || r == 0x200C || r == 0x2060 || r == 0xFEFF:
			// zero-width characters copied along with a number
		case isEmoji(r):
			return "", msgEmoji
		default:
			return "", msgASCII
		}
	}
	return b.String(), ""
}

func isEmoji(r rune) bool {
	return unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) ||
		r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF ||
		r == 0x200D || r >= 0xFE00 && r <= 0xFE0F || r >= 0xE0020 && r <= 0xE007F
}

// cutRef takes the one R#REF token (preceded by the start, a space or a dot) out of
// s and joins what was around it.
func cutRef(s string) (ref, rest, msg string) {
	for i := 0; i+1 < len(s); i++ {
		if s[i] != 'R' && s[i] != 'r' || s[i+1] != '#' || i > 0 && s[i-1] != ' ' && s[i-1] != '.' {
			continue
		}
		if ref != "" {
			return "", "", msgRefTwice
		}
		j := i + 2
		for j < len(s) && s[j] != ' ' && s[j] != '.' {
			j++
		}
		ref = s[i+2 : j]
		if !isRef(ref) {
			return "", "", msgRef
		}
		left, right := strings.TrimRight(s[:i], " ."), strings.TrimLeft(s[j:], " .")
		switch {
		case left == "":
			s = right
		case right == "":
			s = left
		case strings.Contains(s[len(left):i], ".") || strings.Contains(s[j:len(s)-len(right)], "."):
			s = left + "." + right
		default:
			s = left + " " + right
		}
		i = len(left) - 1 // go on looking for a second R#, from the join on
		if left == "" {
			i = -1
		}
	}
	return ref, s, ""
}

// dots splits s at its dots, spaces around each part trimmed; an empty part is kept
// (and refused by the caller).
func dots(s string) []string {
	f := strings.Split(s, ".")
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return f
}

// words splits s at dots and spaces: the form of commands that move no money.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == ' ' })
}

func parseBuy(s, ref string) (Command, error) {
	f := dots(s)
	if len(f) == 1 {
		if code, ok := linkCode(s, false); ok {
			if ref != "" {
				return fail(msgRefWhere)
			}
			return Command{Kind: CmdLink, LinkCode: code}, nil
		}
		return fail(msgUnknown)
	}
	for _, p := range f {
		if p == "" {
			return fail(msgBuy)
		}
	}
	if len(f) > 4 {
		return fail(msgMulti)
	}
	last := f[len(f)-1]
	if !isPIN(last) {
		if isPIN(f[0]) {
			return fail(msgPINFirst)
		}
		if len(f) == 4 && isDigits(last, 1, 2) && isPIN(f[2]) {
			return fail(msgRepeat) // KODE.TUJUAN.PIN.2
		}
		if len(f) == 2 {
			return fail(msgBuy)
		}
		return fail(msgPIN)
	}
	if len(f) == 2 {
		return fail(msgBuy)
	}
	c := Command{Kind: CmdBuy, PIN: last, Ref: ref}
	code, target := f[0], f[1]
	if len(f) == 4 {
		switch {
		case isDigits(f[0], 1, 2): // 2.KODE.TUJUAN.PIN
			c.Repeat = repeat(f[0])
			code, target = f[1], f[2]
		case isDigits(f[1], 1, 2): // KODE.2.TUJUAN.PIN (Digiflazz's counter)
			c.Repeat = repeat(f[1])
			target = f[2]
		default:
			if isPIN(f[0]) {
				return fail(msgPINFirst)
			}
			return fail(msgBuy)
		}
		if c.Repeat == 0 {
			return fail(msgRepeat)
		}
	}
	if !isCode(code) {
		if isPIN(code) {
			return fail(msgPINFirst)
		}
		return fail(msgCode)
	}
	if glued(code) {
		return fail(msgGlued)
	}
	t, ok := cleanTarget(target)
	if !ok {
		return fail(msgTarget)
	}
	c.Code, c.Target = strings.ToUpper(code), t
	return c, nil
}

// glued reports whether code is a bill keyword glued to a product code, as
// Digiflazz allows ("cekpln.…", "bayarpln.…"): refused, not bought as product CEKPLN.
func glued(code string) bool {
	u := strings.ToUpper(code)
	for _, k := range []string{"CEK", "INQ", "BAYAR"} {
		if len(u) > len(k) && strings.HasPrefix(u, k) {
			return true
		}
	}
	return false
}

// repeat reads the n of a repeated purchase: 2 to 99, written without a leading zero;
// 0 when it is not one.
func repeat(s string) int {
	if s[0] == '0' {
		return 0
	}
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	if n < 2 {
		return 0
	}
	return n
}

func parseBill(kind string, f []string, usage string) (Command, error) {
	if len(f) != 4 {
		return fail(usage)
	}
	for _, p := range f {
		if p == "" {
			return fail(usage)
		}
	}
	if !isPIN(f[3]) {
		if isPIN(f[1]) {
			return fail("PIN ditulis paling akhir. " + usage[len("Format salah. "):])
		}
		return fail("PIN harus 4-6 angka, ditulis paling akhir. " + usage[len("Format salah. "):])
	}
	if !isCode(f[1]) {
		return fail(usage)
	}
	customer, ok := cleanTarget(f[2])
	if !ok {
		return fail(msgCustomer)
	}
	return Command{Kind: kind, Code: strings.ToUpper(f[1]), Target: customer, PIN: f[3]}, nil
}

// parseCek reads the three meanings of CEK: the status of the last order (CEK.PIN) or
// of one (CEK.REF.PIN, or CEK.PIN R#REF), the balance (CEK.SALDO.PIN) and a bill
// (CEK.KODE.IDPEL.PIN).
func parseCek(f []string, ref string) (Command, error) {
	switch len(f) {
	case 2:
		if !isPIN(f[1]) {
			return fail(msgStatus)
		}
		return Command{Kind: CmdStatus, Ref: ref, PIN: f[1]}, nil
	case 3:
		if ref != "" {
			return fail(msgRefTwice)
		}
		if !isPIN(f[2]) {
			return fail(msgStatus)
		}
		if strings.EqualFold(f[1], "SALDO") || strings.EqualFold(f[1], "SAL") {
			return Command{Kind: CmdBalance, PIN: f[2]}, nil
		}
		if !isRef(f[1]) {
			return fail(msgStatus)
		}
		return Command{Kind: CmdStatus, Ref: f[1], PIN: f[2]}, nil
	case 4:
		if ref != "" {
			return fail(msgRefWhere)
		}
		return parseBill(CmdBillCheck, f, msgBillCheck)
	}
	return fail(msgStatus)
}

func parseDeposit(f []string) (Command, error) {
	for i := 2; i < len(f); i++ {
		if len(f[i]) == 3 && isDigits(f[i], 3, 3) && isDigits(f[i-1], 1, 3) {
			return fail(msgThousands) // TIKET.50.000.1234
		}
	}
	if len(f) < 3 || len(f) > 4 {
		return fail(msgDeposit)
	}
	pin := f[len(f)-1]
	if !isPIN(pin) {
		return fail("PIN harus 4-6 angka, ditulis paling akhir. Contoh TIKET.50000.1234")
	}
	amount, method := f[1], loket.MethodQRIS
	if len(f) == 4 {
		m := f[2]
		if !isDigits(amount, 1, 20) { // TIKET.BANK.50000.1234
			amount, m = f[2], f[1]
		}
		switch strings.ToUpper(m) {
		case "QRIS", "QR":
			method = loket.MethodQRIS
		case "BANK", "TRANSFER", "TF":
			method = loket.MethodBank
		default:
			return fail(msgMethod)
		}
	}
	if !isDigits(amount, 1, 13) || amount[0] == '0' {
		return fail(msgAmount)
	}
	var n loket.Money
	for i := 0; i < len(amount); i++ {
		n = n*10 + loket.Money(amount[i]-'0')
	}
	if n > loket.MaxAmount {
		return fail(msgAmount)
	}
	return Command{Kind: CmdDeposit, Amount: n, Method: method, PIN: pin}, nil
}

const (
	msgTransfer = "Format salah. Ketik: TRF.USERNAME.JUMLAH.PIN (kirim saldo ke downline) atau TARIK.USERNAME.JUMLAH.PIN, contoh TRF.agen1.50000.1234"
	msgRegister = "Format salah. Ketik: REG.USERNAME.PIN atau REG.USERNAME.MARKUP.SALDO.PIN, contoh REG.agen1.100.50000.1234"
)

// parseTransfer reads TRF.USERNAME.AMOUNT.PIN (TARIK: back from the downline). A
// username may hold dots: the amount and the PIN are read from the end.
func parseTransfer(up bool, f []string) (Command, error) {
	if len(f) < 4 {
		return fail(msgTransfer)
	}
	pin, amount := f[len(f)-1], f[len(f)-2]
	user := strings.ToLower(strings.Join(f[1:len(f)-2], "."))
	if !isPIN(pin) || !isDigits(amount, 1, 13) || amount[0] == '0' || !isUsername(user) {
		return fail(msgTransfer)
	}
	n := digits(amount)
	if n > loket.MaxAmount {
		return fail(msgAmount)
	}
	return Command{Kind: CmdTransfer, Username: user, Amount: n, Up: up, PIN: pin}, nil
}

// parseRegister reads REG.USERNAME.PIN, or REG.USERNAME.MARKUP.SALDO.PIN: the
// downline's markup over everything (rupiah) and its opening balance (moved from the
// upline's own). Two numbers before the PIN are read as those.
func parseRegister(f []string) (Command, error) {
	if len(f) < 3 {
		return fail(msgRegister)
	}
	pin := f[len(f)-1]
	c := Command{Kind: CmdRegister, PIN: pin}
	rest := f[1 : len(f)-1]
	if n := len(rest); n >= 3 && isDigits(rest[n-1], 1, 13) && isDigits(rest[n-2], 1, 13) {
		c.Markup, c.Amount = digits(rest[n-2]), digits(rest[n-1])
		rest = rest[:n-2]
	}
	c.Username = strings.ToLower(strings.Join(rest, "."))
	if !isPIN(pin) || !isUsername(c.Username) || c.Markup > loket.MaxAmount || c.Amount > loket.MaxAmount {
		return fail(msgRegister)
	}
	return c, nil
}

// digits is a run of digits (isDigits) as an amount.
func digits(s string) loket.Money {
	var n loket.Money
	for i := 0; i < len(s); i++ {
		n = n*10 + loket.Money(s[i]-'0')
	}
	return n
}

// isUsername is a reseller's username: 3 to 32 of a-z, 0-9, _ . - (starting with a
// letter or digit).
func isUsername(s string) bool {
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (i > 0 && (c == '_' || c == '.' || c == '-'))) {
			return false
		}
	}
	return true
}

func parseLink(s string) (Command, error) {
	code, ok := linkCode(s, true)
	if !ok {
		return fail(msgLink)
	}
	return Command{Kind: CmdLink, LinkCode: code}, nil
}

// linkAlphabet is the alphabet of the dashboard's one-time link codes (no 0, 1, I, O).
const linkAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// linkCode reads a link code XXXX-XXXX, any case; after a LINK keyword (loose) the
// dash may be left out. It returns the code in upper case with its dash.
func linkCode(s string, loose bool) (string, bool) {
	s = strings.ToUpper(s)
	switch {
	case len(s) == 9 && s[4] == '-':
		s = s[:4] + s[5:]
	case len(s) == 8 && loose:
	default:
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(linkAlphabet, s[i]) < 0 {
			return "", false
		}
	}
	return s[:4] + "-" + s[4:], true
}

// cleanTarget reads a target or customer number: digits, as typed but for spaces and
// dashes, perhaps with a leading "+" and a zone ("12345678(1234)", "12345678|1234", or
// Samsat's "kode,identitas").
func cleanTarget(s string) (string, bool) {
	if strings.ContainsAny(s, " -") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' {
				return -1
			}
			return r
		}, s)
	}
	if len(s) > 40 {
		return "", false
	}
	id, zone, sep := s, "", byte(0)
	if i := strings.IndexAny(s, "(|,"); i >= 0 {
		id, zone, sep = s[:i], s[i+1:], s[i]
		if sep == '(' {
			if !strings.HasSuffix(zone, ")") {
				return "", false
			}
			zone = zone[:len(zone)-1]
		}
		if !isDigits(zone, 1, 20) {
			return "", false
		}
	}
	id = strings.TrimPrefix(id, "+")
	if !isDigits(id, 5, 20) {
		return "", false
	}
	return s, true
}

// isDigits reports whether s is min to max ASCII digits.
func isDigits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isPIN(s string) bool { return isDigits(s, 4, 6) }

// isCode reports whether s can be a product code: 1 to 20 ASCII letters and digits,
// at least one a letter.
func isCode(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		switch {
		case c >= 'a' && c <= 'z':
			letter = true
		case s[i] >= '0' && s[i] <= '9':
		default:
			return false
		}
	}
	return letter
}

// isRef reports whether s can be a reseller's ref or an order's: 1 to 40 ASCII
// letters, digits, "-" and "_".
func isRef(s string) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// HelpText is the reply to HELP: every format with an example, short enough for a
// phone's screen.
func HelpText() string {
	return `Format (pisahkan dengan titik):
Beli: KODE.TUJUAN.PIN
  contoh HSA5.081234567890.1234
Beli lagi yg sama: 2.HSA5.081234567890.1234
Ref sendiri: HSA5.081234567890.1234 R#A001
Game: ML86.12345678(1234).1234
Cek tagihan: CEK.PLN.543210987654.1234
Bayar tagihan: BAYAR.PLN.543210987654.1234
Saldo: SAL.1234   Harga: HARGA.TSEL
Status: CEK.1234 (terakhir) atau CEK.REF.1234
Deposit: TIKET.50000.1234 (QRIS) atau TIKET.50000.BANK.1234
Saldo downline: TRF.agen1.50000.1234, TARIK.agen1.50000.1234
Downline baru: REG.agen1.1234
Hubungkan akun: LINK.AB2C-D3EF`
}
