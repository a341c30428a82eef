package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/loket/loket/internal/server"
)

// healthCmd is the Docker HEALTHCHECK (the image has no curl): GET /healthz of the
// server this environment describes, exit 0 on 200.
func healthCmd(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("health", "[--url URL] [--timeout 5s]",
		"Asks the server's /healthz (on LOKET_ADDR, https with LOKET_TLS_CERT) and exits 0 when it\n"+
			"answers 200, else 1 with the reason. For health checks: Docker's HEALTHCHECK, systemd, monitors.")
	url := c.String("url", "", "ask this URL instead (default: /healthz on LOKET_ADDR; 0.0.0.0 and empty hosts mean 127.0.0.1)")
	timeout := c.Duration("timeout", 5*time.Second, "give up after this long")
	cfg, err := c.parse(args, out)
	if err != nil {
		return err
	}
	if err := server.CheckHealth(ctx, cfg, *url, *timeout); err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, "ok")
	return err
}
