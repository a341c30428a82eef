// Package deploy holds the service files Loket ships (systemd unit and environment
// file, the Dockerfile at the repository's root, Litestream, nginx and Caddy
// examples). Its test checks them against the code, since the image cannot be built
// here: every LOKET_* setting they name exists, the unit runs `loket serve`, the
// HEALTHCHECK runs `loket health`, and the Dockerfile's build command makes a static
// binary.
package deploy

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/config"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSettingsExist: each LOKET_* a service file names is one of config's options.
func TestSettingsExist(t *testing.T) {
	known := map[string]bool{}
	for _, line := range strings.Split(config.Usage(), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			known[f[0]] = true
		}
	}
	name := regexp.MustCompile(`LOKET_[A-Z0-9_]+`)
	for _, f := range []string{"../Dockerfile", "systemd/loket.service", "systemd/loket.env", "litestream/litestream.yml",
		"nginx/loket.conf", "caddy/Caddyfile"} {
		for _, n := range name.FindAllString(read(t, f), -1) {
			if !known[n] {
				t.Errorf("%s names %s, which is no setting of internal/config", f, n)
			}
		}
	}
}

// directive is the value of the last "Key=value" line of a unit.
func directive(unit, key string) string {
	v := ""
	for _, line := range strings.Split(unit, "\n") {
		if k, val, ok := strings.Cut(strings.TrimSpace(line), "="); ok && k == key {
			v = val
		}
	}
	return v
}

func TestSystemdUnit(t *testing.T) {
	unit := read(t, "systemd/loket.service")
	if f := strings.Fields(directive(unit, "ExecStart")); len(f) != 2 || filepath.Base(f[0]) != "loket" || f[1] != "serve" {
		t.Errorf("ExecStart = %q, want .../loket serve", directive(unit, "ExecStart"))
	}
	// Loket's shutdown takes up to 20 s (cmd/loket serve): SIGKILL must come later.
	if d, err := time.ParseDuration(directive(unit, "TimeoutStopSec")); err != nil || d <= 20*time.Second {
		t.Errorf("TimeoutStopSec = %q, want above 20s", directive(unit, "TimeoutStopSec"))
	}
	for k, want := range map[string]string{"User": "loket", "KillSignal": "SIGTERM", "Restart": "on-failure", "NoNewPrivileges": "yes",
		"ProtectSystem": "strict", "PrivateTmp": "yes", "StateDirectory": "loket", "EnvironmentFile": "/etc/loket/loket.env",
		"ReadWritePaths": "/var/lib/loket"} {
		if got := directive(unit, k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	env := read(t, "systemd/loket.env")
	if !strings.Contains(env, "LOKET_DATABASE_URL=sqlite:/var/lib/loket/") {
		t.Error("loket.env: the SQLite database is not in the unit's StateDirectory")
	}
}

// TestDockerfile builds the binary as the Dockerfile does and checks it is static and
// answers `health`; where systemd-analyze exists, it verifies the unit on that binary.
func TestDockerfile(t *testing.T) {
	df := read(t, "../Dockerfile")
	hc := regexp.MustCompile(`(?m)^HEALTHCHECK .*CMD \["/loket", "health"\]$`)
	if !hc.MatchString(df) {
		t.Error(`Dockerfile: no HEALTHCHECK ... CMD ["/loket", "health"]`)
	}
	for _, want := range []string{"FROM golang:1.26 AS build", "\nUSER 65532:65532\n", "\nVOLUME /data\n", "LOKET_DATABASE_URL=sqlite:/data/loket.db",
		"LOKET_ADDR=:8080", "\nEXPOSE 8080\n", `ENTRYPOINT ["/loket"]`, `CMD ["serve"]`, "/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	build := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 go build .*) -o /out/loket (\./cmd/loket)$`).FindStringSubmatch(df)
	if build == nil {
		t.Fatal("Dockerfile: no `RUN CGO_ENABLED=0 go build ... -o /out/loket ./cmd/loket`")
	}
	f := shellWords(build[1])
	bin := filepath.Join(t.TempDir(), "loket")
	args := append(f[2:], "-o", bin, build[2])
	cmd := exec.Command(f[1], args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), f[0])
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", f[0], args, err, out)
	}
	e, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, p := range e.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary is dynamically linked (%s)", p.Type)
		}
	}
	if libs, _ := e.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs %v", libs)
	}
	out, err := exec.Command(bin, "health", "--url=http://127.0.0.1:1/healthz", "--timeout=2s").CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.HasPrefix(string(out), "loket: health: ") || bytes.Count(out, []byte("\n")) != 1 {
		t.Errorf("health against nothing: exit %d, %q", code, out)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not found: the unit is not verified")
		return
	}
	unit := read(t, "systemd/loket.service")
	unit = strings.Replace(unit, "ExecStart=/usr/local/bin/loket", "ExecStart="+bin, 1)
	path := filepath.Join(t.TempDir(), "loket.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// shellWords splits a command line as the shell does, for double quotes only.
func shellWords(s string) []string {
	var out []string
	var w strings.Builder
	quoted, in := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				out = append(out, w.String())
			}
			w.Reset()
			in = false
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, w.String())
	}
	return out
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
