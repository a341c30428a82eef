package loket

import "testing"

func TestFormatRupiah(t *testing.T) {
	for m, want := range map[Money]string{0: "Rp 0", 5: "Rp 5", 999: "Rp 999", 1000: "Rp 1.000", 10575: "Rp 10.575",
		1_000_101: "Rp 1.000.101", -500: "-Rp 500", -123456: "-Rp 123.456"} {
		if got := FormatRupiah(m); got != want {
			t.Errorf("FormatRupiah(%d) = %q, want %q", m, got, want)
		}
	}
	if got := Thousands(1000101, ','); got != "1,000,101" {
		t.Errorf("Thousands = %q", got)
	}
	if got := Thousands(-1000, ','); got != "-1,000" {
		t.Errorf("Thousands(-1000) = %q", got)
	}
}

func TestParseMoney(t *testing.T) {
	for in, want := range map[string]Money{
		"5000": 5000, "5.000": 5000, "Rp 5.000": 5000, "rp5.000": 5000, "Rp. 1.000.000": 1_000_000, "IDR 2,500": 2500,
		"1000.00": 1000, "1.000,00": 1000, " 77.777 ": 77777, "-5.000": -5000, "-Rp 5.000": -5000, "0": 0,
	} {
		if got, err := ParseMoney(in); err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "Rp", "5.00.0", "5,000.50", "1.000,5", "5.0000", "abc", "1e6", "--5", "Rp -5", "5 000", "10000000000000"} {
		if got, err := ParseMoney(in); err == nil {
			t.Errorf("ParseMoney(%q) = %d, want an error", in, got)
		}
	}
}
