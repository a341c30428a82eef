//go:build !unix

package loketest

import "time"

// cpuTime is the CPU time this process has used, unknown here.
func cpuTime() time.Duration { return 0 }
