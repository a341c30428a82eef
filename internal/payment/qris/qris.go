// Package qris reads, checks and rebuilds QRIS payloads, the EMVCo merchant-presented
// QR strings Indonesian wallets and banks scan. Resellers top up their balance by
// paying a QRIS: the operator configures the merchant's static QRIS once, and for
// every top-up Loket turns it into a dynamic QRIS carrying the exact amount (the
// deposit plus its unique code) and renders it as a PNG.
//
// A payload is a sequence of data objects, each a two-digit ID, a two-digit length
// and a value. Parse keeps them in their order and byte for byte, so String gives
// back the very string that was parsed; Dynamic rebuilds a payload object by object
// rather than editing the string, because a substring such as "010211" can occur
// inside a merchant ID or a name as easily as in tag 01.
//
// Lengths count bytes. EMVCo counts characters, which is the same thing for the
// ASCII character sets the mandatory fields use; only a UTF-8 language template
// (tag 64) with non-ASCII text would tell them apart.
package qris

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// Top-level IDs this package relies on.
const (
	IDPayloadFormat     = "00"
	IDPointOfInitiation = "01"
	IDMerchantCategory  = "52"
	IDCurrency          = "53"
	IDAmount            = "54"
	IDTipIndicator      = "55"
	IDConvenienceFixed  = "56"
	IDConveniencePct    = "57"
	IDCountry           = "58"
	IDMerchantName      = "59"
	IDMerchantCity      = "60"
	IDPostalCode        = "61"
	IDAdditionalData    = "62"
	IDCRC               = "63"
	IDLanguageTemplate  = "64"
)

// Point of initiation values (tag 01).
const (
	PointStatic  = "11" // printed once and reused; the payer types the amount
	PointDynamic = "12" // made for one payment, with its amount in tag 54
)

// MaxAmount is the largest amount, in whole rupiah, Dynamic writes into tag 54 (which
// holds at most 13 characters): ten digits, far above any top-up.
const MaxAmount = 9_999_999_999

// DataObject is one ID-length-value triple. Value is the value exactly as it appeared
// (or will appear) in the payload. Sub holds the nested data objects when ID is a
// template EMVCo defines as one (26-51, 62, 64); when Sub is not nil it is what
// String encodes, so edit Sub, not Value, to change a template.
type DataObject struct {
	ID    string
	Value string
	Sub   []DataObject
}

// Payload is a parsed QRIS: its top-level data objects in payload order.
type Payload struct {
	Objects []DataObject
}

// isTemplate reports whether a top-level ID is a template whose value is itself a
// sequence of data objects.
func isTemplate(id string) bool {
	n, err := strconv.Atoi(id)
	if err != nil {
		return false
	}
	return (n >= 26 && n <= 51) || n == 62 || n == 64
}

// tagName names a top-level ID for messages meant for an operator.
func tagName(id string) string {
	switch id {
	case IDPayloadFormat:
		return "payload format indicator"
	case IDPointOfInitiation:
		return "point of initiation method"
	case IDMerchantCategory:
		return "merchant category code"
	case IDCurrency:
		return "transaction currency"
	case IDAmount:
		return "transaction amount"
	case IDTipIndicator:
		return "tip or convenience indicator"
	case IDConvenienceFixed:
		return "convenience fee, fixed"
	case IDConveniencePct:
		return "convenience fee, percentage"
	case IDCountry:
		return "country code"
	case IDMerchantName:
		return "merchant name"
	case IDMerchantCity:
		return "merchant city"
	case IDPostalCode:
		return "postal code"
	case IDAdditionalData:
		return "additional data field template"
	case IDCRC:
		return "CRC"
	case IDLanguageTemplate:
		return "merchant information language template"
	}
	if n, err := strconv.Atoi(id); err == nil {
		switch {
		case n >= 2 && n <= 51:
			return "merchant account information"
		case n >= 65 && n <= 79:
			return "reserved for EMVCo"
		case n >= 80 && n <= 99:
			return "unreserved template"
		}
	}
	return "unknown"
}

func invalid(format string, args ...any) error {
	return loket.Errorf(loket.EINVALID, format, args...)
}

// Parse splits s into its data objects and the nested ones of the templates EMVCo
// defines. It checks structure only (numeric IDs, lengths within the payload, nothing
// left over); Validate checks what a QRIS must contain and its CRC.
func Parse(s string) (*Payload, error) {
	if s == "" {
		return nil, invalid("QRIS payload is empty")
	}
	objs, err := parseObjects(s, 0, "")
	if err != nil {
		return nil, err
	}
	return &Payload{Objects: objs}, nil
}

// parseObjects parses s, which starts at offset base of the whole payload; parent
// names the enclosing template in messages ("" at the top level).
func parseObjects(s string, base int, parent string) ([]DataObject, error) {
	where := func(pos int) string {
		if parent == "" {
			return fmt.Sprintf("at position %d", base+pos)
		}
		return fmt.Sprintf("at position %d (inside tag %s, %s)", base+pos, parent, tagName(parent))
	}
	var objs []DataObject
	for i := 0; i < len(s); {
		rest := len(s) - i
		if rest < 4 {
			return nil, invalid("trailing data %q %s: too short for a data object (2-digit ID and 2-digit length)", s[i:], where(i))
		}
		id, l := s[i:i+2], s[i+2:i+4]
		if !isDigits(id) {
			return nil, invalid("data object ID %q %s is not two digits", id, where(i))
		}
		if !isDigits(l) {
			return nil, invalid("%s %s has length %q, which is not two digits", label(parent, id), where(i), l)
		}
		n, _ := strconv.Atoi(l)
		if n == 0 {
			return nil, invalid("%s %s has length 00; EMVCo lengths are 01 to 99", label(parent, id), where(i))
		}
		if n > rest-4 {
			return nil, invalid("%s %s declares length %d but only %d characters follow: the payload is truncated or a length is wrong", label(parent, id), where(i), n, rest-4)
		}
		obj := DataObject{ID: id, Value: s[i+4 : i+4+n]}
		if parent == "" && isTemplate(id) {
			sub, err := parseObjects(obj.Value, base+i+4, id)
			if err != nil {
				return nil, err
			}
			obj.Sub = sub
		}
		objs = append(objs, obj)
		i += 4 + n
	}
	return objs, nil
}

// label names a data object for messages. Nested IDs mean different things in each
// template, and the position already says where to look, so they get a plain label.
func label(parent, id string) string {
	if parent == "" {
		return fmt.Sprintf("tag %s (%s)", id, tagName(id))
	}
	return "sub-tag " + id
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// String encodes the payload. For a payload Parse returned and nobody changed, it is
// the parsed string, byte for byte. It writes tag 63 as it stands: Dynamic is what
// computes a new CRC. Values must stay 1 to 99 bytes long, as EMVCo lengths are two
// digits.
func (p *Payload) String() string {
	var b strings.Builder
	writeObjects(&b, p.Objects)
	return b.String()
}

func writeObjects(b *strings.Builder, objs []DataObject) {
	for _, o := range objs {
		v := o.Value
		if o.Sub != nil {
			var sb strings.Builder
			writeObjects(&sb, o.Sub)
			v = sb.String()
		}
		b.WriteString(o.ID)
		if len(v) < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteString(v)
	}
}

// Get returns the first top-level data object with the given ID.
func (p *Payload) Get(id string) (DataObject, bool) {
	for _, o := range p.Objects {
		if o.ID == id {
			return o, true
		}
	}
	return DataObject{}, false
}

// Value returns the value of the first top-level data object with the given ID, or "".
func (p *Payload) Value(id string) string {
	o, _ := p.Get(id)
	return o.Value
}

// Validate parses s and checks that it is a QRIS Loket can take payments on, static
// or dynamic: the mandatory tags with the values Indonesia uses, no tag twice, the
// CRC last and correct. The error is a *loket.Error (EINVALID) whose message names
// the first problem found.
func Validate(s string) error {
	p, err := Parse(s)
	if err != nil {
		return err
	}
	return p.validate(s)
}

// ValidateStatic is Validate for the merchant QRIS an operator configures: it must also
// be static (tag 01 is "11"), since a dynamic one is bound to one amount and, often,
// to one transaction that has already happened.
func ValidateStatic(s string) error {
	p, err := Parse(s)
	if err != nil {
		return err
	}
	if err := p.validate(s); err != nil {
		return err
	}
	if v := p.Value(IDPointOfInitiation); v != PointStatic {
		return invalid("tag 01 (point of initiation method) is %q, a dynamic QRIS; the merchant's static QRIS (01 = \"11\") is needed", v)
	}
	return nil
}

// validate checks p, which was parsed from s.
func (p *Payload) validate(s string) error {
	seen := map[string]bool{}
	for _, o := range p.Objects {
		if seen[o.ID] {
			return invalid("tag %s (%s) appears more than once", o.ID, tagName(o.ID))
		}
		seen[o.ID] = true
	}
	if p.Objects[0].ID != IDPayloadFormat {
		return invalid("the payload starts with tag %s (%s); it must start with tag 00 (payload format indicator)", p.Objects[0].ID, tagName(p.Objects[0].ID))
	}
	required := func(id string) (string, error) {
		o, ok := p.Get(id)
		if !ok {
			return "", invalid("tag %s (%s) is missing", id, tagName(id))
		}
		return o.Value, nil
	}
	want := func(id, want string) error {
		v, err := required(id)
		if err != nil {
			return err
		}
		if v != want {
			return invalid("tag %s (%s) is %q; QRIS requires %q", id, tagName(id), v, want)
		}
		return nil
	}
	if err := want(IDPayloadFormat, "01"); err != nil {
		return err
	}
	poi, err := required(IDPointOfInitiation)
	if err != nil {
		return err
	}
	if poi != PointStatic && poi != PointDynamic {
		return invalid("tag 01 (point of initiation method) is %q; it must be \"11\" (static) or \"12\" (dynamic)", poi)
	}
	if !slices.ContainsFunc(p.Objects, func(o DataObject) bool {
		n, _ := strconv.Atoi(o.ID)
		return n >= 26 && n <= 51
	}) {
		return invalid("no merchant account information (tags 26 to 51): the QRIS does not say who gets paid")
	}
	mcc, err := required(IDMerchantCategory)
	if err != nil {
		return err
	}
	if len(mcc) != 4 || !isDigits(mcc) {
		return invalid("tag 52 (merchant category code) is %q; it must be 4 digits", mcc)
	}
	cur, err := required(IDCurrency)
	if err != nil {
		return err
	}
	if cur != "360" {
		return invalid("tag 53 (transaction currency) is %q; Loket takes rupiah, ISO 4217 code \"360\"", cur)
	}
	if o, ok := p.Get(IDAmount); ok {
		if !validAmount(o.Value) {
			return invalid("tag 54 (transaction amount) is %q; it must be a positive number such as \"50000\" or \"50000.00\"", o.Value)
		}
	}
	if err := want(IDCountry, "ID"); err != nil {
		return err
	}
	if _, err := required(IDMerchantName); err != nil {
		return err
	}
	if _, err := required(IDMerchantCity); err != nil {
		return err
	}
	last := p.Objects[len(p.Objects)-1]
	if _, err := required(IDCRC); err != nil {
		return err
	}
	if last.ID != IDCRC {
		return invalid("tag 63 (CRC) must be the last data object, but tag %s (%s) follows it", last.ID, tagName(last.ID))
	}
	if len(last.Value) != 4 {
		return invalid("tag 63 (CRC) is %q; it must be 4 hexadecimal digits", last.Value)
	}
	// The CRC covers everything up to and including "6304"; by the checks above the
	// CRC value is the last four characters of s. Lowercase hex is accepted: it is the
	// same checksum, and wallets read it.
	body := s[:len(s)-4]
	if got, want := last.Value, CRC(body); !strings.EqualFold(got, want) {
		return invalid("CRC is %s but the payload computes %s: the string was altered or mistyped", got, want)
	}
	return nil
}

// validAmount reports whether v is an EMVCo amount: digits, at most one '.', not zero.
func validAmount(v string) bool {
	intPart, frac, hasDot := strings.Cut(v, ".")
	if intPart == "" || !isDigits(intPart) || (hasDot && frac != "" && !isDigits(frac)) {
		return false
	}
	return strings.Trim(intPart+frac, "0") != ""
}

// Dynamic turns a QRIS into a dynamic one for exactly amount rupiah: tag 01 becomes
// "12", tag 54 is set to amount, and the tags are rebuilt in ascending order with a
// fresh CRC. static may already be dynamic; its amount is replaced.
//
// Tags 55, 56 and 57 (tip or convenience fee) are dropped: with them a wallet adds a
// fee or asks the payer for a tip, so the amount that reaches the merchant's mutation
// history would differ from the deposit's unique-code total and the matcher would
// never find it.
func Dynamic(static string, amount loket.Money) (string, error) {
	if amount < 1 || amount > MaxAmount {
		return "", loket.FieldError(loket.EINVALID, "amount", "amount %d is out of range; a QRIS amount is 1 to %d rupiah", amount, int64(MaxAmount))
	}
	p, err := Parse(static)
	if err != nil {
		return "", err
	}
	if err := p.validate(static); err != nil {
		return "", err
	}
	objs := make([]DataObject, 0, len(p.Objects)+1)
	for _, o := range p.Objects {
		switch o.ID {
		case IDAmount, IDTipIndicator, IDConvenienceFixed, IDConveniencePct, IDCRC:
			continue
		case IDPointOfInitiation:
			o = DataObject{ID: o.ID, Value: PointDynamic}
		}
		objs = append(objs, o)
	}
	objs = append(objs, DataObject{ID: IDAmount, Value: strconv.FormatInt(int64(amount), 10)})
	// EMVCo order: ascending IDs, except the CRC, which is appended last below.
	slices.SortStableFunc(objs, func(a, b DataObject) int { return strings.Compare(a.ID, b.ID) })
	return seal(objs), nil
}

// seal encodes objs and appends tag 63 with the CRC of everything before it.
func seal(objs []DataObject) string {
	var b strings.Builder
	writeObjects(&b, objs)
	b.WriteString(IDCRC + "04")
	b.WriteString(CRC(b.String()))
	return b.String()
}
