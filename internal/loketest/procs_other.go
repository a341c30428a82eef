//go:build !linux

package loketest

import (
	"time"

	"github.com/loket/loket/internal/store"
)

// childrenCPU and serverCPU are read from Linux's /proc: unknown here.
func childrenCPU() time.Duration           { return 0 }
func serverCPU(db *store.DB) time.Duration { return 0 }
