package digiflazz

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// flexString reads a JSON string, number, or null as text: rc and sn are documented
// as strings, but clients in the wild meet numbers too.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(s))
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return errors.New("not a string or number")
		}
		*f = flexString(n.String())
	}
	return nil
}

// flexAmount is an amount given as a number (4830, 4995.88) or a string ("4.830",
// "4830.00", "Rp 4.830"). ok is false when absent or unreadable.
type flexAmount struct {
	v  loket.Money
	ok bool
}

func (a *flexAmount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*a = flexAmount{}
		return nil
	}
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	// An unreadable amount is not worth failing the whole answer over: the outcome
	// never depends on it. It is simply not reported.
	v, ok := parseAmount(s)
	*a = flexAmount{v: v, ok: ok}
	return nil
}

var (
	reDotThousands   = regexp.MustCompile(`^\d{1,3}(\.\d{3})+(,\d+)?$`) // 1.000 / 1.000,50
	reCommaThousands = regexp.MustCompile(`^\d{1,3}(,\d{3})+(\.\d+)?$`) // 1,000 / 1,000.50
	rePlain          = regexp.MustCompile(`^\d+(\.\d+)?$`)              // 1000 / 1000.00
	reCommaDecimal   = regexp.MustCompile(`^\d+,\d{1,2}$`)              // 1000,50
	reExponent       = regexp.MustCompile(`^\d+(\.\d+)?[eE][+-]?\d+$`)  // 1e+06 (JSON numbers)
)

// parseAmount reads a rupiah amount, rounding fractions to the nearest rupiah.
// "1.000" is a thousand (Indonesian grouping); "1000.00" and "1.5" are decimals.
func parseAmount(s string) (loket.Money, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "Rp"), "IDR")
	s = strings.TrimSpace(strings.TrimPrefix(s, "."))
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, false
	}
	switch {
	case reDotThousands.MatchString(s):
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	case reCommaThousands.MatchString(s):
		s = strings.ReplaceAll(s, ",", "")
	case rePlain.MatchString(s), reExponent.MatchString(s):
	case reCommaDecimal.MatchString(s):
		s = strings.Replace(s, ",", ".", 1)
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > float64(loket.MaxAmount) {
		return 0, false
	}
	return loket.Money(math.Round(f)), true
}
