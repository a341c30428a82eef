package main

import (
	"bytes"
	"path/filepath"
	"testing"
)

func TestNumberList(t *testing.T) {
	db := "--database-url=sqlite:" + filepath.Join(t.TempDir(), "loket.db")
	var out bytes.Buffer
	for _, args := range [][]string{{"number", "list", db}, {"number", "list", "--flagged", "--state", "failed", db}} {
		if err := run(args, &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	if out.Len() != 0 {
		t.Errorf("activations on an empty database: %s", out.String())
	}
	if err := run([]string{"number", "lease", db}, &out); err == nil {
		t.Error("unknown subcommand accepted")
	}
	if err := run([]string{"number"}, &out); err == nil {
		t.Error("missing subcommand accepted")
	}
}
