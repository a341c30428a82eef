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
	"time"

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

// A deposit's reference has the same shape with a marker: a 0 before the deposit id
// ("API" + YYMMDD + ten check digits + "0" + id). Order ids never start with 0, so the
// two kinds cannot collide and parseReference tells them apart. A deposit has no secret
// ref_id, so its check digits are a hash of a server-keyed HMAC of its id (see
// depositReference): just as unguessable.
const depositMarker = "0"

// parseReference returns the order or deposit id a reference names, and whether it
// names a deposit; the caller checks the rest against the record (sameReference).
func parseReference(ref string) (id int64, deposit, ok bool) {
	ref = strings.TrimSpace(ref)
	if len(ref) <= len(refPrefix)+refDate+refCheck || len(ref) > 40 || !strings.EqualFold(ref[:len(refPrefix)], refPrefix) {
		return 0, false, false
	}
	digits := ref[len(refPrefix):]
	if strings.Trim(digits, "0123456789") != "" {
		return 0, false, false
	}
	tail := digits[refDate+refCheck:]
	if strings.HasPrefix(tail, depositMarker) {
		deposit, tail = true, tail[len(depositMarker):]
		if strings.HasPrefix(tail, "0") {
			return 0, false, false
		}
	}
	id, err := strconv.ParseInt(tail, 10, 64)
	if err != nil || id <= 0 {
		return 0, false, false
	}
	return id, deposit, true
}

// depositReference is the seed's reference of a deposit. token is the server's secret
// tag of the deposit (DepositService.QRToken): only Loket can make the check digits.
func depositReference(id int64, created time.Time, token string) string {
	sum := sha256.Sum256([]byte("tokowendigg-deposit\x00" + token + "\x00" + strconv.FormatInt(id, 10)))
	check := binary.BigEndian.Uint64(sum[:8]) % 10_000_000_000
	return fmt.Sprintf("%s%s%010d%s%d", refPrefix, created.In(wib).Format("060102"), check, depositMarker, id)
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
