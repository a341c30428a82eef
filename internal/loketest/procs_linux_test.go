package loketest

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/loket/loket/internal/store/storetest"
)

// TestProcsCPU: a child's CPU is counted while it runs (it is not this process's
// own); SQLite has no server.
func TestProcsCPU(t *testing.T) {
	if os.Getenv("LOKET_BURN") != "" { // the child: burn CPU, then wait to be killed
		for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); {
		}
		time.Sleep(time.Minute)
		return
	}
	before := childrenCPU()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestProcsCPU$")
	cmd.Env = append(os.Environ(), "LOKET_BURN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for childrenCPU()-before < 200*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("children's CPU %v after the child burned 300 ms", childrenCPU()-before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, engine := range storetest.Engines() {
		got := serverCPU(storetest.Open(t, engine))
		switch {
		case engine == "sqlite" && got != 0:
			t.Errorf("sqlite: server CPU %v", got)
		case engine == "postgres" && got == 0: // a server elsewhere (another host, a container)
			t.Logf("postgres: its server's processes are not this machine's")
		}
	}
}
