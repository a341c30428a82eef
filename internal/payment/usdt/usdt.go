// Package usdt is what Loket knows of USDT on TRON (TRC-20) deposits: the operator's
// address (checked as TRON writes it: base58check, version byte 0x41, "T..." of 34
// characters), the rupiah rate, and the exact amount a payer sends. Amounts are in
// micro-USDT (1 USDT = 1,000,000), the token's own unit on chain, so a watcher can
// hand Loket the transfer's raw value.
package usdt

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// Micro is one USDT in the token's smallest unit (TRC-20 USDT has 6 decimals).
const Micro loket.MicroUSDT = 1_000_000

// Step is the unique code's unit: 0.0001 USDT. A deposit's amount is the rupiah
// amount at the rate rounded up to a cent (0.01 USDT), plus 1..MaxCode steps, so it
// has four decimals and no two open USDT deposits share it.
const (
	Step    loket.MicroUSDT = 100
	Cent    loket.MicroUSDT = 10_000
	MaxCode                 = 99
)

// Brand is what a paid USDT deposit's payer brand reads (seed 000 names TRON).
const Brand = "TRON"

// SourceName is the payment source name of USDT payments, whoever reports them (the
// operator's confirmation or an on-chain watcher): payments are kept once per source
// and ref, and the ref is the transaction hash, so a transfer confirmed by hand and
// later seen on chain is recorded once.
const SourceName = "tron"

// Contract is the USDT TRC-20 token contract on TRON's main network: a transfer of
// any other contract is not USDT, whatever its token calls itself.
const Contract = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

// Settings (the installation's settings table) of USDT deposits: the operator's
// address and the rate in rupiah per USDT. The deposits service writes them; the
// on-chain watcher reads the address.
const (
	SettingAddress = "usdt.address"
	SettingRate    = "usdt.rate"
)

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// ValidateAddress checks a TRON address in its base58 form: 34 characters, starting
// with T, base58, decoding to 25 bytes whose first is 0x41 and whose last four are the
// first four of the double SHA-256 of the first 21.
func ValidateAddress(addr string) error {
	if len(addr) != 34 {
		return fmt.Errorf("a TRON address has 34 characters, this has %d", len(addr))
	}
	if addr[0] != 'T' {
		return errors.New("a TRON address starts with T")
	}
	n := new(big.Int)
	for i := 0; i < len(addr); i++ {
		k := strings.IndexByte(alphabet, addr[i])
		if k < 0 {
			return fmt.Errorf("%q is not a base58 character", addr[i])
		}
		n.Mul(n, big.NewInt(58))
		n.Add(n, big.NewInt(int64(k)))
	}
	b := n.Bytes()
	if len(b) != 25 || b[0] != 0x41 {
		return errors.New("not a TRON address (wrong length or version byte)")
	}
	h := sha256.Sum256(b[:21])
	h = sha256.Sum256(h[:])
	if string(h[:4]) != string(b[21:]) {
		return errors.New("the address's checksum is wrong (a mistyped character?)")
	}
	return nil
}

// EncodeAddress writes a 21-byte TRON address (0x41 and 20 bytes) in base58check;
// for tests and tools.
func EncodeAddress(raw []byte) string {
	h := sha256.Sum256(raw)
	h = sha256.Sum256(h[:])
	b := append(append([]byte{}, raw...), h[:4]...)
	n := new(big.Int).SetBytes(b)
	var out []byte
	mod := new(big.Int)
	for n.Sign() > 0 {
		n.DivMod(n, big.NewInt(58), mod)
		out = append(out, alphabet[mod.Int64()])
	}
	for _, c := range b {
		if c != 0 {
			break
		}
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// ValidateTxHash checks a TRON transaction id: 64 hex digits (lower-cased).
func ValidateTxHash(h string) (string, error) {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "0x")))
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", errors.New("a TRON transaction hash is 64 hex digits")
	}
	return h, nil
}

// Rate limits, in rupiah per USDT.
const (
	MinRate = 1_000
	MaxRate = 1_000_000
)

// Base is rupiah at rate (rupiah per USDT) in micro-USDT, rounded up to a cent.
func Base(rupiah loket.Money, rate int64) loket.MicroUSDT {
	m := (loket.MicroUSDT(rupiah)*Micro + loket.MicroUSDT(rate) - 1) / loket.MicroUSDT(rate)
	return (m + Cent - 1) / Cent * Cent
}

// Rupiah is what micro-USDT is worth at rate, rounded up to a rupiah.
func Rupiah(micro loket.MicroUSDT, rate int64) loket.Money {
	return loket.Money((micro*loket.MicroUSDT(rate) + Micro - 1) / Micro)
}

// Format writes micro-USDT with four decimals (six when it needs them): 3.0837.
func Format(micro loket.MicroUSDT) string {
	s := strconv.FormatInt(int64(micro/Micro), 10) + "." + fmt.Sprintf("%06d", micro%Micro)
	if micro%Step == 0 {
		return s[:len(s)-2]
	}
	return s
}

// Parse reads a USDT amount with up to six decimals into micro-USDT.
func Parse(s string) (loket.MicroUSDT, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || len(frac) > 6 || len(whole) > 9 {
		return 0, fmt.Errorf("%q is not a USDT amount (up to 6 decimals)", s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return loket.MicroUSDT(w)*Micro + loket.MicroUSDT(f), nil
}
