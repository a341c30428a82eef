package main

import (
	"io"

	"github.com/loket/loket/internal/bench"
)

func benchCmd(args []string, out io.Writer) error { return bench.Main(args, out) }
