package config

import "testing"

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
