package backup

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"

	"github.com/loket/loket/internal/store"
)

// PostgresAdvice is what `loket backup` says on PostgreSQL, where Loket writes no file:
// how to back up with pg_dump or point-in-time recovery, and what the server's
// settings and this machine's pg_dump allow.
func PostgresAdvice(ctx context.Context, db *store.DB) []string {
	out := []string{
		"On PostgreSQL Loket writes no backup file: the server's tools do, consistently while nodes write.",
		"  a copy:               pg_dump -Fc -f loket.dump \"$LOKET_DATABASE_URL\"   (restore: pg_restore --clean -d URL loket.dump)",
		"  point-in-time (PITR): wal_level=replica, archive_mode=on, an archive_command, and pg_basebackup -D DIR -Ft -z -P",
		"See docs/backup.md. This server and machine:",
	}
	settings := map[string]string{}
	for _, name := range []string{"wal_level", "archive_mode", "archive_command", "max_wal_senders", "server_version_num"} {
		var v string
		if err := db.R.QueryRowContext(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
			v = "? (" + err.Error() + ")"
		}
		settings[name] = v
	}
	check := func(ok bool, good, bad string) {
		mark := "ok  "
		msg := good
		if !ok {
			mark, msg = "NOTE", bad
		}
		out = append(out, "  "+mark+" "+msg)
	}
	wal := settings["wal_level"]
	check(wal == "replica" || wal == "logical", "wal_level="+wal+": enough for PITR and pg_basebackup",
		"wal_level="+wal+": PITR needs wal_level=replica")
	arch, cmd := settings["archive_mode"], settings["archive_command"]
	check((arch == "on" || arch == "always") && cmd != "" && cmd != "(disabled)",
		"archive_mode="+arch+", archive_command set: WAL is archived",
		fmt.Sprintf("archive_mode=%s, archive_command=%q: no WAL archive, so no point-in-time recovery", arch, cmd))
	senders, _ := strconv.Atoi(settings["max_wal_senders"])
	check(senders > 0, "max_wal_senders="+settings["max_wal_senders"]+": pg_basebackup can connect",
		"max_wal_senders="+settings["max_wal_senders"]+": pg_basebackup needs at least 1")
	num, _ := strconv.Atoi(settings["server_version_num"])
	server := num / 10000
	path, err := exec.LookPath("pg_dump")
	if err != nil {
		check(false, "", "pg_dump is not on PATH: install the PostgreSQL client of the server's version")
		return out
	}
	ver, _ := exec.CommandContext(ctx, path, "--version").Output()
	m := regexp.MustCompile(`(\d+)(\.\d+)?`).FindSubmatch(ver)
	client := 0
	if m != nil {
		client, _ = strconv.Atoi(string(m[1]))
	}
	check(client >= server && server > 0, fmt.Sprintf("pg_dump %d at %s, server %d", client, path, server),
		fmt.Sprintf("pg_dump %d at %s is older than the server (%d): pg_dump refuses a newer server; install the client of version %d or later", client, path, server, server))
	return out
}
