package loket

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A cut-off is a daily window, in WIB, in which a product is not sold: the hours a
// biller or an operator's network closes (PLN's, banks' end of day). It is written
// "HH:MM-HH:MM", from the first minute closed to the first minute open again, and may
// cross midnight ("23:45-00:30"). "" means none.

// ParseCutOff reads a cut-off; "" is none. It returns the window in minutes of the
// day, or an error that says how to write one.
func ParseCutOff(s string) (from, to int, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("cut-off %q: want HH:MM-HH:MM in WIB, e.g. 23:45-00:30", Clip(s))
	}
	if from, err = minuteOfDay(a); err == nil {
		to, err = minuteOfDay(b)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("cut-off %q: %v; want HH:MM-HH:MM in WIB, e.g. 23:45-00:30", Clip(s), err)
	}
	if from == to {
		return 0, 0, fmt.Errorf("cut-off %q: it starts and ends at the same minute", Clip(s))
	}
	return from, to, nil
}

// minuteOfDay reads "H:MM" or "HH:MM" (00:00-23:59) as minutes since midnight.
func minuteOfDay(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || len(h) < 1 || len(h) > 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("%q is not a time of day", Clip(s))
	}
	return hh*60 + mm, nil
}

// CutOffAt says whether t falls in the product's cut-off, and if so when it opens
// again.
func (p *Product) CutOffAt(t time.Time) (closed bool, opens time.Time) {
	from, to, err := ParseCutOff(p.CutOff)
	if err != nil || from == to {
		return false, time.Time{}
	}
	w := t.In(WIB)
	now := w.Hour()*60 + w.Minute()
	in := (from < to && now >= from && now < to) || (from > to && (now >= from || now < to))
	if !in {
		return false, time.Time{}
	}
	day := time.Date(w.Year(), w.Month(), w.Day(), 0, 0, 0, 0, WIB)
	opens = day.Add(time.Duration(to) * time.Minute)
	if !opens.After(w) {
		opens = opens.AddDate(0, 0, 1)
	}
	return true, opens
}

// CheckCutOff refuses a product in its cut-off at t: EINACTIVE, with when it opens
// (RetryAt) and the reason "cut_off", worded as every surface shows it.
func (p *Product) CheckCutOff(t time.Time) error {
	closed, opens := p.CutOffAt(t)
	if !closed {
		return nil
	}
	return &Error{Code: EINACTIVE, Field: "product", Reason: ReasonCutOff, RetryAt: opens.UTC(),
		Message: fmt.Sprintf("%s is closed for its daily cut-off (%s WIB); order again from %s WIB", p.Code, p.CutOff, opens.Format("15:04"))}
}
