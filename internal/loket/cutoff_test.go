package loket

import (
	"testing"
	"time"
)

func TestCutOff(t *testing.T) {
	at := func(hm string) time.Time {
		tm, _ := time.ParseInLocation("2006-01-02 15:04", "2026-12-06 "+hm, WIB)
		return tm
	}
	for _, tc := range []struct {
		cut, now string
		closed   bool
		opens    string // WIB, day+time
	}{
		{"", "23:50", false, ""},
		{"23:45-00:30", "23:44", false, ""},
		{"23:45-00:30", "23:45", true, "07 00:30"},
		{"23:45-00:30", "00:10", true, "06 00:30"},
		{"23:45-00:30", "00:30", false, ""},
		{"01:00-03:00", "02:59", true, "06 03:00"},
		{"01:00-03:00", "03:00", false, ""},
		{"1:00-3:00", "00:59", false, ""},
	} {
		p := &Product{Code: "PLN20", CutOff: tc.cut}
		closed, opens := p.CutOffAt(at(tc.now))
		if closed != tc.closed || (closed && opens.In(WIB).Format("02 15:04") != tc.opens) {
			t.Errorf("%q at %s: closed=%v opens=%s, want %v %s", tc.cut, tc.now, closed, opens.In(WIB).Format("02 15:04"), tc.closed, tc.opens)
		}
		err := p.CheckCutOff(at(tc.now))
		if (err != nil) != tc.closed || (err != nil && (ErrorCode(err) != EINACTIVE || ErrorReason(err) != ReasonCutOff)) {
			t.Errorf("%q at %s: %v", tc.cut, tc.now, err)
		}
	}
	// Times from another zone are read in WIB: 16:50 UTC is 23:50 WIB.
	if closed, _ := (&Product{CutOff: "23:45-00:30"}).CutOffAt(time.Date(2026, 12, 6, 16, 50, 0, 0, time.UTC)); !closed {
		t.Error("16:50 UTC is in a 23:45-00:30 WIB cut-off")
	}
	for _, bad := range []string{"23:45", "24:00-01:00", "23:60-00:00", "aa:bb-cc:dd", "10:00-10:00", "1:5-2:00", "-"} {
		if _, _, err := ParseCutOff(bad); err == nil {
			t.Errorf("ParseCutOff(%q) accepted", bad)
		}
	}
}
