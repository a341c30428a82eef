package tokowendigg

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// A reference is what the seed calls a transaction: "API", the order's date in WIB
// (YYMMDD), ten check digits, then the Loket order id in decimal: "API" + "240701" +
// "4428769438" + "9" (API24070144287694389) for order 9 of 1 July 2024. The check digits are a hash of the order's
// ref_id, which this surface makes random and secret, so a reference cannot be guessed
// from an order id: that is what lets the invoice page be public by reference.
const (
	refPrefix = "API"
	refDate   = 6
	refCheck  = 10
)

// newRefID is the random ref_id an order of this surface is placed under.
func newRefID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("tokowendigg: no randomness: " + err.Error())
	}
	return "tw-" + hex.EncodeToString(b)
}

// Reference is the seed's transaction reference of an order.
func Reference(o *loket.Order) string {
	sum := sha256.Sum256([]byte("tokowendigg\x00" + o.RefID + "\x00" + strconv.FormatInt(o.ID, 10)))
	check := binary.BigEndian.Uint64(sum[:8]) % 10_000_000_000
	return fmt.Sprintf("%s%s%010d%d", refPrefix, o.CreatedAt.In(wib).Format("060102"), check, o.ID)
}

// parseReference returns the order id a reference names; the caller checks the rest
// against the order (sameReference).
func parseReference(ref string) (int64, bool) {
	ref = strings.TrimSpace(ref)
	if len(ref) <= len(refPrefix)+refDate+refCheck || len(ref) > 40 || !strings.EqualFold(ref[:len(refPrefix)], refPrefix) {
		return 0, false
	}
	digits := ref[len(refPrefix):]
	if strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(digits[refDate+refCheck:], 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// sameReference compares a reference Loket made with one a caller gave, in constant
// time, ignoring the case of the prefix.
func sameReference(want, got string) bool {
	got = strings.TrimSpace(got)
	if len(got) >= len(refPrefix) {
		got = strings.ToUpper(got[:len(refPrefix)]) + got[len(refPrefix):]
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
