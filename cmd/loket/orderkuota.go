package main

import (
	"fmt"
	"io"
)

func orderkuotaCommand(cmd string, args []string, out io.Writer) error {
	return fmt.Errorf("unknown command %q (see loket payment help)", cmd)
}
