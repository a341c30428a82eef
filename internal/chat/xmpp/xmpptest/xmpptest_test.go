package xmpptest

import (
	"testing"
	"time"
)

// TestFirstReply: a message to an account that is not online bounces, and
// FirstReply sends it again until the account has logged in and answers; an
// account registered while the server runs can log in.
func TestFirstReply(t *testing.T) {
	p := Start(t, WithUser("budi", "budipass"))
	p.Register(t, "bot", "botpass")
	budi := p.Dial(t, "budi@localhost", "budipass")
	if err := budi.Send("bot@localhost", "early", "halo"); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-budi.Errors:
		if e.ID != "early" {
			t.Fatalf("bounce %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no bounce in 5 s")
	}
	bot := p.Dial(t, "bot@localhost", "botpass")
	go func() {
		m := <-bot.chats
		bot.Send(Bare(m.Remote), "r-"+m.ID, "echo "+m.Text)
	}()
	from, text := budi.FirstReply(t, "bot@localhost", "q", "halo", 5*time.Second)
	if from != "bot@localhost" || text != "echo halo" {
		t.Fatalf("reply from %s: %q", from, text)
	}
	budi.Quiet(t, 100*time.Millisecond)
}
