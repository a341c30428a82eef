package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMasterkeyRotateCommand: the operator is told what to set, and the key works next.
func TestMasterkeyRotateCommand(t *testing.T) {
	db := "--database-url=sqlite:" + filepath.Join(t.TempDir(), "loket.db")
	cmd := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(append([]string{"masterkey", "rotate", db}, args...), &out)
		return out.String(), err
	}
	if _, err := cmd(); err == nil || !strings.Contains(err.Error(), "--new-key KEY or --generate") {
		t.Fatalf("no key: %v", err)
	}
	if _, err := cmd("--new-key=abc"); err == nil || err.Error() != "masterkey rotate: the new key must be 32 bytes, hex or base64 encoded" {
		t.Fatalf("short key: %v", err)
	}
	out, err := cmd("--generate")
	if err != nil || !strings.Contains(out, "kept in the database") || !strings.Contains(out, "restart every Loket node") {
		t.Fatalf("database-kept: %q, %v", out, err)
	}
	// LOKET_MASTER_KEY: on a database whose secrets it seals (a fresh one).
	db = "--database-url=sqlite:" + filepath.Join(t.TempDir(), "loket.db")
	env := "--master-key=" + strings.Repeat("ab", 32)
	out, err = cmd(env, "--generate")
	key := regexp.MustCompile(`(?m)^LOKET_MASTER_KEY=([0-9a-f]{64})$`).FindStringSubmatch(out)
	if err != nil || key == nil {
		t.Fatalf("env: %q, %v", out, err)
	}
}

// A node started with another key than the one a rotation left refuses to start.
func TestWrongKeyAfterRotation(t *testing.T) {
	db := "--database-url=sqlite:" + filepath.Join(t.TempDir(), "loket.db")
	var out bytes.Buffer
	if err := run([]string{"masterkey", "rotate", db, "--generate"}, &out); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"masterkey", "rotate", db, "--generate", "--master-key=" + strings.Repeat("cd", 32)}, &out)
	if err == nil || !strings.Contains(err.Error(), "not the key this database's secrets are sealed with") {
		t.Fatalf("wrong key: %v", err)
	}
}
