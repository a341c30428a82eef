package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/chat"
)

const testToken = "123456789:AAH-secret_token-XYZ"

// fakeAPI is a Bot API stand-in: a queue of updates served by getUpdates with offset
// semantics and long polling, sendMessage and sendPhoto recorded, and failures queued
// per method.
type fakeAPI struct {
	t      *testing.T
	prefix string // the path before /bot<token>/, for a self-hosted server

	mu       sync.Mutex
	updates  []json.RawMessage // the updates not yet confirmed, in order
	ids      []int64           // their update_ids
	nextID   int64
	queued   chan struct{} // closed (and replaced) when an update is queued
	failures map[string][]failure
	sent     []sent
	offsets  []int64 // the offsets getUpdates was asked for
	paths    []string
}

type failure struct {
	status     int
	desc       string
	retryAfter int
	plain      bool // a plain-text body, as a proxy in front would give
}

type sent struct {
	method  string
	chatID  string
	text    string // sendMessage's text, sendPhoto's caption
	photo   []byte
	fname   string
	ctype   string
	noParse bool // no parse_mode was given
}

func newFakeAPI(t *testing.T, prefix string) (*fakeAPI, *httptest.Server) {
	f := &fakeAPI{t: t, prefix: prefix, nextID: 1000, queued: make(chan struct{}), failures: map[string][]failure{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeAPI) fail(method string, fl failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[method] = append(f.failures[method], fl)
}

// push queues one update; message is the update's message object (nil: an update
// with only update_id and a my_chat_member, say).
func (f *fakeAPI) push(message map[string]any) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	u := map[string]any{"update_id": f.nextID}
	if message != nil {
		u["message"] = message
	} else {
		u["my_chat_member"] = map[string]any{"chat": map[string]any{"id": 1, "type": "private"}}
	}
	b, _ := json.Marshal(u)
	f.updates = append(f.updates, b)
	f.ids = append(f.ids, f.nextID)
	close(f.queued)
	f.queued = make(chan struct{})
	return f.nextID
}

func textMsg(chatID, msgID int64, chatType, first, last, user, text string) map[string]any {
	from := map[string]any{"id": chatID, "is_bot": false, "first_name": first}
	if last != "" {
		from["last_name"] = last
	}
	if user != "" {
		from["username"] = user
	}
	return map[string]any{
		"message_id": msgID, "date": 1765000000 + msgID, "text": text, "from": from,
		"chat": map[string]any{"id": chatID, "type": chatType},
	}
}

func (f *fakeAPI) reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	f.mu.Unlock()
	method, ok := strings.CutPrefix(r.URL.Path, f.prefix+"/bot"+testToken+"/")
	if !ok || r.Method != http.MethodPost {
		f.reply(w, 404, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	f.mu.Lock()
	var fl *failure
	if q := f.failures[method]; len(q) > 0 {
		fl = &q[0]
		f.failures[method] = q[1:]
	}
	f.mu.Unlock()
	if fl != nil {
		if fl.plain {
			http.Error(w, fl.desc, fl.status)
			return
		}
		res := map[string]any{"ok": false, "error_code": fl.status, "description": fl.desc}
		if fl.retryAfter > 0 {
			res["parameters"] = map[string]any{"retry_after": fl.retryAfter}
		}
		f.reply(w, fl.status, res)
		return
	}
	switch method {
	case "getUpdates":
		f.getUpdates(w, r)
	case "sendMessage":
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			f.reply(w, 400, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
			return
		}
		text, _ := req["text"].(string)
		_, parse := req["parse_mode"]
		f.record(sent{method: method, chatID: fmt.Sprint(req["chat_id"]), text: text, noParse: !parse})
		f.reply(w, 200, map[string]any{"ok": true, "result": map[string]any{"message_id": 1}})
	case "sendPhoto":
		s, err := readPhoto(r)
		if err != nil {
			f.reply(w, 400, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
			return
		}
		f.record(s)
		f.reply(w, 200, map[string]any{"ok": true, "result": map[string]any{"message_id": 2}})
	default:
		f.reply(w, 404, map[string]any{"ok": false, "error_code": 404, "description": "Not Found: method not found"})
	}
}

func readPhoto(r *http.Request) (sent, error) {
	s := sent{method: "sendPhoto", noParse: true}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return s, fmt.Errorf("content type %q", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return s, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return s, err
		}
		switch p.FormName() {
		case "chat_id":
			s.chatID = string(b)
		case "caption":
			s.text = string(b)
		case "parse_mode":
			s.noParse = false
		case "photo":
			s.photo, s.fname, s.ctype = b, p.FileName(), p.Header.Get("Content-Type")
		}
	}
	if s.photo == nil {
		return s, errors.New("no photo")
	}
	return s, nil
}

func (f *fakeAPI) record(s sent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, s)
}

func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Offset         int64    `json:"offset"`
		Timeout        int      `json:"timeout"`
		AllowedUpdates []string `json:"allowed_updates"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.reply(w, 400, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
		return
	}
	if !slices.Equal(req.AllowedUpdates, []string{"message"}) {
		f.t.Errorf("allowed_updates = %v", req.AllowedUpdates)
	}
	deadline := time.NewTimer(time.Duration(req.Timeout) * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		if len(f.offsets) == 0 || f.offsets[len(f.offsets)-1] != req.Offset {
			f.offsets = append(f.offsets, req.Offset)
		}
		if req.Offset != 0 { // confirm the updates before offset
			for len(f.ids) > 0 && f.ids[0] < req.Offset {
				f.ids, f.updates = f.ids[1:], f.updates[1:]
			}
		}
		if len(f.updates) > 0 || req.Timeout == 0 {
			res := append([]json.RawMessage{}, f.updates...)
			f.mu.Unlock()
			f.reply(w, 200, map[string]any{"ok": true, "result": res})
			return
		}
		queued := f.queued
		f.mu.Unlock()
		select {
		case <-queued:
		case <-deadline.C:
			f.reply(w, 200, map[string]any{"ok": true, "result": []any{}})
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (f *fakeAPI) sends() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sent)
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
	f, srv := newFakeAPI(t, "")
	c, _ := newChannel(t, srv.URL, time.Second)
	f.push(textMsg(111, 5, "private", "Budi", "Santoso", "budis", "SAL.1234"))
	f.push(textMsg(111, 6, "private", "Budi", "Santoso", "budis", "CEK.1234"))
	f.push(textMsg(-1002, 7, "supergroup", "", "", "sari_cell", "HARGA.TSEL"))
	f.push(textMsg(-1002, 7, "channel", "Kanal", "", "", "post")) // not a chat with people
	r := receive(t, c, nil)
	want := []chat.Message{
		{Channel: "telegram", ID: "111:5", From: "111", Name: "Budi Santoso", Text: "SAL.1234", At: time.Unix(1765000005, 0)},
		{Channel: "telegram", ID: "111:6", From: "111", Name: "Budi Santoso", Text: "CEK.1234", At: time.Unix(1765000006, 0)},
		{Channel: "telegram", ID: "-1002:7", From: "-1002", Name: "sari_cell", Text: "HARGA.TSEL", At: time.Unix(1765000007, 0)},
	}
	for _, w := range want {
		if m := r.next(t); m != w {
			t.Errorf("got %+v\nwant %+v", m, w)
		}
	}
	// One queued while Receive is mid long-poll arrives at once.
	f.push(textMsg(222, 1, "group", "Ani", "", "", "HELP"))
	if m := r.next(t); m.ID != "222:1" || m.Name != "Ani" || m.Text != "HELP" {
		t.Errorf("got %+v", m)
	}
	r.none(t, 100*time.Millisecond)
}

func TestConfirmOnlyAfterDeliver(t *testing.T) {
	t.Parallel()
	f, srv := newFakeAPI(t, "")
	c, _ := newChannel(t, srv.URL, time.Second)
	var mu sync.Mutex
	attempts := map[string]int{}
	first := f.push(textMsg(111, 1, "private", "Budi", "", "", "one"))
	f.push(textMsg(111, 2, "private", "Budi", "", "", "two"))
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
	f.mu.Lock()
	offsets := slices.Clone(f.offsets)
	f.mu.Unlock()
	if !slices.Contains(offsets, first+1) || slices.Index(offsets, first+1) > slices.Index(offsets, first+2) {
		t.Errorf("offsets %v", offsets)
	}
}

func TestSkipsNonText(t *testing.T) {
	t.Parallel()
	f, srv := newFakeAPI(t, "")
	c, _ := newChannel(t, srv.URL, time.Second)
	sticker := textMsg(111, 1, "private", "Budi", "", "", "")
	delete(sticker, "text")
	sticker["sticker"] = map[string]any{"file_id": "x"}
	photo := textMsg(111, 2, "private", "Budi", "", "", "")
	delete(photo, "text")
	photo["caption"] = "SAL.1234"
	join := textMsg(-5, 3, "group", "Budi", "", "", "")
	delete(join, "text")
	join["new_chat_members"] = []any{map[string]any{"id": 9, "first_name": "X"}}
	f.push(sticker)
	f.push(photo)
	f.push(nil)
	f.push(join)
	last := f.push(textMsg(111, 4, "private", "Budi", "", "", "SAL.1234"))
	r := receive(t, c, nil)
	if m := r.next(t); m.ID != "111:4" {
		t.Errorf("got %+v", m)
	}
	r.none(t, 100*time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.offsets[len(f.offsets)-1] != last+1 || len(f.updates) != 0 {
		t.Errorf("offsets %v, left %d", f.offsets, len(f.updates))
	}
}

func TestReceive429WaitsRetryAfter(t *testing.T) {
	t.Parallel()
	f, srv := newFakeAPI(t, "")
	c, logs := newChannel(t, srv.URL, time.Second)
	f.fail("getUpdates", failure{status: 429, desc: "Too Many Requests: retry after 1", retryAfter: 1})
	f.push(textMsg(111, 1, "private", "Budi", "", "", "SAL.1234"))
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
		fl   failure
		want string
	}{
		{failure{status: 401, desc: "Unauthorized"}, "refused the token"},
		{failure{status: 404, desc: "Not Found"}, "refused the token"},
		{failure{status: 409, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}, "webhook"},
		{failure{status: 500, desc: "Internal Server Error", plain: true}, "500"},
		{failure{status: 502, desc: "Bad Gateway"}, "502"},
	} {
		t.Run(strconv.Itoa(tc.fl.status), func(t *testing.T) {
			t.Parallel()
			f, srv := newFakeAPI(t, "")
			c, _ := newChannel(t, srv.URL, time.Second)
			f.fail("getUpdates", tc.fl)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			err := c.Receive(ctx, func(context.Context, chat.Message) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "secret") {
				t.Errorf("the error holds the token: %v", err)
			}
			if ae, ok := errors.AsType[*APIError](err); !ok || ae.Code != tc.fl.status || ae.Method != "getUpdates" {
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
	f, srv2 := newFakeAPI(t, "")
	f.fail("sendMessage", failure{status: 401, desc: "Unauthorized"})
	c, _ = newChannel(t, srv2.URL, time.Second)
	err = c.Send(t.Context(), chat.Reply{To: "111", Text: "hi"})
	if ae, ok := errors.AsType[*APIError](err); !ok || ae.Code != 401 || strings.Contains(err.Error(), testToken) {
		t.Errorf("Send: %v", err)
	}
}

func TestCancelEndsLongPoll(t *testing.T) {
	t.Parallel()
	_, srv := newFakeAPI(t, "")
	c, _ := newChannel(t, srv.URL, 20*time.Second)
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
	f, srv := newFakeAPI(t, "")
	c, _ := newChannel(t, srv.URL, time.Second)
	c.pause = time.Minute
	f.push(textMsg(111, 1, "private", "Budi", "", "", "SAL.1234"))
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
	f, srv := newFakeAPI(t, "/telegram-bot-api")
	c, _ := newChannel(t, srv.URL+"/telegram-bot-api/", time.Second)
	f.push(textMsg(111, 1, "private", "Budi", "", "", "SAL.1234"))
	r := receive(t, c, nil)
	if m := r.next(t); m.ID != "111:1" {
		t.Errorf("got %+v", m)
	}
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: "Saldo Rp 10.000"}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.paths {
		if !strings.HasPrefix(p, "/telegram-bot-api/bot"+testToken+"/") {
			t.Errorf("request to %s", p)
		}
	}
}

func TestSendText(t *testing.T) {
	t.Parallel()
	f, srv := newFakeAPI(t, "")
	c, _ := newChannel(t, srv.URL, time.Second)
	text := "Sukses: TSEL10 ke 08123 *bold* <b>x</b> _y_"
	if err := c.Send(t.Context(), chat.Reply{To: "-1002", Text: text}); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: "Bayar QRIS", PhotoURL: "https://loket.example/q/1.png"}); err != nil {
		t.Fatal(err)
	}
	got := f.sends()
	want := []sent{
		{method: "sendMessage", chatID: "-1002", text: text, noParse: true},
		{method: "sendMessage", chatID: "111", text: "Bayar QRIS\nhttps://loket.example/q/1.png", noParse: true},
	}
	if !slices.EqualFunc(got, want, func(a, b sent) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if err := c.Send(t.Context(), chat.Reply{To: "budi", Text: "x"}); err == nil {
		t.Error("a chat id that is no number was accepted")
	}
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: " \n"}); err == nil {
		t.Error("an empty reply was accepted")
	}
}

var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake qris \x00\xff")

func TestSendPhoto(t *testing.T) {
	t.Parallel()
	f, srv := newFakeAPI(t, "")
	c, _ := newChannel(t, srv.URL, time.Second)
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: "Deposit Rp 50.123\nScan QRIS ini", Photo: png, PhotoURL: "https://x/q.png"}); err != nil {
		t.Fatal(err)
	}
	got := f.sends()
	if len(got) != 1 {
		t.Fatalf("sent %+v", got)
	}
	s := got[0]
	if s.method != "sendPhoto" || s.chatID != "111" || s.text != "Deposit Rp 50.123\nScan QRIS ini" ||
		!bytes.Equal(s.photo, png) || s.fname != "qris.png" || s.ctype != "image/png" || !s.noParse {
		t.Errorf("got %+v", s)
	}

	// A text past the caption's limit: its first line as the caption, then all of it.
	long := "Deposit Rp 50.123\n" + strings.Repeat("Transfer tepat sampai 3 digit terakhir.\n", 40)
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: long, Photo: png}); err != nil {
		t.Fatal(err)
	}
	got = f.sends()[1:]
	if len(got) != 2 || got[0].method != "sendPhoto" || got[0].text != "Deposit Rp 50.123" || !bytes.Equal(got[0].photo, png) ||
		got[1].method != "sendMessage" || got[1].text != strings.TrimRight(long, "\n") {
		t.Errorf("got %+v", got)
	}
}

func TestSendSplitsLongText(t *testing.T) {
	t.Parallel()
	f, srv := newFakeAPI(t, "")
	c, _ := newChannel(t, srv.URL, time.Second)
	var lines []string
	for i := range 300 {
		lines = append(lines, fmt.Sprintf("TSEL%03d Telkomsel %d.000 Rp %d — ✅", i, i, i*1000+150))
	}
	lines = append(lines, strings.Repeat("😀", 2100)) // one line past the limit: 4200 UTF-16 units
	text := strings.Join(lines, "\n")
	if err := c.Send(t.Context(), chat.Reply{To: "111", Text: text}); err != nil {
		t.Fatal(err)
	}
	got := f.sends()
	if len(got) < 4 {
		t.Fatalf("%d messages", len(got))
	}
	var all []string
	for i, s := range got {
		if s.method != "sendMessage" || utf16Len(s.text) > MaxText || s.text == "" {
			t.Errorf("message %d: %s, %d units", i, s.method, utf16Len(s.text))
		}
		all = append(all, s.text)
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
	f, srv := newFakeAPI(t, "")
	c, _ := newChannel(t, srv.URL, time.Second)
	f.fail("sendMessage", failure{status: 429, desc: "Too Many Requests: retry after 7", retryAfter: 7})
	err := c.Send(t.Context(), chat.Reply{To: "111", Text: "hi"})
	ae, ok := errors.AsType[*APIError](err)
	if !ok || ae.Code != 429 || ae.RetryAfter != 7*time.Second || !strings.Contains(err.Error(), "retry_after 7s") {
		t.Errorf("err = %v", err)
	}
	f.fail("sendPhoto", failure{status: 400, desc: "Bad Request: chat not found"})
	err = c.Send(t.Context(), chat.Reply{To: "111", Text: "hi", Photo: png})
	if err == nil || !strings.Contains(err.Error(), "chat not found") {
		t.Errorf("err = %v", err)
	}
	if len(f.sends()) != 0 {
		t.Errorf("sent %+v", f.sends())
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
