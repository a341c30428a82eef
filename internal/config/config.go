// Package config declares every setting of Loket once: its environment variable, its
// default and its check. Flags of the same name (without LOKET_, lower case, dashes)
// override the environment.
package config

import (
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is Loket's configuration.
type Config struct {
	Addr                 string
	DatabaseURL          string
	LogFormat            string
	PublicURL            string
	TrustedProxies       []netip.Prefix // whose forwarding headers name the client
	AllowPrivateWebhooks bool
	MasterKey            string
	SignInFailures       int
	SignInAddrFailures   int
	SignInWindow         time.Duration
	Node                 string
	SimDelay             time.Duration
	DoubleOrderWindow    time.Duration
	SupplierTimeout      time.Duration
	PendingDeadline      time.Duration
	Workers              int
	DBLanes              int
	SQLiteAutocheckpoint int  // WAL pages before a commit checkpoints; 0: never (Litestream does)
	SQLitePlainWAL       bool // write the WAL a system call per frame, as SQLite does by itself
	DebugAddr            string
	MetricsAddr          string
	MetricsToken         string
	PriceSyncEvery       time.Duration
	SupplierLowBalance   int
	VNTimeout            time.Duration
	VNPoll               time.Duration
	VNMarkupBP           int
	JobLease             time.Duration
	TronAPIURL           string // empty: no USDT watcher
	TronAPIKey           string
	TronPoll             time.Duration
	TLSCert              string // PEM files; both set: the listeners speak TLS
	TLSKey               string
	BackupDir            string // empty: no scheduled backups (SQLite only)
	BackupEvery          time.Duration
	BackupKeep           int
	TelegramToken        string // empty: no Telegram channel
	TelegramAPIURL       string
	XMPPJID              string // empty: no Jabber channel
	XMPPPassword         string
	XMPPServer           string
	XMPPTLS              string
	ChatPINFailures      int
	ChatPINLock          time.Duration

	// Demo is set by `loket demo`, not by the environment: it switches on the
	// simulated payment source.
	Demo bool
}

type option struct {
	env, def, help string
	set            func(c *Config, v string) error
}

func str(f func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *f(c) = v; return nil }
}

func dur(f func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration like 2s or 10m, got %q", v)
		}
		*f(c) = d
		return nil
	}
}

func num(f func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("want a whole number >= 0, got %q", v)
		}
		*f(c) = n
		return nil
	}
}

// yes is a switch: 1 or true on, 0, false or unset off (strconv.ParseBool's words);
// anything else is refused rather than read as off.
func yes(f func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "" {
			*f(c) = false
			return nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want 1 or 0, got %q", v)
		}
		*f(c) = b
		return nil
	}
}

// positive is num for settings that must be at least 1.
func positive(f func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("want a whole number >= 1, got %q", v)
		}
		*f(c) = n
		return nil
	}
}

var options = []option{
	{"LOKET_ADDR", "127.0.0.1:8080", "address to listen on", str(func(c *Config) *string { return &c.Addr })},
	{"LOKET_DATABASE_URL", "sqlite:loket.db", "sqlite:PATH or postgres://...", str(func(c *Config) *string { return &c.DatabaseURL })},
	{"LOKET_LOG_FORMAT", "text", "text or json", func(c *Config, v string) error {
		if v != "text" && v != "json" {
			return fmt.Errorf("want text or json, got %q", v)
		}
		c.LogFormat = v
		return nil
	}},
	{"LOKET_PUBLIC_URL", "", "base URL others reach this Loket at (default http:// + LOKET_ADDR, https:// with LOKET_TLS_CERT)", str(func(c *Config) *string { return &c.PublicURL })},
	{"LOKET_TRUSTED_PROXIES", "", "CIDRs or addresses of the reverse proxies whose X-Forwarded-For, Forwarded, X-Forwarded-Proto and X-Forwarded-Host are believed, comma-separated (none: every client is its connection's address)", func(c *Config, v string) error {
		ps, err := parseProxies(v)
		c.TrustedProxies = ps
		return err
	}},
	{"LOKET_ALLOW_PRIVATE_WEBHOOKS", "", "1 lets webhook URLs point at loopback, private or reserved addresses", yes(func(c *Config) *bool { return &c.AllowPrivateWebhooks })},
	{"LOKET_MASTER_KEY", "", "32 bytes (hex or base64) sealing secrets at rest; default: a key kept in the database", str(func(c *Config) *string { return &c.MasterKey })},
	{"LOKET_SIGNIN_FAILURES", "5", "failed sign-ins per username within LOKET_SIGNIN_WINDOW before it is locked, on every surface (0 disables)", num(func(c *Config) *int { return &c.SignInFailures })},
	{"LOKET_SIGNIN_ADDR_FAILURES", "20", "failed sign-ins per client address within LOKET_SIGNIN_WINDOW before it is locked (0 disables)", num(func(c *Config) *int { return &c.SignInAddrFailures })},
	{"LOKET_SIGNIN_WINDOW", "15m", "the sliding window failed sign-ins are counted in", dur(func(c *Config) *time.Duration { return &c.SignInWindow })},
	{"LOKET_NODE", "", "this node's name in job locks (default: host name)", str(func(c *Config) *string { return &c.Node })},
	{"LOKET_SIM_DELAY", "2s", "how long the simulator supplier keeps orders pending", dur(func(c *Config) *time.Duration { return &c.SimDelay })},
	{"LOKET_DOUBLE_ORDER_WINDOW", "1h", "a pending order blocks the same product and target for this long (0 disables)", dur(func(c *Config) *time.Duration { return &c.DoubleOrderWindow })},
	{"LOKET_SUPPLIER_TIMEOUT", "15s", "how long one supplier call may take", dur(func(c *Config) *time.Duration { return &c.SupplierTimeout })},
	{"LOKET_PENDING_DEADLINE", "30m", "pending orders and virtual-number rents of unknown outcome older than this are flagged for the operator", dur(func(c *Config) *time.Duration { return &c.PendingDeadline })},
	{"LOKET_WORKERS", "64", "concurrent supplier calls", positive(func(c *Config) *int { return &c.Workers })},
	{"LOKET_DEBUG_ADDR", "", "if set, serve Go's pprof profiles on this address (keep it private)", str(func(c *Config) *string { return &c.DebugAddr })},
	{"LOKET_METRICS_ADDR", "", "if set, serve /metrics on this address instead of LOKET_ADDR (keep it private, or set LOKET_METRICS_TOKEN)", str(func(c *Config) *string { return &c.MetricsAddr })},
	{"LOKET_METRICS_TOKEN", "", "if set, /metrics answers only Authorization: Bearer TOKEN; unset, /metrics on LOKET_ADDR answers loopback only", func(c *Config, v string) error {
		// It travels in a header: printable ASCII without spaces.
		for i := 0; i < len(v); i++ {
			if v[i] <= ' ' || v[i] > '~' {
				return fmt.Errorf("want printable ASCII without spaces")
			}
		}
		c.MetricsToken = v
		return nil
	}},
	{"LOKET_PRICE_SYNC_EVERY", "1h", "how often each supplier's price list is pulled into route costs (0 disables)", dur(func(c *Config) *time.Duration { return &c.PriceSyncEvery })},
	{"LOKET_SUPPLIER_LOW_BALANCE", "500000", "a supplier balance below this (rupiah) is a warning and a metric", num(func(c *Config) *int { return &c.SupplierLowBalance })},
	{"LOKET_VN_TIMEOUT", "20m", "a virtual number with no SMS by then is canceled and refunded; one with a code is charged", dur(func(c *Config) *time.Duration { return &c.VNTimeout })},
	{"LOKET_VN_POLL", "3s", "how often open virtual-number activations are checked with their supplier", dur(func(c *Config) *time.Duration { return &c.VNPoll })},
	{"LOKET_VN_MARKUP_BP", "1000", "markup on suppliers' virtual-number costs, in basis points (1000 = 10%, rounded up to whole rupiah), before price levels, when no markup rule for numbers is set (loket markup set --scope numbers)", num(func(c *Config) *int { return &c.VNMarkupBP })},
	{"LOKET_DB_LANES", "4", "concurrent write batches on PostgreSQL", num(func(c *Config) *int { return &c.DBLanes })},
	{"LOKET_SQLITE_AUTOCHECKPOINT", "10000", "SQLite: WAL pages (4 KiB each) after which a commit copies the WAL into the database (PASSIVE checkpoint); 0: never, leave checkpoints to Litestream (docs/operations.md)", num(func(c *Config) *int { return &c.SQLiteAutocheckpoint })},
	{"LOKET_SQLITE_PLAIN_WAL", "", "SQLite: 1 writes the WAL through SQLite's own VFS, two system calls per page, instead of a commit's pages in one write before its sync (same durability; for comparison)", yes(func(c *Config) *bool { return &c.SQLitePlainWAL })},
	{"LOKET_JOB_LEASE", "60s", "how long a node holds a job it took before another node may take it over", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("want a duration above zero like 60s, got %q", v)
		}
		c.JobLease = d
		return nil
	}},
	{"LOKET_TRON_API_URL", "https://api.trongrid.io", "TronGrid-compatible API the USDT watcher reads transfers to the operator's address through; off: none (USDT deposits confirmed by hand)", func(c *Config, v string) error {
		if v == "off" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("want an http(s) URL or off, got %q", v)
		}
		c.TronAPIURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"LOKET_TELEGRAM_TOKEN", "", "the Telegram bot's token (from @BotFather): resellers order by chat through it (empty: no Telegram)", str(func(c *Config) *string { return &c.TelegramToken })},
	{"LOKET_TELEGRAM_API_URL", "https://api.telegram.org", "the Telegram Bot API server (a self-hosted one changes it)", str(func(c *Config) *string { return &c.TelegramAPIURL })},
	{"LOKET_XMPP_JID", "", "the Jabber (XMPP) account resellers order by chat through, user@domain (empty: no Jabber)", str(func(c *Config) *string { return &c.XMPPJID })},
	{"LOKET_XMPP_PASSWORD", "", "the Jabber account's password", str(func(c *Config) *string { return &c.XMPPPassword })},
	{"LOKET_XMPP_SERVER", "", "host:port of the Jabber server (default: the JID's domain, port 5222)", str(func(c *Config) *string { return &c.XMPPServer })},
	{"LOKET_XMPP_TLS", "starttls", "starttls, tls (direct TLS, port 5223) or none (a local server only)", str(func(c *Config) *string { return &c.XMPPTLS })},
	{"LOKET_CHAT_PIN_FAILURES", "3", "wrong PINs in a row before a chat is locked", num(func(c *Config) *int { return &c.ChatPINFailures })},
	{"LOKET_CHAT_PIN_LOCK", "30m", "how long a chat stays locked after too many wrong PINs", dur(func(c *Config) *time.Duration { return &c.ChatPINLock })},
	{"LOKET_TRON_API_KEY", "", "TronGrid API key, sent as TRON-PRO-API-KEY (optional; raises TronGrid's rate limit)", str(func(c *Config) *string { return &c.TronAPIKey })},
	{"LOKET_TRON_POLL", "15s", "how often the USDT watcher reads the chain", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond {
			return fmt.Errorf("want a duration of at least 100ms like 15s, got %q", v)
		}
		c.TronPoll = d
		return nil
	}},
	{"LOKET_TLS_CERT", "", "if set, with LOKET_TLS_KEY: PEM certificate (full chain) the listeners serve HTTPS with, reloaded when the file changes (docs/tls.md)", str(func(c *Config) *string { return &c.TLSCert })},
	{"LOKET_TLS_KEY", "", "PEM private key of LOKET_TLS_CERT", str(func(c *Config) *string { return &c.TLSKey })},
	{"LOKET_BACKUP_DIR", "", "if set (SQLite only), a folder where Loket saves a checked copy of the database every LOKET_BACKUP_EVERY, keeping the newest LOKET_BACKUP_KEEP (docs/backup.md)", str(func(c *Config) *string { return &c.BackupDir })},
	{"LOKET_BACKUP_EVERY", "24h", "how often the copy in LOKET_BACKUP_DIR is made (at least 1m)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return fmt.Errorf("want a duration of at least 1m like 24h, got %q", v)
		}
		c.BackupEvery = d
		return nil
	}},
	{"LOKET_BACKUP_KEEP", "7", "how many copies in LOKET_BACKUP_DIR are kept; older ones are deleted after a new one is checked", positive(func(c *Config) *int { return &c.BackupKeep })},
}

// parseProxies reads a list of CIDRs (10.0.0.0/8) or single addresses (192.0.2.7),
// separated by commas or spaces. A CIDR with host bits set (10.0.0.1/8) is refused:
// it trusts more than it seems to say.
func parseProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR like 10.0.0.0/8 or fd00::/8", s)
			}
			if p.Addr().Is4In6() {
				return nil, fmt.Errorf("%q: write IPv4 networks as IPv4, like 10.0.0.0/8", s)
			}
			if p.Masked() != p {
				return nil, fmt.Errorf("%q has host bits set: write %s, or %s for the one address", s, p.Masked(), netip.PrefixFrom(p.Addr(), p.Addr().BitLen()))
			}
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is neither a CIDR (10.0.0.0/8) nor an IP address", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func flagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "LOKET_")), "_", "-")
}

// Register declares every setting as a flag on fs, defaulting to the environment, and
// returns the function that builds the Config once fs is parsed.
func Register(fs *flag.FlagSet) func() (*Config, error) {
	vals := map[string]*string{}
	for _, o := range options {
		v := os.Getenv(o.env)
		if v == "" {
			v = o.def
		}
		vals[o.env] = fs.String(flagName(o.env), v, o.help+" ("+o.env+")")
	}
	return func() (*Config, error) {
		c := &Config{}
		for _, o := range options {
			if err := o.set(c, *vals[o.env]); err != nil {
				return nil, fmt.Errorf("%s: %w", o.env, err)
			}
		}
		if (c.TLSCert == "") != (c.TLSKey == "") {
			return nil, fmt.Errorf("LOKET_TLS_CERT and LOKET_TLS_KEY: set both or neither")
		}
		if c.PublicURL == "" {
			c.PublicURL = c.Scheme() + "://" + c.Addr
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
		if c.Node == "" {
			c.Node, _ = os.Hostname()
			if c.Node == "" {
				c.Node = "loket"
			}
		}
		return c, nil
	}
}

// Scheme is what the listeners speak: https with LOKET_TLS_CERT, else http.
func (c *Config) Scheme() string {
	if c.TLSCert != "" {
		return "https"
	}
	return "http"
}

// Load reads the environment, then the flags in args. It returns the flags' leftovers.
func Load(name string, args []string) (*Config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	build := Register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	c, err := build()
	return c, fs.Args(), err
}

// Usage describes every setting, for `loket help`.
func Usage() string {
	var b strings.Builder
	for _, o := range options {
		// A description that tells its own default (or an empty default: none) is
		// printed as written, not followed by a second "(default ...)".
		if o.def == "" || strings.Contains(o.help, "default") {
			fmt.Fprintf(&b, "  %-30s %s\n", o.env, o.help)
			continue
		}
		fmt.Fprintf(&b, "  %-30s %s (default %q)\n", o.env, o.help, o.def)
	}
	return b.String()
}
