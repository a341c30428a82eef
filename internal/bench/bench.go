// Package bench is the load generator behind `loket bench`.
package bench

import (
	"errors"
	"io"
)

// Main runs `loket bench`.
func Main(args []string, out io.Writer) error { return errors.New("bench: not built yet") }
