package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

// settingsHelp is how -h tells of the settings for the commands that are mostly
// settings: serve, demo and migrate.
func settingsHelp() string {
	return settingsHead + config.Usage()
}

func serveCmd(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("serve", "[--addr ADDR] [--database-url URL] [--SETTING VALUE ...]",
		"Runs the server: the native API, the compatibility surfaces, the dashboards and the jobs.")
	return serve(ctx, c, args, out, false)
}

func demoCmd(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("demo", "[--addr ADDR] [--database-url URL] [--SETTING VALUE ...]",
		"Runs the server with the demo dataset loaded (idempotently), the simulator supplier and the\n"+
			"simulated payment source; prints the URL, the admin login and a reseller's keys.")
	return serve(ctx, c, args, out, true)
}

func serve(ctx context.Context, c *command, args []string, out io.Writer, demo bool) error {
	c.settings = settingsHelp()
	cfg, err := c.parse(args, out)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogFormat, os.Stderr)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var hup chan os.Signal // nil without TLS: SIGHUP keeps its default, the end
	if cfg.TLSCert != "" {
		hup = make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
	cfg.Demo = demo
	var demoInfo *demoCredentials
	var prepare func(context.Context, *store.DB) error
	if demo {
		prepare = func(ctx context.Context, db *store.DB) error {
			demoInfo, err = loadDemo(ctx, cfg, db)
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			return nil
		}
	}
	s, err := server.Start(ctx, cfg, log, nil, prepare)
	if err != nil {
		return err
	}
	if cfg.DebugAddr != "" {
		go func() {
			// pprof registers on http.DefaultServeMux, which nothing else uses.
			log.Info("debug listener", "addr", cfg.DebugAddr, "err", http.ListenAndServe(cfg.DebugAddr, nil))
		}()
	}
	log.Info("loket listening", "url", s.URL, "database", redactURL(cfg.DatabaseURL), "node", cfg.Node)
	if s.MetricsURL != "" {
		log.Info("metrics listening", "url", s.MetricsURL, "token", cfg.MetricsToken != "")
	}
	if demoInfo != nil {
		printDemo(out, s.URL, demoInfo)
	}
wait:
	for {
		select {
		case err := <-s.Done():
			return err
		case <-hup:
			s.ReloadTLS() // the log says what it read, or why it kept the old pair
		case <-ctx.Done():
			break wait
		}
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return s.Close(sctx)
}

func redactURL(s string) string {
	if i := strings.Index(s, "@"); i > 0 && strings.Contains(s, "://") {
		return s[:strings.Index(s, "://")+3] + "***" + s[i:]
	}
	return s
}

func migrate(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("migrate", "[--database-url URL]", "Applies the schema migrations to the database and exits.")
	c.settings = settingsHelp()
	e, err := c.open(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	_, err = fmt.Fprintln(out, "migrations applied")
	return err
}
