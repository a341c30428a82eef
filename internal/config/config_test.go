package config

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestMetricsSettings(t *testing.T) {
	c, _, err := Load("loket", []string{"--metrics-addr=127.0.0.1:9464", "--metrics-token=Abc-123_~x"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "127.0.0.1:9464" || c.MetricsToken != "Abc-123_~x" {
		t.Errorf("got addr %q token %q", c.MetricsAddr, c.MetricsToken)
	}
	for _, bad := range []string{"two words", "tab\there", "ümlaut", "line\nbreak"} {
		if _, _, err := Load("loket", []string{"--metrics-token=" + bad}); err == nil {
			t.Errorf("token %q accepted", bad)
		}
	}
}

// The USDT watcher's settings: the API's URL (or off), its key, the poll interval.
func TestTronSettings(t *testing.T) {
	c, _, err := Load("loket", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.TronAPIURL != "https://api.trongrid.io" || c.TronAPIKey != "" || c.TronPoll != 15*time.Second {
		t.Errorf("defaults: %q %q %v", c.TronAPIURL, c.TronAPIKey, c.TronPoll)
	}
	c, _, err = Load("loket", []string{"--tron-api-url=http://127.0.0.1:9/tron/", "--tron-api-key=k", "--tron-poll=2s"})
	if err != nil || c.TronAPIURL != "http://127.0.0.1:9/tron" || c.TronAPIKey != "k" || c.TronPoll != 2*time.Second {
		t.Errorf("set: %+v %v", c, err)
	}
	if c, _, err = Load("loket", []string{"--tron-api-url=off"}); err != nil || c.TronAPIURL != "" {
		t.Errorf("off: %q %v", c.TronAPIURL, err)
	}
	for _, bad := range []string{"--tron-api-url=api.trongrid.io", "--tron-api-url=ftp://x", "--tron-poll=10ms", "--tron-poll=soon"} {
		if _, _, err := Load("loket", []string{bad}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TLS takes a certificate and a key, or neither; with them the public URL's default
// is https. Whether the files are there and match is server.Start's to check.
func TestTLSSettings(t *testing.T) {
	c, _, err := Load("loket", []string{"--addr=0.0.0.0:8443", "--tls-cert=/etc/loket/cert.pem", "--tls-key=/etc/loket/key.pem"})
	if err != nil {
		t.Fatal(err)
	}
	if c.TLSCert != "/etc/loket/cert.pem" || c.TLSKey != "/etc/loket/key.pem" || c.Scheme() != "https" || c.PublicURL != "https://0.0.0.0:8443" {
		t.Errorf("got %q %q %q %q", c.TLSCert, c.TLSKey, c.Scheme(), c.PublicURL)
	}
	c, _, err = Load("loket", []string{"--tls-cert=c.pem", "--tls-key=k.pem", "--public-url=https://loket.example.com/"})
	if err != nil || c.PublicURL != "https://loket.example.com" {
		t.Errorf("public URL set: %q %v", c.PublicURL, err)
	}
	if c, _, err := Load("loket", nil); err != nil || c.Scheme() != "http" || c.PublicURL != "http://127.0.0.1:8080" {
		t.Errorf("without TLS: %+v %v", c, err)
	}
	for _, one := range []string{"--tls-cert=c.pem", "--tls-key=k.pem"} {
		_, _, err := Load("loket", []string{one})
		if err == nil || !strings.Contains(err.Error(), "set both or neither") {
			t.Errorf("%s alone: %v", one, err)
		}
	}
}

// LOKET_TRUSTED_PROXIES: none by default; CIDRs and single addresses, separated by
// commas or spaces; anything else refused with the reason, in one line.
func TestTrustedProxies(t *testing.T) {
	c, _, err := Load("loket", nil)
	if err != nil || len(c.TrustedProxies) != 0 {
		t.Fatalf("default: %v %v", c.TrustedProxies, err)
	}
	c, _, err = Load("loket", []string{"--trusted-proxies=10.0.0.0/8, 127.0.0.1 fd00::/8,::1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.TrustedProxies); got != "[10.0.0.0/8 127.0.0.1/32 fd00::/8 ::1/128]" {
		t.Errorf("got %s", got)
	}
	t.Setenv("LOKET_TRUSTED_PROXIES", "192.0.2.0/24")
	if c, _, err = Load("loket", nil); err != nil || fmt.Sprint(c.TrustedProxies) != "[192.0.2.0/24]" {
		t.Errorf("from the environment: %v %v", c.TrustedProxies, err)
	}
	for bad, want := range map[string]string{
		"10.0.0/8":            `LOKET_TRUSTED_PROXIES: "10.0.0/8" is not a CIDR like 10.0.0.0/8 or fd00::/8`,
		"10.0.0.1/8":          `LOKET_TRUSTED_PROXIES: "10.0.0.1/8" has host bits set: write 10.0.0.0/8, or 10.0.0.1/32 for the one address`,
		"proxy.example":       `LOKET_TRUSTED_PROXIES: "proxy.example" is neither a CIDR (10.0.0.0/8) nor an IP address`,
		"10.0.0.0/33":         `LOKET_TRUSTED_PROXIES: "10.0.0.0/33" is not a CIDR`,
		"fe80::1%eth0":        `LOKET_TRUSTED_PROXIES: "fe80::1%eth0" is neither`,
		"::ffff:10.0.0.0/104": `LOKET_TRUSTED_PROXIES: "::ffff:10.0.0.0/104": write IPv4 networks as IPv4`,
	} {
		_, _, err := Load("loket", []string{"--trusted-proxies=" + bad})
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: got %v, want %s", bad, err, want)
		}
	}
}

// A switch is on with 1 or true, off with 0, false or nothing, and anything else is
// refused, not read as off.
func TestSwitches(t *testing.T) {
	for arg, want := range map[string]bool{"": false, "1": true, "true": true, "TRUE": true, "0": false, "false": false} {
		c, _, err := Load("loket", []string{"--sqlite-plain-wal=" + arg, "--allow-private-webhooks=" + arg})
		if err != nil || c.SQLitePlainWAL != want || c.AllowPrivateWebhooks != want {
			t.Errorf("%q: plain WAL %v, private webhooks %v, %v; want %v", arg, c.SQLitePlainWAL, c.AllowPrivateWebhooks, err, want)
		}
	}
	for _, bad := range []string{"--sqlite-plain-wal=yes", "--allow-private-webhooks=on", "--sqlite-plain-wal=2"} {
		if _, _, err := Load("loket", []string{bad}); err == nil || !strings.Contains(err.Error(), "want 1 or 0") {
			t.Errorf("%s: %v, want refused", bad, err)
		}
	}
}
