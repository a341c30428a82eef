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
