package usdt

import (
	"strings"
	"testing"

	"github.com/loket/loket/internal/loket"
)

func TestValidateAddress(t *testing.T) {
	good := []string{
		"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", // the USDT contract
		"T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb", // the zero address
	}
	for _, a := range good {
		if err := ValidateAddress(a); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	bad := map[string]string{
		"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u": "checksum",
		"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6":  "34 characters",
		"AR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t": "starts with T",
		"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj60": "base58",
		"1BoatSLRHtKNngkdXEeobR76b53LETtpyT": "starts with T",
	}
	for a, want := range bad {
		if err := ValidateAddress(a); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", a, err, want)
		}
	}
	raw := append([]byte{0x41}, make([]byte, 20)...)
	raw[20] = 7
	if a := EncodeAddress(raw); ValidateAddress(a) != nil || len(a) != 34 {
		t.Fatalf("encoded %q", a)
	}
}

func TestAmounts(t *testing.T) {
	if got := Base(50_000, 16_250); got != 3_080_000 { // 3.0769... -> 3.08
		t.Fatalf("Base = %d", got)
	}
	if got := Base(162_500, 16_250); got != 10_000_000 {
		t.Fatalf("Base exact = %d", got)
	}
	if got := Rupiah(3_083_700, 16_250); got != 50_111 { // 50,110.125 -> 50,111
		t.Fatalf("Rupiah = %d", got)
	}
	for micro, want := range map[loket.MicroUSDT]string{3_083_700: "3.0837", 10_000_000: "10.0000", 1: "0.000001"} {
		if got := Format(micro); got != want {
			t.Errorf("Format(%d) = %s, want %s", micro, got, want)
		}
		if back, err := Parse(want); err != nil || back != micro {
			t.Errorf("Parse(%s) = %d %v", want, back, err)
		}
	}
	if _, err := Parse("1.2345678"); err == nil {
		t.Error("7 decimals accepted")
	}
	if h, err := ValidateTxHash("0x" + strings.Repeat("AB", 32)); err != nil || h != strings.Repeat("ab", 32) {
		t.Errorf("tx hash: %s %v", h, err)
	}
}
