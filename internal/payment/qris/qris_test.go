package qris_test

import (
	"bytes"
	"fmt"
	"image/png"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/qris"
)

// Published QRIS strings. Each one's CRC is checked against bitCRC in
// TestVectorsHaveValidCRC, so a typo here cannot pass as a real vector.
var (
	// GoPay merchant, static, with tag 62 (terminal label A01).
	// github.com/Rifaldo-dev/qrisdinamis, README.md.
	realGoPay = "00020101021126610014COM.GO-JEK.WWW01189360091436271261480210G6271261480303UMI51440014ID.CO.QRIS.WWW0215ID10253896834060303UMI5204573253033605802ID5909aldo soft6013PASAMAN BARAT61052656662070703A0163042275"
	// DANA merchant, static, no tag 62.
	// github.com/alrescha79-cmd/bot-vpn, docs/QRIS_SETUP.md.
	realDANA = "00020101021126570011ID.DANA.WWW011893600915319021669702091902166970303UMI51440014ID.CO.QRIS.WWW0215ID10254370410780303UMI5204654053033605802ID5906SeTORE600412286105621616304BB06"
	// DANA merchant, static, a 22-character name.
	// github.com/idlanyor/qris-converter, README.md (example request).
	realDANA2 = "00020101021126570011ID.DANA.WWW011893600915302259148102090225914810303UMI51440014ID.CO.QRIS.WWW0215ID10200176114730303UMI5204581253033605802ID5922Warung Sayur Bu Sugeng6010Kab. Demak610559567630458C7"
	// DANA merchant, static: the STATIC constant of a JavaScript QRIS library's tests
	// (found by code search; the index did not record the repository).
	realDANA3 = "00020101021126570011ID.DANA.WWW011893600915303023251702090302325170303UMI51440014ID.CO.QRIS.WWW0215ID10265294489570303UMI5204737253033605802ID5914Raol Mukarrozi6015Kota Banjar Bar6105707316304E0BD"
	// Nobu Bank merchant, static, "ID2..." NMID: a dynamic-QRIS guide's QRCODE_TEXT
	// (found by code search; repository not recorded).
	realNobu = "00020101021126670016COM.NOBUBANK.WWW01189360050300000879140214703239147837910303UMI51440014ID.CO.QRIS.WWW0215ID20232709941630303UMI5204481253033605802ID5923GRANOOL STORE OK12295776006KEDIRI61056421262070703A0163047127"
	// ShopeePay, DYNAMIC, amount with decimals ("100003.00") and a reference label in
	// tag 62: a payment gateway response quoted in a project's notes (found by code
	// search; repository not recorded).
	realShopeeDynamic = "00020101021226610016ID.CO.SHOPEE.WWW01189360091800216005230208216005230303UME51440014ID.CO.QRIS.WWW0215ID10243228429300303UME5204792953033605409100003.005802ID5907Pakasir6012KAB. KEBUMEN61055439262230519SP25RZRATEQI2HQ65Q46304A079"
	// Bank Kaltimtara, DYNAMIC, 44-character merchant name (longer than EMVCo's 25,
	// yet issued), tag 62 with several sub-tags: a row of a public SQL dump (found by
	// code search; repository not recorded).
	realKaltimtaraDynamic = "00020101021226690023ID.CO.BANKALTIMTARA.WWW011893600124024091802802092409180280303URE51440014ID.CO.QRIS.WWW0215ID20243452761720303URE5204752353033605405100005802ID5944(TEST) RETRIBUSI PARKIR PELABUHAN BULUMINUNG6015PENAJAM PASER U610576141622501121122334455340705479056304F16E"

	// A published string whose CRC is not even hexadecimal.
	// github.com/misterdevs/qris-parser, README.md.
	realBadCRC = "00020101021126610014COM.GO-JEK.WWW01189360091234285490450210G6285936550303UMI51440014ID.CO.QRIS.WWW0215ID10253801632580303UMI5204504553033605802ID5910Misterdevs6007JAKARTA61051234562070703A016304M2B3"
)

var realStatic = []string{realGoPay, realDANA, realDANA2, realDANA3, realNobu}
var realDynamic = []string{realShopeeDynamic, realKaltimtaraDynamic}

// bitCRC is CRC-16/CCITT-FALSE computed bit by bit, independent of the package's
// table-driven one.
func bitCRC(s string) string {
	crc := 0xFFFF
	for i := 0; i < len(s); i++ {
		for bit := 7; bit >= 0; bit-- {
			in := int(s[i]>>bit) & 1
			top := (crc >> 15) & 1
			crc = (crc << 1) & 0xFFFF
			if in^top == 1 {
				crc ^= 0x1021
			}
		}
	}
	return fmt.Sprintf("%04X", crc)
}

// tlv encodes one data object.
func tlv(id, value string) string {
	return fmt.Sprintf("%s%02d%s", id, len(value), value)
}

// seal appends tag 63 with the CRC bitCRC computes.
func seal(body string) string {
	body += "6304"
	return body + bitCRC(body)
}

// reseal swaps old for new in a sealed payload's body (everything before "6304")
// and seals it again: a defect that keeps a valid CRC.
func reseal(t *testing.T, s, old, new string) string {
	t.Helper()
	body := s[:len(s)-8]
	if !strings.Contains(body, old) {
		t.Fatalf("%q not in %q", old, body)
	}
	return seal(strings.Replace(body, old, new, 1))
}

// Constructed vectors: the fields the real ones lack.
var (
	// Tip indicator "02" with a fixed fee (56), a language template (64), and a
	// merchant name containing "010211" to catch string surgery.
	builtFixedFee = seal("000201" + "010211" +
		tlv("26", tlv("00", "ID.CO.QRIS.WWW")+tlv("01", "936000000000000001")+tlv("02", "ID1000000000001")+tlv("03", "UMI")) +
		tlv("51", tlv("00", "ID.CO.QRIS.WWW")+tlv("02", "ID1000000000001")+tlv("03", "UMI")) +
		tlv("52", "5411") + tlv("53", "360") + tlv("55", "02") + tlv("56", "1000") + tlv("58", "ID") +
		tlv("59", "TOKO 010211 5406") + tlv("60", "JAKARTA") + tlv("61", "10110") +
		tlv("62", tlv("01", "INV1")+tlv("07", "A01")) +
		tlv("64", tlv("00", "ID")+tlv("01", "TOKO LOKET")+tlv("02", "JAKARTA")))
	// Tip indicator "03" with a percentage fee (57), and tags out of EMVCo order
	// (58 before 53, 62 before 60) which Dynamic puts back in order.
	builtPctFee = seal("000201" + "010211" +
		tlv("40", tlv("00", "COM.EXAMPLE.WWW")+tlv("01", "9360000000000002")) +
		tlv("52", "5812") + tlv("58", "ID") + tlv("53", "360") + tlv("55", "03") + tlv("57", "2.5") +
		tlv("59", "WARUNG") + tlv("62", tlv("07", "K1")) + tlv("60", "BANDUNG"))
	// Tip indicator "01": the wallet asks the payer for a tip.
	builtTipPrompt = seal("000201" + "010211" +
		tlv("26", tlv("00", "ID.CO.QRIS.WWW")+tlv("01", "936000000000000003")) +
		tlv("52", "5999") + tlv("53", "360") + tlv("55", "01") + tlv("58", "ID") +
		tlv("59", "KIOS") + tlv("60", "MEDAN"))
)

var builtStatic = []string{builtFixedFee, builtPctFee, builtTipPrompt}

func allGood() []string {
	return slices.Concat(realStatic, realDynamic, builtStatic)
}

func TestVectorsHaveValidCRC(t *testing.T) {
	for _, s := range allGood() {
		if got, want := s[len(s)-4:], bitCRC(s[:len(s)-4]); got != want {
			t.Errorf("vector CRC is %s, bit-by-bit CRC says %s: %s", got, want, s)
		}
	}
	if got, want := realBadCRC[len(realBadCRC)-4:], bitCRC(realBadCRC[:len(realBadCRC)-4]); got == want {
		t.Errorf("realBadCRC has a valid CRC %s", got)
	}
}

func TestCRCMatchesBitwise(t *testing.T) {
	// The CRC-16/CCITT-FALSE check value, from the catalogue of parametrised CRCs.
	if got := qris.CRC("123456789"); got != "29B1" {
		t.Errorf("CRC(123456789) = %s, want 29B1", got)
	}
	for _, s := range append(allGood(), "", "a", "6304", "\x00\xff") {
		if got, want := qris.CRC(s), bitCRC(s); got != want {
			t.Errorf("CRC(%q) = %s, bitwise %s", s, got, want)
		}
	}
}

func TestParseRoundTrip(t *testing.T) {
	for _, s := range allGood() {
		p, err := qris.Parse(s)
		if err != nil {
			t.Fatalf("Parse(%s): %v", s, err)
		}
		if got := p.String(); got != s {
			t.Errorf("String() differs from the parsed payload\n got %s\nwant %s", got, s)
		}
		for _, o := range p.Objects {
			n, _ := strconv.Atoi(o.ID)
			template := (n >= 26 && n <= 51) || n == 62 || n == 64
			if template != (o.Sub != nil) {
				t.Errorf("tag %s: Sub = %v, want template=%v", o.ID, o.Sub, template)
			}
		}
	}
}

func TestParseNested(t *testing.T) {
	p, err := qris.Parse(realGoPay)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range p.Objects {
		ids = append(ids, o.ID)
	}
	if want := []string{"00", "01", "26", "51", "52", "53", "58", "59", "60", "61", "62", "63"}; !slices.Equal(ids, want) {
		t.Errorf("IDs = %v, want %v", ids, want)
	}
	mai, _ := p.Get("26")
	want26 := []qris.DataObject{
		{ID: "00", Value: "COM.GO-JEK.WWW"},
		{ID: "01", Value: "936009143627126148"},
		{ID: "02", Value: "G627126148"},
		{ID: "03", Value: "UMI"},
	}
	if !reflect.DeepEqual(mai.Sub, want26) {
		t.Errorf("tag 26 = %+v, want %+v", mai.Sub, want26)
	}
	add, _ := p.Get("62")
	if want := []qris.DataObject{{ID: "07", Value: "A01"}}; !reflect.DeepEqual(add.Sub, want) {
		t.Errorf("tag 62 = %+v, want %+v", add.Sub, want)
	}
	if got := p.Value("59"); got != "aldo soft" {
		t.Errorf("merchant name = %q", got)
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, s := range allGood() {
		if err := qris.Validate(s); err != nil {
			t.Errorf("Validate(%s): %v", s, err)
		}
	}
	for _, s := range slices.Concat(realStatic, builtStatic) {
		if err := qris.ValidateStatic(s); err != nil {
			t.Errorf("ValidateStatic(%s): %v", s, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	base := realGoPay
	body := base[:len(base)-8]
	tests := []struct {
		name    string
		payload string
		reason  string // part of the operator-facing message
	}{
		{"empty", "", "empty"},
		{"bad CRC", body + "63040000", "CRC is 0000 but the payload computes 2275"},
		{"published non-hex CRC", realBadCRC, "CRC is M2B3 but the payload computes 1E29"},
		{"missing 59", reseal(t, base, "5909aldo soft", ""), "tag 59 (merchant name) is missing"},
		{"missing 60", reseal(t, base, "6013PASAMAN BARAT", ""), "tag 60 (merchant city) is missing"},
		{"missing 52", reseal(t, base, "52045732", ""), "tag 52 (merchant category code) is missing"},
		{"missing 63", body, "tag 63 (CRC) is missing"},
		{"missing 01", reseal(t, base, "010211", ""), "tag 01 (point of initiation method) is missing"},
		{"no merchant account", reseal(t, base, base[12:12+4+61+4+44], ""), "no merchant account information"},
		{"bad length", strings.Replace(base, "5909aldo soft", "5999aldo soft", 1), "declares length 99 but only"},
		{"non-digit length", strings.Replace(base, "5909aldo soft", "59x9aldo soft", 1), `has length "x9"`},
		{"length 00", reseal(t, base, "5802ID", "5800"), "length 00"},
		{"truncated", base[:len(base)/2], "truncated"},
		{"truncated in the CRC", base[:len(base)-2], "truncated"},
		{"wrong currency", reseal(t, base, "5303360", "5303840"), `tag 53 (transaction currency) is "840"`},
		{"wrong country", reseal(t, base, "5802ID", "5802SG"), `tag 58 (country code) is "SG"`},
		{"trailing data", base + "XYZ", `trailing data "XYZ"`},
		{"trailing newline", base + "\n", "trailing data"},
		{"data object after the CRC", base + "64060002ID", "tag 63 (CRC) must be the last data object"},
		{"non-numeric ID", strings.Replace(base, "5802ID", "A802ID", 1), `data object ID "A8"`},
		{"non-numeric ID inside 26", strings.Replace(base, "0303UMI51", "0X03UMI51", 1), `data object ID "0X" at position 70 (inside tag 26`},
		{"bad length inside 62", reseal(t, base, "62070703A01", "62070709A01"), "inside tag 62"},
		{"payload format 02", reseal(t, base, "000201", "000202"), `tag 00 (payload format indicator) is "02"`},
		{"00 not first", seal(strings.Replace(body, "000201010211", "010211000201", 1)), "must start with tag 00"},
		{"point of initiation 13", reseal(t, base, "010211", "010213"), `tag 01 (point of initiation method) is "13"`},
		{"MCC not 4 digits", reseal(t, base, "52045732", "520357A"), "tag 52 (merchant category code)"},
		{"duplicate tag", reseal(t, base, "5802ID", "5802ID5802ID"), "tag 58 (country code) appears more than once"},
		{"zero amount", reseal(t, base, "5802ID", "54010"+"5802ID"), "tag 54 (transaction amount)"},
		{"CRC too short", body + "6303ABC", `tag 63 (CRC) is "ABC"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := qris.ValidateStatic(tt.payload)
			if err == nil {
				t.Fatalf("ValidateStatic accepted %q", tt.payload)
			}
			if code := loket.ErrorCode(err); code != loket.EINVALID {
				t.Errorf("code = %q, want %q (%v)", code, loket.EINVALID, err)
			}
			if msg := loket.ErrorMessage(err); !strings.Contains(msg, tt.reason) {
				t.Errorf("message %q does not give the reason %q", msg, tt.reason)
			}
		})
	}
}

func TestValidateStaticRejectsDynamic(t *testing.T) {
	for _, s := range realDynamic {
		err := qris.ValidateStatic(s)
		if loket.ErrorCode(err) != loket.EINVALID || !strings.Contains(loket.ErrorMessage(err), "dynamic") {
			t.Errorf("ValidateStatic(dynamic) = %v, want an EINVALID naming the dynamic QRIS", err)
		}
	}
}

// checkDynamic checks what Dynamic promises of d, made from src with amount.
func checkDynamic(t *testing.T, src, d string, amount int64) {
	t.Helper()
	if got, want := d[len(d)-8:len(d)-4], "6304"; got != want {
		t.Fatalf("dynamic payload does not end in tag 63: %s", d)
	}
	if got, want := d[len(d)-4:], bitCRC(d[:len(d)-4]); got != want {
		t.Errorf("CRC %s, bitwise CRC %s: %s", got, want, d)
	}
	if err := qris.Validate(d); err != nil {
		t.Errorf("Validate(dynamic): %v\n%s", err, d)
	}
	p, err := qris.Parse(d)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Value("01"); got != "12" {
		t.Errorf("tag 01 = %q, want 12", got)
	}
	if got, want := p.Value("54"), strconv.FormatInt(amount, 10); got != want {
		t.Errorf("tag 54 = %q, want %q", got, want)
	}
	var ids []string
	for _, o := range p.Objects {
		ids = append(ids, o.ID)
	}
	for _, id := range []string{"55", "56", "57"} {
		if slices.Contains(ids, id) {
			t.Errorf("tag %s kept: %s", id, d)
		}
	}
	if !slices.IsSorted(ids[:len(ids)-1]) || ids[len(ids)-1] != "63" {
		t.Errorf("tags not in EMVCo order: %v", ids)
	}
	// Every other data object survives unchanged.
	src0, _ := qris.Parse(src)
	keep := func(objs []qris.DataObject) []string {
		var out []string
		for _, o := range objs {
			switch o.ID {
			case "01", "54", "55", "56", "57", "63":
				continue
			}
			out = append(out, o.ID+"="+o.Value)
		}
		slices.Sort(out)
		return out
	}
	if got, want := keep(p.Objects), keep(src0.Objects); !slices.Equal(got, want) {
		t.Errorf("data objects changed\n got %v\nwant %v", got, want)
	}
}

func TestDynamicFromStatic(t *testing.T) {
	for _, s := range slices.Concat(realStatic, builtStatic) {
		d, err := qris.Dynamic(s, 150_123)
		if err != nil {
			t.Fatalf("Dynamic(%s): %v", s, err)
		}
		checkDynamic(t, s, d, 150_123)
	}
}

func TestDynamicPlacesAmountInOrder(t *testing.T) {
	d, err := qris.Dynamic(realGoPay, 50_000)
	if err != nil {
		t.Fatal(err)
	}
	want := "000201010212" + realGoPay[12:strings.Index(realGoPay, "5802ID")] + "540550000" +
		realGoPay[strings.Index(realGoPay, "5802ID"):len(realGoPay)-4]
	want += bitCRC(want)
	if d != want {
		t.Errorf("Dynamic(realGoPay, 50000)\n got %s\nwant %s", d, want)
	}
}

func TestDynamicLeavesLookalikesAlone(t *testing.T) {
	d, err := qris.Dynamic(builtFixedFee, 7)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := qris.Parse(d)
	if got := p.Value("59"); got != "TOKO 010211 5406" {
		t.Errorf("merchant name became %q", got)
	}
}

func TestDynamicReplacesAmount(t *testing.T) {
	for _, s := range realDynamic {
		d, err := qris.Dynamic(s, 50_000)
		if err != nil {
			t.Fatalf("Dynamic(%s): %v", s, err)
		}
		checkDynamic(t, s, d, 50_000)
	}
	once, err := qris.Dynamic(realDANA, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := qris.Dynamic(once, 20_345)
	if err != nil {
		t.Fatal(err)
	}
	checkDynamic(t, once, twice, 20_345)
	direct, _ := qris.Dynamic(realDANA, 20_345)
	if twice != direct {
		t.Errorf("re-amounting a dynamic QRIS differs from making it from the static one\n got %s\nwant %s", twice, direct)
	}
}

func TestDynamicAmountBounds(t *testing.T) {
	for _, amount := range []int64{1, 9_999_999_999} {
		d, err := qris.Dynamic(realGoPay, loket.Money(amount))
		if err != nil {
			t.Errorf("Dynamic(%d): %v", amount, err)
			continue
		}
		checkDynamic(t, realGoPay, d, amount)
	}
	for _, amount := range []int64{0, -1, 10_000_000_000, -9_223_372_036_854_775_808} {
		_, err := qris.Dynamic(realGoPay, loket.Money(amount))
		if loket.ErrorCode(err) != loket.EINVALID || loket.ErrorField(err) != "amount" {
			t.Errorf("Dynamic(%d) = %v, want EINVALID on field amount", amount, err)
		}
	}
}

func TestDynamicRejectsInvalidInput(t *testing.T) {
	for _, s := range []string{"", realBadCRC, realGoPay + "XYZ", reseal(t, realGoPay, "5303360", "5303840")} {
		if _, err := qris.Dynamic(s, 10_000); loket.ErrorCode(err) != loket.EINVALID {
			t.Errorf("Dynamic(%q) = %v, want EINVALID", s, err)
		}
	}
}

func TestPNGDecodesToPayload(t *testing.T) {
	dyn, err := qris.Dynamic(realKaltimtaraDynamic, 1_234_567)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		payload string
		size    int
	}{
		{realGoPay, 300},
		{dyn, 512},
		{builtFixedFee, 64}, // smaller than the symbol: one pixel per module
	} {
		b, err := qris.PNG(tc.payload, tc.size)
		if err != nil {
			t.Fatalf("PNG: %v", err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("png.Decode: %v", err)
		}
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		if w != h {
			t.Errorf("image is %dx%d, want a square", w, h)
		}
		if tc.size >= 200 && (w < tc.size*3/4 || w > tc.size*5/4) {
			t.Errorf("image is %d pixels wide, asked for about %d", w, tc.size)
		}
		if r, g, bl, _ := img.At(0, 0).RGBA(); r != 0xFFFF || g != 0xFFFF || bl != 0xFFFF {
			t.Errorf("corner pixel is not white: the quiet zone is missing")
		}
		// The finder pattern's corner is the first dark pixel on the diagonal; with a
		// quiet zone of 4 modules it sits at 4 modules in, and the rest of the width is
		// a valid symbol size (21 + 4k modules) plus 8.
		d := 0
		for d < w {
			if r, _, _, _ := img.At(d, d).RGBA(); r == 0 {
				break
			}
			d++
		}
		if scale := d / 4; d%4 != 0 || scale == 0 || w%scale != 0 || (w/scale-8-21)%4 != 0 {
			t.Errorf("first dark pixel at %d in a %d-pixel image: not a 4-module quiet zone", d, w)
		}
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Fatalf("decoding the QR code of %s: %v", tc.payload, err)
		}
		if got := res.GetText(); got != tc.payload {
			t.Errorf("QR code decodes to\n%s\nwant\n%s", got, tc.payload)
		}
	}
}

func TestPNGRejects(t *testing.T) {
	for _, tc := range []struct {
		payload string
		size    int
	}{
		{"", 300},
		{realGoPay, 0},
		{realGoPay, -5},
		{realGoPay, qris.MaxPNGSize + 1},
		{strings.Repeat("x", 3000), 300}, // more than a version 40-M symbol holds
	} {
		if _, err := qris.PNG(tc.payload, tc.size); loket.ErrorCode(err) != loket.EINVALID {
			t.Errorf("PNG(%d chars, %d) = %v, want EINVALID", len(tc.payload), tc.size, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range allGood() {
		f.Add(s)
	}
	f.Add(realBadCRC)
	f.Add("")
	f.Add("0002")
	f.Add("000201" + "2605" + "0001X")
	f.Add("62040000")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := qris.Parse(s)
		if err != nil {
			if loket.ErrorCode(err) != loket.EINVALID {
				t.Fatalf("Parse error is not EINVALID: %v", err)
			}
			return
		}
		out := p.String()
		if out != s {
			t.Fatalf("String() = %q, parsed %q", out, s)
		}
		p2, err := qris.Parse(out)
		if err != nil {
			t.Fatalf("re-parsing String(): %v", err)
		}
		if !reflect.DeepEqual(p, p2) {
			t.Fatalf("re-parse differs\n%+v\n%+v", p, p2)
		}
		if d, err := qris.Dynamic(s, 12_345); err == nil {
			if err := qris.Validate(d); err != nil {
				t.Fatalf("Dynamic made an invalid payload %q from %q: %v", d, s, err)
			}
		}
	})
}

func BenchmarkDynamic(b *testing.B) {
	for b.Loop() {
		if _, err := qris.Dynamic(realKaltimtaraDynamic, 1_234_567); err != nil {
			b.Fatal(err)
		}
	}
}
