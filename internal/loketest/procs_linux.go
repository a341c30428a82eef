package loketest

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/store"
)

// userHZ is the unit of the times in /proc/<pid>/stat (Linux's USER_HZ).
const userHZ = 100

// procTimes reads a process's parent and its CPU time, its own (user and system) and
// that of the children it has reaped, from /proc (ok false: gone or unreadable).
func procTimes(pid int) (ppid int, own, reaped time.Duration, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0, false
	}
	// The command, in parentheses, may hold spaces: the fields follow its last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 > len(data) {
		return 0, 0, 0, false
	}
	f := strings.Fields(string(data[i+2:])) // f[0] is field 3 (state)
	if len(f) < 15 {
		return 0, 0, 0, false
	}
	n := func(j int) time.Duration {
		v, _ := strconv.ParseInt(f[j], 10, 64)
		return time.Duration(v) * time.Second / userHZ
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, n(11) + n(12), n(13) + n(14), true
}

// treeCPU is the CPU time of a process, the children it reaped and its children alive.
func treeCPU(pid int) time.Duration {
	_, own, reaped, ok := procTimes(pid)
	if !ok {
		return 0
	}
	return own + reaped + liveChildrenCPU(pid)
}

// liveChildrenCPU is the CPU time of a process's children alive, each with the
// children it reaped.
func liveChildrenCPU(pid int) time.Duration {
	var total time.Duration
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		if ppid, own, reaped, ok := procTimes(child); ok && ppid == pid {
			total += own + reaped
		}
	}
	return total
}

// childrenCPU is the CPU time of this process's children alive (a Prosody a test
// started), whose time this process's own does not count.
func childrenCPU() time.Duration { return liveChildrenCPU(os.Getpid()) }

// serverCPU is the CPU time of the PostgreSQL server db is on, every process of it
// (the postmaster, its backends alive and those gone), when it runs on this machine;
// else 0. On a machine that runs nothing else it is what the database cost.
func serverCPU(db *store.DB) time.Duration {
	if db.Dialect != store.Postgres {
		return 0
	}
	var backend int
	if err := db.R.QueryRowContext(context.Background(), `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return 0
	}
	ppid, _, _, ok := procTimes(backend)
	if !ok { // another machine's
		return 0
	}
	if comm, err := os.ReadFile("/proc/" + strconv.Itoa(ppid) + "/comm"); err != nil || !strings.HasPrefix(string(comm), "postgres") {
		return 0
	}
	return treeCPU(ppid)
}
