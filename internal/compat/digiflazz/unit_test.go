package digiflazz

import (
	"errors"
	"net/http"
	"testing"

	"github.com/loket/loket/internal/loket"
)

// TestReply: every domain error is a Digiflazz rc of the documented table, a refusal
// (4xx) but for a fault of Loket's own; text refusals are rc 40 naming the field.
func TestReply(t *testing.T) {
	documented := map[string]bool{"02": true, "40": true, "41": true, "43": true, "44": true, "45": true, "49": true, "50": true,
		"53": true, "54": true, "60": true, "63": true, "64": true, "68": true, "69": true, "73": true, "84": true, "85": true,
		"88": true, "99": true}
	for _, code := range []string{loket.ECONFLICT, loket.EINVALID, loket.ENOTFOUND, loket.EUNAUTHORIZED, loket.EFORBIDDEN,
		loket.EINSUFFICIENT, loket.EPRODUCT, loket.EINACTIVE, loket.EOUTOFSTOCK, loket.ETARGET, loket.EFIELD, loket.EPRICE,
		loket.EDUPLICATE, loket.ETOOLARGE, loket.ERATELIMIT, loket.EUNAVAILABLE, loket.ENOTCONFIGURED, loket.ELIMIT,
		loket.ENOBILL, loket.EBILLPAID, loket.ECUSTOMER, loket.EOVERLIMIT, loket.EEXPIRED, loket.EAMOUNT} {
		status, rc, msg := reply(loket.Errorf(code, "x"))
		if status < 400 || status >= 500 || !documented[rc] || msg == "" {
			t.Errorf("%s: HTTP %d rc %q %q", code, status, rc, msg)
		}
	}
	if status, rc, _ := reply(errors.New("database gone")); status != http.StatusInternalServerError || rc != "99" {
		t.Errorf("a fault: %d %s", status, rc)
	}
	err := loket.CheckText("ref_id", "a\x00b", loket.MaxText)
	if status, rc, msg := reply(err); status != 400 || rc != "40" || msg != "Payload Error: ref_id berisi karakter kontrol (misalnya NUL atau ganti baris) yang tidak diizinkan." {
		t.Errorf("bad text: %d %s %q", status, rc, msg)
	}
	if _, rc, _ := reply(loket.ReasonError(loket.EFORBIDDEN, loket.ReasonIPNotAllowed, "x")); rc != "45" {
		t.Errorf("IP not allowed: rc %s", rc)
	}
}

func TestTestStatus(t *testing.T) {
	for in, want := range map[string]string{"087800001230": statusSuccess, "087800001232": statusFailed,
		"087800001233": statusPending, "087800001234": statusPending, "0812000010": statusSuccess,
		"0812000012": statusFailed, "0812000015": statusPending, " 087800001230 ": statusSuccess} {
		if got := testStatus(in); got != want {
			t.Errorf("testStatus(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestSign(t *testing.T) {
	// md5("user" + "key" + "depo"), as `printf userkeydepo | md5sum` computes it.
	if got := sign("user", "key", "depo"); got != "e9d1db43a49c569bcc2bc7164cbe6127" {
		t.Errorf("sign = %s", got)
	}
}

// TestCutOffFields: a product's cut-off in Digiflazz's words; none is "0:0".
func TestCutOffFields(t *testing.T) {
	for cut, want := range map[string][2]string{"": {"0:0", "0:0"}, "23:45-00:30": {"23:45", "0:30"}, "01:05-02:00": {"1:05", "2:00"},
		"bad": {"0:0", "0:0"}} {
		if start, end := cutOff(&loket.Product{CutOff: cut}); start != want[0] || end != want[1] {
			t.Errorf("cut-off %q: %s %s, want %v", cut, start, end, want)
		}
	}
}

// TestSegmentPower: PLN's "R1 /000001300".
func TestSegmentPower(t *testing.T) {
	if got := segmentPower("R1", "1300"); got != "R1 /000001300" {
		t.Errorf("segment power %q", got)
	}
}
