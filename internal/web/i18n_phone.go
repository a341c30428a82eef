package web

import (
	"strconv"
	"strings"
	"time"
)

// The words of the codes added for the phone-first pages (i18n_words.go), and of the
// deposits and price-history pages.
// Here only the messages several packages use; each page package has its own in its i18n.go.
func init() {
	addEnglish(map[string]string{
		"md":    "ms",
		"jam":   "h",
		"menit": "min",
		"detik": "s",
		"Produk ini sedang tutup (cut-off) sampai %s WIB.": "This product is closed (cut-off) until %s WIB.",
		"Cocok":          "Matched",
		"Tidak cocok":    "Unmatched",
		"Dikreditkan":    "Credited",
		"Terkirim":       "Delivered",
		"Gagal terkirim": "Gave up",
	})
}

// percentBP writes basis points as a percentage the Indonesian way: 250 → "2,5%",
// 1000 → "10%", 125 → "1,25%".
func percentBP(bp int64) string {
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	s := sign + strconv.FormatInt(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		f := strconv.FormatInt(frac+100, 10)[1:] // two digits
		if f[1] == '0' {
			f = f[:1]
		}
		s += "," + f
	}
	return s + "%"
}

// Dur writes a duration as people read it: "30 menit", "1 jam 30 menit", "300 md"
// ("30 min", "1 h 30 min", "300 ms" in English), not Go's "30m0s".
func (p *page) Dur(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + " " + p.T("md")
	}
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		word string
	}{{time.Hour, "jam"}, {time.Minute, "menit"}, {time.Second, "detik"}} {
		if n := d / u.d; n > 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+" "+p.T(u.word))
			d -= n * u.d
		}
	}
	return strings.Join(parts, " ")
}
