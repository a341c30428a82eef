package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/chat"
	"github.com/loket/loket/internal/chat/telegram/telegramtest"
)

const testToken = "123456789:AAH-secret_token-XYZ"

// newFakeAPI starts a Bot API stand-in for testToken.
func newFakeAPI(t *testing.T, prefix string) *telegramtest.Server {
	return telegramtest.New(t, testToken, prefix)
}

func newChannel(t *testing.T, apiURL string, poll time.Duration) (*Channel, *syncBuffer) {
	t.Helper()
	var logs syncBuffer
	c, err := New(Config{Token: testToken, APIURL: apiURL, PollTimeout: poll}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s := logs.String(); strings.Contains(s, testToken) || strings.Contains(s, "secret") {
			t.Errorf("the log holds the token:\n%s", s)
		}
	})
	return c, &logs
}

type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}

// receiver runs Receive in the background and collects what it delivers.
type receiver struct {
	cancel context.CancelFunc
	done   chan error
	msgs   chan chat.Message
}

func receive(t *testing.T, c *Channel, deliver func(context.Context, chat.Message) error) *receiver {
	ctx, cancel := context.WithCancel(t.Context())
	r := &receiver{cancel: cancel, done: make(chan error, 1), msgs: make(chan chat.Message, 100)}
	go func() {
		r.done <- c.Receive(ctx, func(ctx context.Context, m chat.Message) error {
			if deliver != nil {
				if err := deliver(ctx, m); err != nil {
					return err
				}
			}
			r.msgs <- m
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			t.Error("Receive did not return after cancel")
		}
	})
	return r
}

func (r *receiver) next(t *testing.T) chat.Message {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case err := <-r.done:
		t.Fatalf("Receive returned %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("no message delivered")
	}
	return chat.Message{}
}

func (r *receiver) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case m := <-r.msgs:
		t.Fatalf("unexpected message %+v", m)
	case <-time.After(d):
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Token: testToken}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "telegram" || c.apiURL != DefaultAPIURL || c.poll != DefaultPollTimeout {
		t.Errorf("defaults: %q %q %v", c.Name(), c.apiURL, c.poll)
	}
	if c.pollClient.Timeout <= c.poll {
		t.Errorf("poll client timeout %v, poll %v", c.pollClient.Timeout, c.poll)
	}
	c, err = New(Config{Token: testToken, APIURL: "http://tg.internal:8081/", PollTimeout: 1500 * time.Millisecond, Client: &http.Client{Timeout: 5 * time.Second}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := New(Config{Token: testToken, Client: &http.Client{}}, nil); c.pollClient.Timeout != c.poll+pollSlack || c.client.Timeout != 0 {
		t.Errorf("a client without a timeout: poll %v, send %v", c.pollClient.Timeout, c.client.Timeout)
	}
	if c.apiURL != "http://tg.internal:8081" || c.poll != 2*time.Second || c.client.Timeout != 5*time.Second || c.pollClient.Timeout <= 2*time.Second {
		t.Errorf("got %q %v %v %v", c.apiURL, c.poll, c.client.Timeout, c.pollClient.Timeout)
	}
	for _, cfg := range []Config{
		{Token: ""},
		{Token: "123456"},
		{Token: "abc:def"},
		{Token: "123:abc def"},
		{Token: testToken, APIURL: "api.telegram.org"},
		{Token: testToken, APIURL: "ftp://api.telegram.org"},
		{Token: testToken, APIURL: "https://"},
		{Token: testToken, PollTimeout: -time.Second},
	} {
		if _, err := New(cfg, nil); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		} else if cfg.Token != "" && strings.Contains(err.Error(), cfg.Token) {
			t.Errorf("error repeats the token: %v", err)
		}
	}
}

func TestReceiveInOrder(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, time.Second)
	f.Push(telegramtest.TextMessage(111, 5, "private", "Budi", "Santoso", "budis", "SAL.1234"))
	f.Push(telegramtest.TextMessage(111, 6, "private", "Budi", "Santoso", "budis", "CEK.1234"))
	f.Push(telegramtest.TextMessage(-1002, 7, "supergroup", "", "", "sari_cell", "HARGA.TSEL"))
	f.Push(telegramtest.TextMessage(-1002, 7, "channel", "Kanal", "", "", "post")) // not a chat with people
	r := receive(t, c, nil)
	want := []chat.Message{
		{Channel: "telegram", ID: "111:5", From: "111", Name: "Budi Santoso", Text: "SAL.1234", At: time.Unix(1765000005, 0)},
		{Channel: "telegram", ID: "111:6", From: "111", Name: "Budi Santoso", Text: "CEK.1234", At: time.Unix(1765000006, 0)},
		{Channel: "telegram", ID: "-1002:7", From: "-1002", Name: "sari_cell", Text: "HARGA.TSEL", At: time.Unix(1765000007, 0)},
	}
	// Chats side by side, a chat's messages in order.
	var got []chat.Message
	for range want {
		got = append(got, r.next(t))
	}
	at := func(id string) int { return slices.IndexFunc(got, func(m chat.Message) bool { return m.ID == id }) }
	for _, w := range want {
		if i := at(w.ID); i < 0 || got[i].Seq == 0 || func(m chat.Message) chat.Message { m.Seq = 0; return m }(got[i]) != w {
			t.Errorf("got %+v\nwant %+v (and a Seq)", got, w)
		}
	}
	if at("111:5") > at("111:6") || got[at("111:5")].Seq >= got[at("111:6")].Seq {
		t.Errorf("a chat's messages out of order: %+v", got)
	}
	// One queued while Receive is mid long-poll arrives at once.
	f.Push(telegramtest.TextMessage(222, 1, "group", "Ani", "", "", "HELP"))
	if m := r.next(t); m.ID != "222:1" || m.Name != "Ani" || m.Text != "HELP" {
		t.Errorf("got %+v", m)
	}
	r.none(t, 100*time.Millisecond)
}

func TestConfirmOnlyAfterDeliver(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, time.Second)
	var mu sync.Mutex
	attempts := map[string]int{}
	first := f.Push(telegramtest.TextMessage(111, 1, "private", "Budi", "", "", "one"))
	f.Push(telegramtest.TextMessage(111, 2, "private", "Budi", "", "", "two"))
	r := receive(t, c, func(_ context.Context, m chat.Message) error {
		mu.Lock()
		defer mu.Unlock()
		attempts[m.ID]++
		if m.ID == "111:2" && attempts[m.ID] == 1 {
			return errors.New("database is down")
		}
		return nil
	})
	for _, id := range []string{"111:1", "111:2"} {
		if m := r.next(t); m.ID != id {
			t.Fatalf("got %s, want %s", m.ID, id)
		}
	}
	r.none(t, 100*time.Millisecond)
	mu.Lock()
	if attempts["111:1"] != 1 || attempts["111:2"] != 2 {
		t.Errorf("attempts %v", attempts)
	}
	mu.Unlock()
	// The failed update was asked for again: the offset after it stopped at it.
	offsets := f.Offsets()
	if !slices.Contains(offsets, first+1) || slices.Index(offsets, first+1) > slices.Index(offsets, first+2) {
		t.Errorf("offsets %v", offsets)
	}
}

func TestSkipsNonText(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, time.Second)
	sticker := telegramtest.TextMessage(111, 1, "private", "Budi", "", "", "")
	delete(sticker, "text")
	sticker["sticker"] = map[string]any{"file_id": "x"}
	photo := telegramtest.TextMessage(111, 2, "private", "Budi", "", "", "")
	delete(photo, "text")
	photo["caption"] = "SAL.1234"
	join := telegramtest.TextMessage(-5, 3, "group", "Budi", "", "", "")
	delete(join, "text")
	join["new_chat_members"] = []any{map[string]any{"id": 9, "first_name": "X"}}
	f.Push(sticker)
	f.Push(photo)
	f.Push(nil)
	f.Push(join)
	last := f.Push(telegramtest.TextMessage(111, 4, "private", "Budi", "", "", "SAL.1234"))
	r := receive(t, c, nil)
	if m := r.next(t); m.ID != "111:4" {
		t.Errorf("got %+v", m)
	}
	r.none(t, 100*time.Millisecond)
	if offsets := f.Offsets(); offsets[len(offsets)-1] != last+1 || f.Pending() != 0 {
		t.Errorf("offsets %v, left %d", offsets, f.Pending())
	}
}

func TestReceive429WaitsRetryAfter(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, logs := newChannel(t, f.URL, time.Second)
	f.Fail("getUpdates", telegramtest.Failure{Status: 429, Desc: "Too Many Requests: retry after 1", RetryAfter: 1})
	f.Push(telegramtest.TextMessage(111, 1, "private", "Budi", "", "", "SAL.1234"))
	start := time.Now()
	r := receive(t, c, nil)
	if m := r.next(t); m.ID != "111:1" {
		t.Errorf("got %+v", m)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("delivered after %v: retry_after 1 not honoured", d)
	}
	if !strings.Contains(logs.String(), "rate limited") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
}

func TestReceiveErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fl   telegramtest.Failure
		want string
	}{
		{telegramtest.Failure{Status: 401, Desc: "Unauthorized"}, "refused the token"},
		{telegramtest.Failure{Status: 404, Desc: "Not Found"}, "refused the token"},
		{telegramtest.Failure{Status: 409, Desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}, "webhook"},
		{telegramtest.Failure{Status: 500, Desc: "Internal Server Error", Plain: true}, "500"},
		{telegramtest.Failure{Status: 502, Desc: "Bad Gateway"}, "502"},
	} {
		t.Run(strconv.Itoa(tc.fl.Status), func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, "")
			c, _ := newChannel(t, f.URL, time.Second)
			f.Fail("getUpdates", tc.fl)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			err := c.Receive(ctx, func(context.Context, chat.Message) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "secret") {
				t.Errorf("the error holds the token: %v", err)
			}
			if ae, ok := errors.AsType[*APIError](err); !ok || ae.Code != tc.fl.Status || ae.Method != "getUpdates" {
				t.Errorf("APIError = %+v", ae)
			}
		})
	}
}

func TestErrorsRedactToken(t *testing.T) {
	t.Parallel()
	// A refused connection: the client's error names the URL, token and all.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, _ := newChannel(t, url, time.Second)
	err := c.Receive(t.Context(), func(context.Context, chat.Message) error { return nil })
	if err == nil || strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "<token>") {
		t.Errorf("Receive: %v", err)
	}
	err = c.Send(t.Context(), chat.Reply{To: "111", Text: "hi"})
	if err == nil || strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "<token>") {
		t.Errorf("Send: %v", err)
	}
	// A wrong token: the server's 401.
	f2 := newFakeAPI(t, "")
	f2.Fail("sendMessage", telegramtest.Failure{Status: 401, Desc: "Unauthorized"})
	c, _ = newChannel(t, f2.URL, time.Second)
	err = c.Send(t.Context(), chat.Reply{To: "111", Text: "hi"})
	if ae, ok := errors.AsType[*APIError](err); !ok || ae.Code != 401 || strings.Contains(err.Error(), testToken) {
		t.Errorf("Send: %v", err)
	}
}

func TestCancelEndsLongPoll(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, 20*time.Second)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Receive(ctx, func(context.Context, chat.Message) error { return nil }) }()
	time.Sleep(200 * time.Millisecond) // mid long-poll
	cancel()
	returnsNil(t, done, time.Second)
}

// returnsNil fails unless Receive's result on done is nil and comes within d.
func returnsNil(t *testing.T, done <-chan error, d time.Duration) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Receive = %v, want nil", err)
		}
	case <-time.After(d):
		t.Fatalf("Receive did not return within %v of the cancel", d)
	}
}

func TestCancelDuringRetryPause(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, time.Second)
	c.pause = time.Minute
	f.Push(telegramtest.TextMessage(111, 1, "private", "Budi", "", "", "SAL.1234"))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- c.Receive(ctx, func(context.Context, chat.Message) error {
			time.AfterFunc(100*time.Millisecond, cancel)
			return errors.New("not now")
		})
	}()
	returnsNil(t, done, time.Second+100*time.Millisecond) // the pause is a minute
}

func TestSelfHostedAPIURL(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "/telegram-bot-api")
	c, _ := newChannel(t, f.URL+"/telegram-bot-api/", time.Second)
	f.Push(telegramtest.TextMessage(111, 1, "private", "Budi", "", "", "SAL.1234"))
	r := receive(t, c, nil)
	if m := r.next(t); m.ID != "111:1" {
		t.Errorf("got %+v", m)
	}
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: "Saldo Rp 10.000"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Paths() {
		if !strings.HasPrefix(p, "/telegram-bot-api/bot"+testToken+"/") {
			t.Errorf("request to %s", p)
		}
	}
}

func TestSendText(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, time.Second)
	text := "Sukses: TSEL10 ke 08123 *bold* <b>x</b> _y_"
	if err := c.Send(t.Context(), chat.Reply{To: "-1002", Text: text}); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: "Bayar QRIS", PhotoURL: "https://loket.example/q/1.png"}); err != nil {
		t.Fatal(err)
	}
	got := f.Sent()
	want := []telegramtest.Sent{
		{Method: "sendMessage", ChatID: "-1002", Text: text, NoParse: true},
		{Method: "sendMessage", ChatID: "111", Text: "Bayar QRIS\nhttps://loket.example/q/1.png", NoParse: true},
	}
	if !slices.EqualFunc(got, want, func(a, b telegramtest.Sent) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if err := c.Send(t.Context(), chat.Reply{To: "budi", Text: "x"}); err == nil {
		t.Error("a chat id that is no number was accepted")
	}
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: " \n"}); err == nil {
		t.Error("an empty reply was accepted")
	}
}

// Sends at once keep their connections: a burst of replies, then another, opens about
// as many connections as the first one needed (http.DefaultTransport keeps 2 and
// opened the rest again: a TLS handshake each with api.telegram.org).
func TestSendKeepsConnections(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, time.Second)
	const at = 32
	for range 3 {
		var wg sync.WaitGroup
		for i := range at {
			wg.Go(func() {
				if err := c.Send(t.Context(), chat.Reply{To: fmt.Sprint(100 + i), Text: "Saldo Rp 1.000"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := f.Conns(); n > at+2 {
		t.Errorf("%d connections for 3 bursts of %d sends, want at most %d", n, at, at+2)
	}
}

var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake qris \x00\xff")

func TestSendPhoto(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, time.Second)
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: "Deposit Rp 50.123\nScan QRIS ini", Photo: png, PhotoURL: "https://x/q.png"}); err != nil {
		t.Fatal(err)
	}
	got := f.Sent()
	if len(got) != 1 {
		t.Fatalf("sent %+v", got)
	}
	s := got[0]
	if s.Method != "sendPhoto" || s.ChatID != "111" || s.Text != "Deposit Rp 50.123\nScan QRIS ini" ||
		!bytes.Equal(s.Photo, png) || s.FileName != "qris.png" || s.ContentType != "image/png" || !s.NoParse {
		t.Errorf("got %+v", s)
	}

	// A text past the caption's limit: its first line as the caption, then all of it.
	long := "Deposit Rp 50.123\n" + strings.Repeat("Transfer tepat sampai 3 digit terakhir.\n", 40)
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: long, Photo: png}); err != nil {
		t.Fatal(err)
	}
	got = f.Sent()[1:]
	if len(got) != 2 || got[0].Method != "sendPhoto" || got[0].Text != "Deposit Rp 50.123" || !bytes.Equal(got[0].Photo, png) ||
		got[1].Method != "sendMessage" || got[1].Text != strings.TrimRight(long, "\n") {
		t.Errorf("got %+v", got)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, time.Second)
	var lines []string
	for i := range 300 {
		lines = append(lines, fmt.Sprintf("TSEL%03d Telkomsel %d.000 Rp %d — ✅", i, i, i*1000+150))
	}
	lines = append(lines, strings.Repeat("😀", 2100)) // one line past the limit: 4200 UTF-16 units
	text := strings.Join(lines, "\n")
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: text}); err != nil {
		t.Fatal(err)
	}
	got := f.Sent()
	if len(got) < 4 {
		t.Fatalf("%d messages", len(got))
	}
	var all []string
	for i, s := range got {
		if s.Method != "sendMessage" || utf16Len(s.Text) > MaxText || s.Text == "" {
			t.Errorf("message %d: %s, %d units", i, s.Method, utf16Len(s.Text))
		}
		all = append(all, s.Text)
	}
	// Cut at line breaks (the long line aside): rejoined they are the text.
	joined := strings.Join(all[:len(all)-2], "\n")
	if joined != strings.Join(lines[:300], "\n") {
		t.Error("the parts rejoined are not the lines")
	}
	if all[len(all)-2]+all[len(all)-1] != lines[300] {
		t.Error("the long line was not cut in two")
	}
}

func TestSend429(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, time.Second)
	f.Fail("sendMessage", telegramtest.Failure{Status: 429, Desc: "Too Many Requests: retry after 7", RetryAfter: 7})
	err := c.Send(t.Context(), chat.Reply{To: "111", Text: "hi"})
	ae, ok := errors.AsType[*APIError](err)
	if !ok || ae.Code != 429 || ae.RetryAfter != 7*time.Second || !strings.Contains(err.Error(), "retry_after 7s") {
		t.Errorf("err = %v", err)
	}
	f.Fail("sendPhoto", telegramtest.Failure{Status: 400, Desc: "Bad Request: chat not found"})
	err = c.Send(t.Context(), chat.Reply{To: "111", Text: "hi", Photo: png})
	if err == nil || !strings.Contains(err.Error(), "chat not found") {
		t.Errorf("err = %v", err)
	}
	if len(f.Sent()) != 0 {
		t.Errorf("sent %+v", f.Sent())
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		n    int
		want []string
	}{
		{"", 10, nil},
		{"abc", 10, []string{"abc"}},
		{"aaa\nbbb\nccc", 7, []string{"aaa\nbbb", "ccc"}},
		{"aaa\n\nbbb", 5, []string{"aaa", "bbb"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"ab\nabcdefghij\ncd", 4, []string{"ab", "abcd", "efgh", "ij", "cd"}},
		{"é😀x", 3, []string{"é😀", "x"}},
	} {
		if got := split(tc.s, tc.n); !slices.Equal(got, tc.want) {
			t.Errorf("split(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// Receive takes messages in a window that slides over more updates than one answer
// holds: chats side by side, each chat's messages in order, at most 100 under way; a
// message that fails is given again with those after it, and its chat's later
// messages wait for it. Every update is confirmed in the end.
func TestReceiveWindow(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, "")
	c, _ := newChannel(t, f.URL, time.Second)
	c.pause = 20 * time.Millisecond
	const chats, each = 7, 60
	var last int64
	for i := range each {
		for ch := range chats {
			last = f.Push(telegramtest.TextMessage(int64(100+ch), int64(i), "private", "Budi", "", "", fmt.Sprint(i)))
		}
	}
	var mu sync.Mutex
	taken := map[string]bool{}     // the inbox: a message taken once is not taken again
	order := map[string][]string{} // each chat's messages in the order first taken
	failedOnce := false
	under, most := 0, 0
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- c.Receive(ctx, func(_ context.Context, m chat.Message) error {
			mu.Lock()
			under++
			most = max(most, under)
			mu.Unlock()
			time.Sleep(time.Duration(len(m.ID)%3) * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			under--
			if m.ID == "103:20" && !failedOnce {
				failedOnce = true
				return errors.New("database is down")
			}
			if !taken[m.ID] {
				taken[m.ID] = true
				order[m.From] = append(order[m.From], m.Text)
			}
			return nil
		})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for f.Pending() > 0 || !slices.Contains(f.Offsets(), last+1) {
		if time.Now().After(deadline) {
			t.Fatalf("%d updates left unconfirmed", f.Pending())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !failedOnce || len(taken) != chats*each {
		t.Fatalf("taken %d of %d (failed once: %v)", len(taken), chats*each, failedOnce)
	}
	for from, texts := range order {
		for i, text := range texts {
			if text != fmt.Sprint(i) {
				t.Fatalf("chat %s out of order: %v", from, texts)
			}
		}
	}
	if most < 2 || most > maxTaking {
		t.Errorf("at most %d under way at once", most)
	}
}
