// Package telegramtest is a Telegram Bot API stand-in for tests, as net/http/httptest
// is for HTTP: a queue of updates served by getUpdates with offset semantics, long
// polling and at most limit (100) an answer, sendMessage and sendPhoto recorded, and
// failures queued per method.
package telegramtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Failure is an answer a method gives once instead of its own (Server.Fail).
type Failure struct {
	Status     int
	Desc       string
	RetryAfter int  // seconds, as parameters.retry_after
	Plain      bool // a plain-text body, as a proxy in front would give
}

// Sent is one message the stand-in was asked to send.
type Sent struct {
	Method      string // sendMessage or sendPhoto
	ChatID      string
	Text        string // sendMessage's text, sendPhoto's caption
	Photo       []byte
	FileName    string
	ContentType string
	NoParse     bool // no parse_mode was given
}

// Server is a Bot API stand-in for one bot token.
type Server struct {
	URL string // the stand-in's base URL (without the path prefix)

	t      testing.TB
	token  string
	prefix string // the path before /bot<token>/, for a self-hosted server

	mu       sync.Mutex
	updates  []json.RawMessage // the updates not yet confirmed, in order
	ids      []int64           // their update_ids
	nextID   int64
	queued   chan struct{} // closed (and replaced) when an update is queued
	failures map[string][]Failure
	sent     []Sent
	offsets  []int64 // the offsets getUpdates was asked for
	paths    []string
	polling  int // getUpdates calls in progress
	maxPoll  int // the most at once
	conns    int // connections opened to the stand-in
}

// New starts a stand-in for token whose methods are under pathPrefix+"/bot<token>/"
// ("" for the public API's layout); it is closed when the test ends.
func New(t testing.TB, token, pathPrefix string) *Server {
	s := &Server{t: t, token: token, prefix: pathPrefix, nextID: 1000, queued: make(chan struct{}), failures: map[string][]Failure{}}
	srv := httptest.NewUnstartedServer(s)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Conns is how many connections were opened to the stand-in.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Fail makes the next call of method answer f; calls queue failures in order.
func (s *Server) Fail(method string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], f)
}

// Push queues one update and returns its update_id; message is the update's message
// object (nil: an update with only update_id and a my_chat_member).
func (s *Server) Push(message map[string]any) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	u := map[string]any{"update_id": s.nextID}
	if message != nil {
		u["message"] = message
	} else {
		u["my_chat_member"] = map[string]any{"chat": map[string]any{"id": 1, "type": "private"}}
	}
	b, _ := json.Marshal(u)
	s.updates = append(s.updates, b)
	s.ids = append(s.ids, s.nextID)
	close(s.queued)
	s.queued = make(chan struct{})
	return s.nextID
}

// TextMessage is a message object with text, from a user whose id is chatID, in a
// chat of chatType ("private", "group", "supergroup", "channel"); empty last and user
// are left out.
func TextMessage(chatID, msgID int64, chatType, first, last, user, text string) map[string]any {
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

// SentCount is how many messages were sent so far.
func (s *Server) SentCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// Sent is what was sent so far, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// WaitSent waits until at least n messages were sent and returns them all; it fails
// the test after timeout.
func (s *Server) WaitSent(t testing.TB, n int, timeout time.Duration) []Sent {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if got := s.Sent(); len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			got := s.Sent()
			t.Fatalf("telegramtest: %d messages sent within %v, want %d: %+v", len(got), timeout, n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Offsets are the offsets getUpdates was asked for, each once in a row.
func (s *Server) Offsets() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.offsets)
}

// Paths are the paths of every request, in order.
func (s *Server) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.paths)
}

// MaxPolling is the most getUpdates calls that were in progress at once: more than one
// means two readers of the bot at a time (Telegram answers one of them 409 Conflict).
func (s *Server) MaxPolling() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxPoll
}

// Pending is the number of updates queued and not yet confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func badRequest(w http.ResponseWriter, err error) {
	reply(w, 400, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: " + err.Error()})
}

// ServeHTTP answers the Bot API's methods.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.paths = append(s.paths, r.URL.Path)
	s.mu.Unlock()
	method, ok := strings.CutPrefix(r.URL.Path, s.prefix+"/bot"+s.token+"/")
	if !ok || r.Method != http.MethodPost {
		reply(w, 404, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	s.mu.Lock()
	var fl *Failure
	if q := s.failures[method]; len(q) > 0 {
		fl = &q[0]
		s.failures[method] = q[1:]
	}
	s.mu.Unlock()
	if fl != nil {
		if fl.Plain {
			http.Error(w, fl.Desc, fl.Status)
			return
		}
		res := map[string]any{"ok": false, "error_code": fl.Status, "description": fl.Desc}
		if fl.RetryAfter > 0 {
			res["parameters"] = map[string]any{"retry_after": fl.RetryAfter}
		}
		reply(w, fl.Status, res)
		return
	}
	switch method {
	case "getUpdates":
		s.getUpdates(w, r)
	case "sendMessage":
		var req map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber() // chat_id as sent: 7000001, not 7e+06
		if err := dec.Decode(&req); err != nil {
			badRequest(w, err)
			return
		}
		text, _ := req["text"].(string)
		_, parse := req["parse_mode"]
		s.record(Sent{Method: method, ChatID: fmt.Sprint(req["chat_id"]), Text: text, NoParse: !parse})
		reply(w, 200, map[string]any{"ok": true, "result": map[string]any{"message_id": 1}})
	case "sendPhoto":
		p, err := readPhoto(r)
		if err != nil {
			badRequest(w, err)
			return
		}
		s.record(p)
		reply(w, 200, map[string]any{"ok": true, "result": map[string]any{"message_id": 2}})
	default:
		reply(w, 404, map[string]any{"ok": false, "error_code": 404, "description": "Not Found: method not found"})
	}
}

func readPhoto(r *http.Request) (Sent, error) {
	s := Sent{Method: "sendPhoto", NoParse: true}
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
			s.ChatID = string(b)
		case "caption":
			s.Text = string(b)
		case "parse_mode":
			s.NoParse = false
		case "photo":
			s.Photo, s.FileName, s.ContentType = b, p.FileName(), p.Header.Get("Content-Type")
		}
	}
	if s.Photo == nil {
		return s, errors.New("no photo")
	}
	return s, nil
}

func (s *Server) record(x Sent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, x)
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Offset         int64    `json:"offset"`
		Limit          int      `json:"limit"`
		Timeout        int      `json:"timeout"`
		AllowedUpdates []string `json:"allowed_updates"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		badRequest(w, err)
		return
	}
	if req.Limit <= 0 || req.Limit > 100 { // the Bot API's default and most
		req.Limit = 100
	}
	if !slices.Equal(req.AllowedUpdates, []string{"message"}) {
		s.t.Errorf("telegramtest: allowed_updates = %v", req.AllowedUpdates)
	}
	s.mu.Lock()
	s.polling++
	s.maxPoll = max(s.maxPoll, s.polling)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.polling--
		s.mu.Unlock()
	}()
	deadline := time.NewTimer(time.Duration(req.Timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.offsets) == 0 || s.offsets[len(s.offsets)-1] != req.Offset {
			s.offsets = append(s.offsets, req.Offset)
		}
		if req.Offset != 0 { // confirm the updates before offset
			for len(s.ids) > 0 && s.ids[0] < req.Offset {
				s.ids, s.updates = s.ids[1:], s.updates[1:]
			}
		}
		if len(s.updates) > 0 || req.Timeout == 0 {
			res := append([]json.RawMessage{}, s.updates[:min(len(s.updates), req.Limit)]...)
			s.mu.Unlock()
			reply(w, 200, map[string]any{"ok": true, "result": res})
			return
		}
		queued := s.queued
		s.mu.Unlock()
		select {
		case <-queued:
		case <-deadline.C:
			reply(w, 200, map[string]any{"ok": true, "result": []any{}})
			return
		case <-r.Context().Done():
			return
		}
	}
}
