package main

import (
	"context"
	"io"

	"github.com/loket/loket/internal/bench"
)

// benchCmd is `loket bench`: its flags, and their -h, are the bench package's.
func benchCmd(_ context.Context, args []string, out io.Writer) error { return bench.Main(args, out) }
