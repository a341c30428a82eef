package chat

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/loket/loket/internal/loket"
)

func TestParse(t *testing.T) {
	buy := func(code, target, pin string) Command {
		return Command{Kind: CmdBuy, Code: code, Target: target, PIN: pin}
	}
	withRef := func(c Command, ref string) Command { c.Ref = ref; return c }
	withRepeat := func(c Command, n int) Command { c.Repeat = n; return c }
	hsa5 := buy("HSA5", "081234567890", "1234")
	bill := func(kind, code, customer, pin string) Command {
		return Command{Kind: kind, Code: code, Target: customer, PIN: pin}
	}
	balance := func(pin string) Command { return Command{Kind: CmdBalance, PIN: pin} }
	status := func(ref, pin string) Command { return Command{Kind: CmdStatus, Ref: ref, PIN: pin} }
	price := func(brand string) Command { return Command{Kind: CmdPrice, Brand: brand} }
	deposit := func(amount loket.Money, method string) Command {
		return Command{Kind: CmdDeposit, Amount: amount, Method: method, PIN: "1234"}
	}
	link := Command{Kind: CmdLink, LinkCode: "AB2C-D3EF"}
	help := Command{Kind: CmdHelp}
	tests := []struct {
		in   string
		want Command
	}{
		// buy
		{"HSA5.081234567890.1234", hsa5},
		{"hsa5.081234567890.1234", hsa5},
		{"  HSA5.081234567890.1234  ", hsa5},
		{"HSA5.081234567890.1234.", hsa5},
		{"HSA5.081234567890.1234 .", hsa5},
		{"\tHSA5.081234567890.1234\n", hsa5},
		{"HSA5 . 081234567890 . 1234", hsa5},
		{"HSA5.0812-3456-7890.1234", hsa5},
		{"HSA5.0812 3456 7890.1234", hsa5},
		{"HSA5.081234567890.123456", buy("HSA5", "081234567890", "123456")},
		{"HSA5.+6281234567890.1234", buy("HSA5", "+6281234567890", "1234")},
		{"HSA5.6281234567890.1234", buy("HSA5", "6281234567890", "1234")},
		{"tsel10.08524711111.123456", buy("TSEL10", "08524711111", "123456")},
		{"ML86.12345678(1234).1234", buy("ML86", "12345678(1234)", "1234")},
		{"ML86.12345678 (1234).1234", buy("ML86", "12345678(1234)", "1234")},
		{"ML86.12345678|1234.1234", buy("ML86", "12345678|1234", "1234")},
		{"PLN20.543210987654.1234", buy("PLN20", "543210987654", "1234")},
		{"/HSA5.081234567890.1234", hsa5},
		{"HSA5.081234567890\u00a0.1234", hsa5},                   // a no-break space
		{"HSA5.0812\u200b34567890.1234", hsa5},                   // a zero-width space
		{"\ufeffHSA5.081234567890.1234", hsa5},                   // a byte-order mark
		{"HSA5.081234567890.1234\u00a0", hsa5},                   // trailing no-break space
		{"HSA5.081234567890.1234 R#A001", withRef(hsa5, "A001")}, // Digiflazz
		{"HSA5.081234567890.1234 r#a001", withRef(hsa5, "a001")},
		{"HSA5.081234567890.1234.R#A001", withRef(hsa5, "A001")},
		{"HSA5.081234567890.R#A001.1234", withRef(hsa5, "A001")},
		{"HSA5.081234567890 R#A001 .1234", withRef(hsa5, "A001")},
		{"R#A001 HSA5.081234567890.1234", withRef(hsa5, "A001")},
		{"HSA5.081234567890.1234 R#dfasdf-12_3", withRef(hsa5, "dfasdf-12_3")},
		{"2.HSA5.081234567890.1234", withRepeat(hsa5, 2)},
		{"12.hsa5.081234567890.1234", withRepeat(hsa5, 12)},
		{"HSA5.2.081234567890.1234", withRepeat(hsa5, 2)}, // Digiflazz's counter
		{"HSA5.99.081234567890.1234", withRepeat(hsa5, 99)},
		{"3.HSA5.081234567890.1234 R#X9", withRef(withRepeat(hsa5, 3), "X9")},
		// bills
		{"CEK.PLN.543210987654.1234", bill(CmdBillCheck, "PLN", "543210987654", "1234")},
		{"cek.pln.543210987654.123456", bill(CmdBillCheck, "PLN", "543210987654", "123456")},
		{"INQ.PLN.543210987654.1234", bill(CmdBillCheck, "PLN", "543210987654", "1234")},
		{"cek pln 543210987654 1234", bill(CmdBillCheck, "PLN", "543210987654", "1234")},
		{"CEK.SAMSAT.9658548523568705,0212502110170100.1234", bill(CmdBillCheck, "SAMSAT", "9658548523568705,0212502110170100", "1234")},
		{"BAYAR.PLN.543210987654.1234", bill(CmdBillPay, "PLN", "543210987654", "1234")},
		{"bayar.bpjs.0001234567890.1234.", bill(CmdBillPay, "BPJS", "0001234567890", "1234")},
		{"PAY.PLN.543210987654.1234", bill(CmdBillPay, "PLN", "543210987654", "1234")},
		{"BAYAR.PLN.5432 1098 7654.1234", bill(CmdBillPay, "PLN", "543210987654", "1234")},
		// balance
		{"SAL.1234", balance("1234")},
		{"saldo.123456", balance("123456")},
		{"S.1234", balance("1234")},
		{"sal 1234", balance("1234")},
		{"CEK.SALDO.1234", balance("1234")},
		{"cek saldo 1234", balance("1234")},
		{"/sal@LoketBot 1234", balance("1234")},
		// status
		{"CEK.1234", status("", "1234")},
		{"cek 1234", status("", "1234")},
		{"CEK.A001.1234", status("A001", "1234")},
		{"CEK.081234567890.1234", status("081234567890", "1234")},
		{"CEK.1234 R#A001", status("A001", "1234")},
		{"CEK.R#A001.1234", status("A001", "1234")},
		{"CEK.ord-42_x.1234", status("ord-42_x", "1234")},
		// price
		{"HARGA.TSEL", price("TSEL")},
		{"harga tsel", price("TSEL")},
		{"H.S", price("S")},
		{"H.S.1234", price("S")},
		{"CH.hsa", price("HSA")},
		{"HRG.IM3", price("IM3")},
		{"HARGA.TELKOMSEL.1234", price("TELKOMSEL")},
		// deposit
		{"TIKET.50000.1234", deposit(50000, loket.MethodQRIS)},
		{"tiket 50000 1234", deposit(50000, loket.MethodQRIS)},
		{"TIKET.50000.QRIS.1234", deposit(50000, loket.MethodQRIS)},
		{"TIKET.50000.BANK.1234", deposit(50000, loket.MethodBank)},
		{"tiket.bank.100000.1234", deposit(100000, loket.MethodBank)},
		{"TIKET TRANSFER 100000 1234", deposit(100000, loket.MethodBank)},
		{"DEPOSIT.2000.1234", deposit(2000, loket.MethodQRIS)},
		{"TIKET.1000000000000.1234", deposit(loket.MaxAmount, loket.MethodQRIS)},
		// help
		{"HELP", help}, {"help", help}, {"BANTUAN", help}, {"?", help}, {" ? ", help},
		{"MENU", help}, {"Info", help}, {"FORMAT", help}, {"/start", help}, {"/help@LoketBot", help},
		{"HELP.", help}, {"INFO.S5 ke 0812 belum masuk", help},
		// link
		{"LINK.AB2C-D3EF", link},
		{"link ab2c-d3ef", link},
		{"LINK.ab2cd3ef", link},
		{"DAFTAR.AB2C-D3EF", link},
		{"ab2c-d3ef", link},
		{" AB2C-D3EF. ", link},
		{"/start AB2C-D3EF", link},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		in   string
		want string // a part of the reply
	}{
		// empty, unreadable, too long
		{"", "Pesan kosong"},
		{"   ", "Pesan kosong"},
		{"...", "Pesan kosong"},
		{"\n\t", "Pesan kosong"},
		{strings.Repeat("A", 501), "Pesan terlalu panjang"},
		{"HSA5.081234567890.1234 " + strings.Repeat("x", 480), "Pesan terlalu panjang"},
		{"HSA5.0812\xff34567890.1234", "tidak terbaca"},
		{"\xc3", "tidak terbaca"},
		{"HSA5.081234567890\n.1234", "tidak terbaca"},
		{"HSA5.081234567890.1234\x00", "tidak terbaca"},
		{"HSA5\x1b.081234567890.1234", "tidak terbaca"},
		{"HSA5.081234567890.1234\u0085x", "tidak terbaca"},
		{"HSA5.081234567890.1234 👍", "Emoji"},
		{"🙏", "Emoji"},
		{"HSA5.081234567890.1234 ❤️", "Emoji"},
		{"👍🏽", "Emoji"},
		{"HSA5。081234567890。1234", "huruf, angka dan titik"},
		{"HSA5.081234567890.１２３４", "huruf, angka dan titik"},
		{"HSA5.081234567890.1234 terima kasih", "PIN harus 4-6 angka"},
		{"HSA5.\u202e081234567890.1234", "huruf, angka dan titik"},
		// chat that is no order
		{"halo kak", "Perintah tidak dikenal"},
		{"ok 1234", "Perintah tidak dikenal"},
		{"ok", "Perintah tidak dikenal"},
		{"terima kasih ya 081234567890 1234", "Perintah tidak dikenal"},
		{"HSA5 081234567890 1234", "Perintah tidak dikenal"},
		{"??", "Perintah tidak dikenal"},
		{"12345678", "Perintah tidak dikenal"},
		{"SELAMATP", "Perintah tidak dikenal"},
		{"AB2C-D3E0", "Perintah tidak dikenal"},
		// buy: missing or misplaced parts
		{"HSA5", "Perintah tidak dikenal"},
		{"HSA5.081234567890", "Format salah"},
		{"HSA5.1234", "Format salah"},
		{"HSA5..1234", "Format salah"},
		{".081234567890.1234", "Format salah"},
		{"1234.HSA5.081234567890", "PIN ditulis paling akhir"},
		{"1234.HSA5.2.081234567890", "PIN ditulis paling akhir"},
		{"1234.081234567890.5678", "PIN ditulis paling akhir"},
		{"HSA5.1234.081234567890", "PIN harus 4-6 angka"},
		{"HSA5.081234567890.12a4", "PIN harus 4-6 angka"},
		{"HSA5.081234567890.123", "PIN harus 4-6 angka"},
		{"HSA5.081234567890.1234567", "PIN harus 4-6 angka"},
		{"HSA5.081234567890.PIN", "PIN harus 4-6 angka"},
		{"HSA5.081234567890.1234.2", "beli ulang"},
		{"1.HSA5.081234567890.1234", "beli ulang"},
		{"0.HSA5.081234567890.1234", "beli ulang"},
		{"02.HSA5.081234567890.1234", "beli ulang"},
		{"HSA5.1.081234567890.1234", "beli ulang"},
		{"HSA5.081234567890.S5.08561234567.1234", "Satu transaksi per pesan"},
		{"2.HSA5.3.081234567890.1234", "Satu transaksi per pesan"},
		{"HSA5.081234567890.XYZ.1234", "Format salah"},
		{"10.081234567890.1234", "Kode produk salah"},
		{"HS-A5.081234567890.1234", "Kode produk salah"},
		{"HSA5X1234567890123456789.081234567890.1234", "Kode produk salah"},
		{"HSA5.0812ABC.1234", "Nomor tujuan salah"},
		{"HSA5.1234.5678", "Nomor tujuan salah"},
		{"HSA5.++6281234567890.1234", "Nomor tujuan salah"},
		{"ML86.12345678(1234.1234", "Nomor tujuan salah"},
		{"ML86.12345678().1234", "Nomor tujuan salah"},
		{"ML86.12345678|1234|5.1234", "Nomor tujuan salah"},
		{"HSA5.0812345678901234567890.1234", "Nomor tujuan salah"},
		{"HSA5.081234567890.1234 R#", "Ref salah"},
		{"HSA5.081234567890.1234 R#A/B", "Ref salah"},
		{"HSA5.081234567890.1234 R#" + strings.Repeat("A", 41), "Ref salah"},
		{"HSA5.081234567890.1234 R#A1 R#A2", "satu R#"},
		{"R#A1 R#A2 HSA5.081234567890.1234", "satu R#"},
		{"R#A1", "Format salah"},
		{"AB2C-D3EF R#A1", "R# hanya untuk pembelian"},
		// bills
		{"CEK.PLN.543210987654", "Format salah"},
		{"CEK.PLN.543210987654.12", "PIN harus 4-6 angka"},
		{"CEK.1234.PLN.543210987654", "PIN ditulis paling akhir"},
		{"CEK.PLN.5432ABC.1234", "Nomor pelanggan salah"},
		{"CEK.P-LN.543210987654.1234", "CEK.KODE.IDPEL.PIN"},
		{"CEK.PLN.543210987654.1234 R#A1", "R# hanya untuk pembelian"},
		{"INQ.PLN.543210987654", "CEK.KODE.IDPEL.PIN"},
		{"inq.shopeepay.08123456789.123456.250000", "CEK.KODE.IDPEL.PIN"},
		{"INQ.PLN.543210987654.1234 R#1", "R# hanya untuk pembelian"},
		{"BAYAR.PLN.543210987654", "BAYAR.KODE.IDPEL.PIN"},
		{"BAYAR PLN 543210987654 1234", "BAYAR.KODE.IDPEL.PIN"},
		{"BAYAR.PLN..1234", "BAYAR.KODE.IDPEL.PIN"},
		{"BAYAR.PLN.543210987654.1234.5678", "BAYAR.KODE.IDPEL.PIN"},
		{"BAYAR.PLN.543210987654.1234 R#1", "R# hanya untuk pembelian"},
		{"BAYAR.1234.PLN.543210987654", "PIN ditulis paling akhir"},
		{"cekpln.543210987654.1234", "Pisahkan dengan titik"}, // Digiflazz's glued forms
		{"bayarPLN.543210987654.1234", "Pisahkan dengan titik"},
		{"INQPLN.543210987654.1234 R#1", "Pisahkan dengan titik"},
		// balance, status, price
		{"SAL", "SAL.PIN"},
		{"SAL.12", "PIN harus 4-6 angka"},
		{"SAL.1234.5678", "SAL.PIN"},
		{"SAL.1234 R#A1", "R# hanya untuk pembelian"},
		{"CEK", "CEK.PIN"},
		{"CEK.12", "CEK.PIN"},
		{"CEK.081234567890", "CEK.PIN"},
		{"CEK.A/1.1234", "CEK.PIN"},
		{"CEK.A1.1234 R#A2", "satu R#"},
		{"cek dulu ya kak", "CEK.KODE.IDPEL.PIN"},
		{"HARGA", "HARGA.MEREK"},
		{"HARGA.TSEL.12", "HARGA.MEREK"},
		{"HARGA.T-SEL", "HARGA.MEREK"},
		{"HARGA.1234", "HARGA.MEREK"},
		{"H 0000", "HARGA.MEREK"},
		{"HARGA.TSEL.1234.5", "HARGA.MEREK"},
		// deposit
		{"TIKET", "TIKET.NOMINAL.PIN"},
		{"TIKET.50000", "TIKET.NOMINAL.PIN"},
		{"TIKET.50.000.1234", "tanpa titik"},
		{"TIKET 50.000 1234", "tanpa titik"},
		{"TIKET.1.000.000.BANK.1234", "tanpa titik"},
		{"TIKET.50000.12", "PIN harus 4-6 angka"},
		{"TIKET.050000.1234", "Nominal salah"},
		{"TIKET.0.1234", "Nominal salah"},
		{"TIKET.lima.1234", "Nominal salah"},
		{"TIKET.1000000000001.1234", "Nominal salah"},
		{"TIKET.99999999999999.1234", "Nominal salah"},
		{"TIKET BCA 100000 9999", "QRIS atau BANK"},
		{"TIKET.50000.OVO.1234", "QRIS atau BANK"},
		{"TIKET.50000.BANK.QRIS.1234", "TIKET.NOMINAL.PIN"},
		// link
		{"LINK", "Kode tautan salah"},
		{"LINK.AB2C-D3E", "Kode tautan salah"},
		{"LINK.AB2C-D3E0", "Kode tautan salah"},
		{"LINK.AB2CD-3EF", "Kode tautan salah"},
		{"DAFTAR.SIGIT.JAKARTA.081765432", "Kode tautan salah"},
		{"/start AB2C", "Kode tautan salah"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %+v, %v; want a *ParseError", tt.in, got, err)
			continue
		}
		if got != (Command{}) {
			t.Errorf("Parse(%q) returned %+v with its error", tt.in, got)
		}
		if !strings.Contains(pe.Text, tt.want) {
			t.Errorf("Parse(%q): %q; want it to say %q", tt.in, pe.Text, tt.want)
		}
		if len(pe.Text) > 160 || strings.Contains(pe.Text, "\n") {
			t.Errorf("Parse(%q): the reply is not short: %q", tt.in, pe.Text)
		}
	}
}

// TestHelpTextExamples parses every example the help shows.
func TestHelpTextExamples(t *testing.T) {
	h := HelpText()
	if n := strings.Count(h, "\n") + 1; n > 14 {
		t.Errorf("HelpText has %d lines; keep it to a phone's screen", n)
	}
	for _, line := range strings.Split(h, "\n") {
		if len(line) > 64 {
			t.Errorf("HelpText line too wide for a phone: %q", line)
		}
	}
	for _, ex := range []string{
		"HSA5.081234567890.1234", "2.HSA5.081234567890.1234", "HSA5.081234567890.1234 R#A001",
		"ML86.12345678(1234).1234", "CEK.PLN.543210987654.1234", "BAYAR.PLN.543210987654.1234",
		"SAL.1234", "CEK.1234", "CEK.REF.1234", "HARGA.TSEL", "TIKET.50000.1234",
		"TIKET.50000.BANK.1234", "LINK.AB2C-D3EF", "TRF.agen1.50000.1234", "TARIK.agen1.50000.1234", "REG.agen1.1234",
	} {
		if !strings.Contains(h, ex) {
			t.Errorf("HelpText does not show %q", ex)
		}
		if _, err := Parse(ex); err != nil {
			t.Errorf("HelpText's example %q: %v", ex, err)
		}
	}
}

// checkParse is what must hold for any text: no panic, an error is a *ParseError with
// a sentence and no command, and a command is well formed.
func checkParse(t *testing.T, in string) {
	t.Helper()
	c, err := Parse(in)
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Text == "" {
			t.Fatalf("Parse(%q): error %v is no *ParseError with text", in, err)
		}
		if c != (Command{}) {
			t.Fatalf("Parse(%q) returned %+v with its error", in, c)
		}
		return
	}
	if len(in) > MaxMessage || !utf8.ValidString(in) {
		t.Fatalf("Parse(%q) accepted an overlong or invalid text: %+v", in, c)
	}
	switch c.Kind {
	case CmdBuy, CmdBillCheck, CmdBillPay:
		if c.Code == "" || c.Target == "" || !isPIN(c.PIN) || c.Code != strings.ToUpper(c.Code) {
			t.Fatalf("Parse(%q) = %+v: a bad order", in, c)
		}
		if c.Repeat == 1 || c.Repeat < 0 || c.Repeat > 99 {
			t.Fatalf("Parse(%q) = %+v: a bad repeat", in, c)
		}
		if c.Kind != CmdBuy && (c.Repeat != 0 || c.Ref != "") {
			t.Fatalf("Parse(%q) = %+v: a bill with a repeat or ref", in, c)
		}
	case CmdBalance, CmdStatus:
		if !isPIN(c.PIN) {
			t.Fatalf("Parse(%q) = %+v: no PIN", in, c)
		}
	case CmdDeposit:
		if !isPIN(c.PIN) || c.Amount <= 0 || c.Amount > loket.MaxAmount ||
			c.Method != loket.MethodQRIS && c.Method != loket.MethodBank {
			t.Fatalf("Parse(%q) = %+v: a bad deposit", in, c)
		}
	case CmdPrice:
		if c.Brand == "" || c.PIN != "" {
			t.Fatalf("Parse(%q) = %+v: a bad price", in, c)
		}
	case CmdLink:
		if _, ok := linkCode(c.LinkCode, false); !ok || c.LinkCode != strings.ToUpper(c.LinkCode) {
			t.Fatalf("Parse(%q) = %+v: a bad link code", in, c)
		}
	case CmdHelp:
		if c != (Command{Kind: CmdHelp}) {
			t.Fatalf("Parse(%q) = %+v", in, c)
		}
	default:
		t.Fatalf("Parse(%q) = %+v: unknown kind", in, c)
	}
	if c.Kind != CmdBuy && c.Kind != CmdStatus && c.Ref != "" {
		t.Fatalf("Parse(%q) = %+v: a ref where none belongs", in, c)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"HSA5.081234567890.1234", "2.HSA5.081234567890.1234", "HSA5.2.081234567890.1234",
		"HSA5.081234567890.1234 R#A001", "R#A1 R#A2 X", "r#.r#", "HSA5.081234567890.R#A001.1234",
		"ML86.12345678(1234).1234", "ML86.12345678|1234.1234", "CEK.PLN.543210987654.1234",
		"BAYAR.PLN.543210987654.1234", "SAL.1234", "CEK.1234 R#A1", "CEK.SALDO.1234",
		"HARGA.TSEL", "H.S.1234", "TIKET.50000.BANK.1234", "TIKET 50.000 1234",
		"LINK ab2c-d3ef", "AB2C-D3EF", "/start AB2C-D3EF", "/help@Bot", "?", "halo kak",
		"ok 1234", "1234.HSA5.081234567890", "HSA5.081234567890.1234.2", "👍", "\xff",
		"\u00a0HSA5.081234567890.1234\u200b", "..", "R#", "HSA5.0812 3456-7890.1234",
		// from the fuzzer's corpus
		"A.00000000 0000-0000.0000", "CEK SALd 0000", "CEK SALDO0 0000", "H 0000", "CEK 0A00",
		"h 00", "AAAa0.00000.0000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) { checkParse(t, in) })
}

func BenchmarkParse(b *testing.B) {
	msgs := []string{
		"HSA5.081234567890.1234", "2.HSA5.081234567890.1234 R#A001", "CEK.PLN.543210987654.1234",
		"SAL.1234", "TIKET.50000.BANK.1234", "halo kak", "HSA5.081234567890.1234 👍",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Parse(msgs[i%len(msgs)])
	}
}

// The network's commands: moving balance to and from a downline (a username may hold
// dots), and registering one.
func TestParseNetwork(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Command
	}{
		{"TRF.agen1.50000.1234", Command{Kind: CmdTransfer, Username: "agen1", Amount: 50000, PIN: "1234"}},
		{"kirim.Toko.Maju.25000.123456", Command{Kind: CmdTransfer, Username: "toko.maju", Amount: 25000, PIN: "123456"}},
		{"TARIK.agen1.1000.1234", Command{Kind: CmdTransfer, Username: "agen1", Amount: 1000, Up: true, PIN: "1234"}},
		{"REG.agen_2.1234", Command{Kind: CmdRegister, Username: "agen_2", PIN: "1234"}},
		{"REG.agen3.100.50000.1234", Command{Kind: CmdRegister, Username: "agen3", Markup: 100, Amount: 50000, PIN: "1234"}},
		{"REG.toko.maju.0.0.1234", Command{Kind: CmdRegister, Username: "toko.maju", PIN: "1234"}},
	} {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"TRF.agen1.1234", "TRF.agen1.50.000.1234", "TRF.ag.5000.1234", "TRF.agen1.0500.1234", "REG.1234", "REG.a b.1234", "TARIK.agen1.-5.1234"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) took it", bad)
		}
	}
}
