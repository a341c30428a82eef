package config

import (
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
