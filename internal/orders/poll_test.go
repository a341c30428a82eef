package orders

import (
	"testing"
	"time"
)

// TestPollDelay: the first two questions about a pending order come within seconds
// whatever the upstream hints; later ones follow the hint, or back off by steps.
func TestPollDelay(t *testing.T) {
	for _, tc := range []struct {
		n    int
		hint time.Duration
		want time.Duration
	}{
		{0, 0, 2 * time.Second},
		{0, 30 * time.Second, 2 * time.Second},
		{1, 30 * time.Second, 5 * time.Second},
		{2, 30 * time.Second, 30*time.Second + 50*time.Millisecond},
		{0, 500 * time.Millisecond, 550 * time.Millisecond},
		{0, time.Millisecond, 200 * time.Millisecond},
		{3, 0, 30 * time.Second},
		{9, 0, 5 * time.Minute},
		{9, time.Hour, 5 * time.Minute},
	} {
		if got := pollDelay(tc.n, tc.hint); got != tc.want {
			t.Errorf("pollDelay(%d, %s) = %s, want %s", tc.n, tc.hint, got, tc.want)
		}
	}
}
