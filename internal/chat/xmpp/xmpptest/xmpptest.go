// Package xmpptest runs a real Prosody server for tests (Debian's prosody package)
// and a plain go-xmpp client to talk to it as a person's chat app would.
//
// Start writes a throwaway configuration (run_as_root, so that it works as root in
// CI too), listens on free 127.0.0.1 ports and runs `prosody -F` as a child of the
// test, killed when the test ends. A machine without prosody or prosodyctl skips
// the test. Import it from _test.go files only.
package xmpptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goxmpp "github.com/xmppo/go-xmpp"
)

// Domain is the one virtual host of the server: accounts are user@localhost.
const Domain = "localhost"

// Prosody is a Prosody server a test started.
type Prosody struct {
	Addr    string // clients' port: plain, STARTTLS offered when started WithTLS
	TLSAddr string // clients' direct TLS port, when started WithTLS
	Domain  string // Domain

	cfgFile string
	logFile string
	outFile string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has ended
}

// Option changes how Start runs the server.
type Option func(*options)

type options struct {
	tls   bool
	users [][2]string
}

// WithTLS gives the server a self-signed certificate for localhost: STARTTLS
// (optional) on Addr, and direct TLS on TLSAddr.
func WithTLS() Option { return func(o *options) { o.tls = true } }

// WithUser registers user@localhost with password before the server starts.
func WithUser(user, password string) Option {
	return func(o *options) { o.users = append(o.users, [2]string{user, password}) }
}

// Start runs a Prosody until the test ends (or Stop), and returns once it accepts
// connections. It skips the test when prosody or prosodyctl is not installed.
func Start(t testing.TB, opts ...Option) *Prosody {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	for _, bin := range []string{"prosody", "prosodyctl"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not found: this test needs a Prosody server (Debian: apt-get install -y prosody)", bin)
		}
	}
	dir := t.TempDir()
	for _, d := range []string{"data", "certs"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	port, tlsPorts, tlsModule := freePort(t), "", ""
	if o.tls {
		tlsModule = `, "tls"` // STARTTLS
		writeCert(t, filepath.Join(dir, "certs"), Domain)
		tlsPorts = fmt.Sprint(freePort(t))
	}
	p := &Prosody{
		Addr:    fmt.Sprintf("127.0.0.1:%d", port),
		Domain:  Domain,
		cfgFile: filepath.Join(dir, "prosody.cfg.lua"),
		logFile: filepath.Join(dir, "prosody.log"),
		outFile: filepath.Join(dir, "prosody.out"),
		exited:  make(chan struct{}),
	}
	if o.tls {
		p.TLSAddr = "127.0.0.1:" + tlsPorts
	}
	// run_as_root: as root Prosody (prosodyctl) would switch to the "prosody"
	// user, who cannot read the test's temporary directory; as another user the
	// option does nothing.
	cfg := fmt.Sprintf(`-- written by internal/chat/xmpp/xmpptest
run_as_root = true
pidfile = %[1]q
data_path = %[2]q
certificates = %[3]q
log = { { levels = { min = "info" }, to = "file", filename = %[4]q } }
interfaces = { "127.0.0.1" }
c2s_ports = { %[5]d }
c2s_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = { %[6]s }
legacy_ssl_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
authentication = "internal_plain"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
modules_enabled = { "roster", "saslauth", "ping", "disco"%[7]s }
modules_disabled = { "s2s", "offline" }
VirtualHost %[8]q
`, filepath.Join(dir, "prosody.pid"), filepath.Join(dir, "data"), filepath.Join(dir, "certs"), p.logFile, port, tlsPorts, tlsModule, Domain)
	if err := os.WriteFile(p.cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, u := range o.users {
		p.Register(t, u[0], u[1])
	}
	out, err := os.Create(p.outFile)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command("prosody", "--config", p.cfgFile, "-F") // -F: in the foreground, a child of the test
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prosody: %v", err)
	}
	p.cmd = cmd
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("prosody %s", p.output())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", p.Addr, 200*time.Millisecond)
		if err == nil && o.tls {
			conn.Close()
			conn, err = net.DialTimeout("tcp", p.TLSAddr, 200*time.Millisecond)
		}
		if err == nil {
			conn.Close()
			return p
		}
		exited := false
		select {
		case <-p.exited:
			exited = true
		default:
		}
		if exited || time.Now().After(deadline) {
			t.Fatalf("prosody is not listening on %s: %v\n%s", p.Addr, err, p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// output is what the server printed and logged, for a failing test.
func (p *Prosody) output() string {
	o, _ := os.ReadFile(p.outFile)
	l, _ := os.ReadFile(p.logFile)
	return fmt.Sprintf("output:\n%s\nprosody log:\n%s", o, l)
}

// Register creates the account user@localhost with password (prosodyctl register).
func (p *Prosody) Register(t testing.TB, user, password string) {
	t.Helper()
	out, err := exec.Command("prosodyctl", "--config", p.cfgFile, "register", user, Domain, password).CombinedOutput()
	if err != nil {
		t.Fatalf("prosodyctl register %s: %v\n%s", user, err, out)
	}
}

// Stop kills the server (SIGKILL: the connections die as in a crash) and waits
// for it to end. Stopping it again does nothing.
func (p *Prosody) Stop() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Kill()
	<-p.exited
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeCert writes a self-signed certificate for host as dir/host.crt and
// dir/host.key, where Prosody looks for it.
func writeCert(t testing.TB, dir, host string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, host+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, host+".key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Client is a plain go-xmpp client logged in to the server: a person's chat app.
// A goroutine reads its stanzas: chat messages with a body go to Next (errors,
// bodiless receipts and chat states are set aside), presence to Presence.
type Client struct {
	XMPP     *goxmpp.Client       // the connection, for what the helpers do not do
	Presence chan goxmpp.Presence // the presence stanzas it received
	Errors   chan goxmpp.Chat     // the type="error" messages it received (bounces)
	chats    chan goxmpp.Chat
}

// Dial logs in as jid (user@localhost) with PLAIN over the plain stream, resource
// "phone". The connection ends with the server (go-xmpp's Close races with its
// Recv, so the client is not closed on its own).
func (p *Prosody) Dial(t testing.TB, jid, password string) *Client {
	t.Helper()
	c, err := goxmpp.Options{
		Host: p.Addr, User: jid, Password: password, Resource: "phone",
		NoTLS: true, InsecureAllowUnencryptedAuth: true, Mechanism: "PLAIN", DialTimeout: 5 * time.Second, Debug: testing.Verbose(),
	}.NewClient()
	if err != nil {
		t.Fatalf("%s login: %v", jid, err)
	}
	cl := &Client{XMPP: c, chats: make(chan goxmpp.Chat, 256), Presence: make(chan goxmpp.Presence, 256), Errors: make(chan goxmpp.Chat, 256)}
	go func() {
		for {
			st, err := c.Recv()
			if err != nil {
				return // the server went away at the test's end
			}
			switch v := st.(type) {
			case goxmpp.Chat:
				switch {
				case v.Type == "error":
					put(cl.Errors, v)
				case v.Text != "":
					put(cl.chats, v)
				}
			case goxmpp.Presence:
				put(cl.Presence, v)
			}
		}
	}()
	return cl
}

// put queues v, dropping it when nobody reads the channel (a full buffer must not
// stop the reader).
func put[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// Send sends a chat message with the stanza id id (SendOrg: go-xmpp's Send would
// choose its own id).
func (c *Client) Send(to, id, text string) error {
	var b strings.Builder
	b.WriteString("<message type='chat' to='")
	xml.EscapeText(&b, []byte(to))
	b.WriteString("' id='")
	xml.EscapeText(&b, []byte(id))
	b.WriteString("'><body>")
	xml.EscapeText(&b, []byte(text))
	b.WriteString("</body></message>")
	_, err := c.XMPP.SendOrg(b.String())
	return err
}

// NextChat is the next message with a body the client received; the test fails
// when none comes within timeout.
func (c *Client) NextChat(t testing.TB, timeout time.Duration) goxmpp.Chat {
	t.Helper()
	select {
	case m := <-c.chats:
		return m
	case <-time.After(timeout):
		t.Fatalf("no message received in %v", timeout)
		return goxmpp.Chat{}
	}
}

// Chats is the channel of the messages with a body the client receives, the one
// NextChat reads, for a caller that takes them itself (a benchmark counting replies).
func (c *Client) Chats() <-chan goxmpp.Chat { return c.chats }

// Next is the sender's bare JID and the text of the next message with a body.
func (c *Client) Next(t testing.TB, timeout time.Duration) (from, text string) {
	t.Helper()
	m := c.NextChat(t, timeout)
	return Bare(m.Remote), m.Text
}

// Quiet fails the test when a message with a body comes within d.
func (c *Client) Quiet(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case m := <-c.chats:
		t.Fatalf("a message too many, from %s: %q", m.Remote, m.Text)
	case <-time.After(d):
	}
}

// FirstReply sends text to a bare JID that may not be online yet (a bot still
// logging in) and returns the first message that comes back. A message to a bare
// JID with no available resource bounces (the server keeps no offline messages):
// on a bounce it sends again, under the stanza id id, then id-2, id-3, …, until a
// reply comes or timeout passes.
func (c *Client) FirstReply(t testing.TB, to, id, text string, timeout time.Duration) (from, reply string) {
	t.Helper()
	deadline := time.After(timeout)
	for try := 1; ; try++ {
		sid := id
		if try > 1 {
			sid = fmt.Sprintf("%s-%d", id, try)
		}
		if err := c.Send(to, sid, text); err != nil {
			t.Fatalf("send to %s: %v", to, err)
		}
		for bounced := false; !bounced; {
			select {
			case m := <-c.chats:
				return Bare(m.Remote), m.Text
			case e := <-c.Errors:
				bounced = e.ID == sid // else an older bounce
			case <-deadline:
				t.Fatalf("%s did not answer %q in %v (%d tries)", to, text, timeout, try)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Bare is a JID without its resource.
func Bare(jid string) string {
	bare, _, _ := strings.Cut(jid, "/")
	return bare
}
