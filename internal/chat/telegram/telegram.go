// Package telegram is the Telegram chat channel: it reads messages from the Bot API by
// long polling (getUpdates) and answers with sendMessage and sendPhoto. It only carries
// text; the command engine in internal/chat reads it. Standard library only.
//
// The bot's token is part of every request's path (/bot<token>/method); it never
// appears in an error this package returns or a line it logs.
package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/loket/loket/internal/chat"
)

// Name is the channel's name.
const Name = "telegram"

// Defaults and limits.
const (
	DefaultAPIURL      = "https://api.telegram.org"
	DefaultPollTimeout = 25 * time.Second

	MaxText    = 4096 // a message's text, in UTF-16 code units
	MaxCaption = 1024 // a photo's caption, in UTF-16 code units

	sendTimeout   = 30 * time.Second // the default client's timeout, for sends
	pollSlack     = 15 * time.Second // the polling client waits this much longer than the poll
	maxBody       = 16 << 20         // a response's body, at most
	defaultPause  = 1500 * time.Millisecond
	maxRetryAfter = 10 * time.Minute
)

// Config configures a Channel.
type Config struct {
	Token string // the bot's token from @BotFather: digits, a colon, then letters
	// APIURL is the Bot API server, "https://api.telegram.org" when empty; operators
	// running a self-hosted Bot API server set theirs.
	APIURL string
	// PollTimeout is getUpdates' long-poll timeout (whole seconds), 25s when zero.
	PollTimeout time.Duration
	// Client makes the requests (newTransport's, with a 30 s timeout, when nil).
	// Long polls use a copy of it whose timeout outlasts the poll (PollTimeout + 15 s).
	Client *http.Client
}

// Channel is the Telegram chat channel; it implements chat.Channel.
type Channel struct {
	token      string
	base       string // APIURL + "/bot" + token
	apiURL     string
	poll       time.Duration
	client     *http.Client // sends
	pollClient *http.Client // getUpdates
	log        *slog.Logger
	pause      time.Duration // after deliver failed, before polling again
}

var _ chat.Channel = (*Channel)(nil)

var tokenRE = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// New checks cfg and returns the channel. A nil log discards.
func New(cfg Config, log *slog.Logger) (*Channel, error) {
	if !tokenRE.MatchString(cfg.Token) {
		// The value is not repeated: it may be a token with a typo.
		return nil, errors.New("telegram: the token does not look like a bot token (digits, a colon, then letters, digits, _ or -)")
	}
	api := strings.TrimRight(strings.TrimSpace(cfg.APIURL), "/")
	if api == "" {
		api = DefaultAPIURL
	}
	u, err := url.Parse(api)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("telegram: the API URL %q is not an absolute http(s) URL", api)
	}
	poll := cfg.PollTimeout
	switch {
	case poll < 0:
		return nil, fmt.Errorf("telegram: negative poll timeout %v", poll)
	case poll == 0:
		poll = DefaultPollTimeout
	case poll < time.Second:
		poll = time.Second
	}
	poll = time.Duration(math.Ceil(poll.Seconds())) * time.Second
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: sendTimeout, Transport: newTransport()}
	}
	pc := *client
	if pc.Timeout < poll+pollSlack { // none (0), or one a long poll outlasts
		pc.Timeout = poll + pollSlack
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Channel{
		token:      cfg.Token,
		base:       api + "/bot" + cfg.Token,
		apiURL:     api,
		poll:       poll,
		client:     client,
		pollClient: &pc,
		log:        log.With("channel", Name),
		pause:      defaultPause,
	}, nil
}

// Name is "telegram".
func (c *Channel) Name() string { return Name }

// APIError is a request the Bot API refused (ok:false) or answered with an HTTP
// status other than 2xx. Description is Telegram's, the token redacted.
type APIError struct {
	Method      string
	Code        int           // Telegram's error_code, or the HTTP status
	Description string        // Telegram's description, or the start of the body
	RetryAfter  time.Duration // 429: how long to wait before asking again
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("telegram: %s: %d %s", e.Method, e.Code, e.Description)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry_after %s)", e.RetryAfter)
	}
	return s
}

// redacted returns s without the token.
func (c *Channel) redacted(s string) string {
	return strings.ReplaceAll(s, c.token, "<token>")
}

// redact returns err without the token in its text. A *url.Error (what the client
// returns) keeps its type and wrapped error, its URL redacted, so that errors.Is finds
// context.Canceled through it.
func (c *Channel) redact(err error) error {
	if err == nil {
		return nil
	}
	if ue, ok := errors.AsType[*url.Error](err); ok && ue == err {
		ue2 := *ue
		ue2.URL = c.redacted(ue.URL)
		err = &ue2
	}
	if strings.Contains(err.Error(), c.token) {
		return errors.New(c.redacted(err.Error()))
	}
	return err
}

type response struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call POSTs body to method and returns the result.
func (c *Channel) call(ctx context.Context, client *http.Client, method, contentType string, body []byte) (json.RawMessage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/"+method, bytes.NewReader(body))
	if err != nil {
		return nil, c.redact(err)
	}
	req.Header.Set("Content-Type", contentType)
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s: %w", method, c.redact(err))
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("telegram: %s: reading the response: %w", method, c.redact(err))
	}
	var r response
	jerr := json.Unmarshal(data, &r)
	switch {
	case jerr == nil && r.OK && res.StatusCode/100 == 2:
		return r.Result, nil
	case jerr == nil && !r.OK && (r.ErrorCode != 0 || r.Description != ""):
		e := &APIError{Method: method, Code: r.ErrorCode, Description: c.redacted(r.Description)}
		if e.Code == 0 {
			e.Code = res.StatusCode
		}
		if r.Parameters != nil && r.Parameters.RetryAfter > 0 {
			e.RetryAfter = time.Duration(r.Parameters.RetryAfter) * time.Second
		}
		return nil, e
	case res.StatusCode/100 != 2:
		return nil, &APIError{Method: method, Code: res.StatusCode, Description: c.redacted(snippet(res.Status, data))}
	default:
		return nil, fmt.Errorf("telegram: %s: not a Bot API answer: %s", method, c.redacted(snippet("", data)))
	}
}

// snippet is status and the start of a body, on one line.
func snippet(status string, body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	if status == "" {
		return s
	}
	if s == "" {
		return status
	}
	return status + ": " + s
}

func (c *Channel) callJSON(ctx context.Context, client *http.Client, method string, v any) (json.RawMessage, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return c.call(ctx, client, method, "application/json", body)
}

// The parts of an Update this channel reads.
type update struct {
	UpdateID int64      `json:"update_id"`
	Message  *tgMessage `json:"message"`
}

type tgMessage struct {
	MessageID int64   `json:"message_id"`
	Date      int64   `json:"date"`
	Text      *string `json:"text"`
	From      *struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Username  string `json:"username"`
	} `json:"from"`
	Chat struct {
		ID   int64  `json:"id"`
		Type string `json:"type"` // private, group, supergroup, channel
	} `json:"chat"`
}

// message is the chat.Message an update carries: a text in a private chat or a
// group; false for anything else (stickers, photos, joins, channels).
func message(u update) (chat.Message, bool) {
	m := u.Message
	if m == nil || m.Text == nil {
		return chat.Message{}, false
	}
	switch m.Chat.Type {
	case "private", "group", "supergroup":
	default:
		return chat.Message{}, false
	}
	var name string
	if m.From != nil {
		name = strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)
		if name == "" {
			name = m.From.Username
		}
	}
	var at time.Time
	if m.Date > 0 {
		at = time.Unix(m.Date, 0)
	}
	return chat.Message{
		Channel: Name,
		ID:      fmt.Sprintf("%d:%d", m.Chat.ID, m.MessageID),
		From:    strconv.FormatInt(m.Chat.ID, 10),
		Name:    name,
		Text:    *m.Text,
		At:      at,
	}, true
}

func (c *Channel) getUpdates(ctx context.Context, offset int64, timeout time.Duration) ([]update, error) {
	req := struct {
		Offset         int64    `json:"offset,omitempty"`
		Timeout        int      `json:"timeout"`
		AllowedUpdates []string `json:"allowed_updates"`
	}{offset, int(timeout / time.Second), []string{"message"}}
	res, err := c.callJSON(ctx, c.pollClient, "getUpdates", req)
	if err != nil {
		return nil, err
	}
	var us []update
	if err := json.Unmarshal(res, &us); err != nil {
		return nil, fmt.Errorf("telegram: getUpdates: reading the updates: %w", err)
	}
	return us, nil
}

// maxTaking bounds the messages delivered at once (chat.Lanes): a getUpdates answer
// holds at most 100 updates from the offset, and the offset stays at the first one
// not yet taken. Receive takes more only while no more than half are under way, so
// at most one and a half of it are.
const maxTaking = 100

// Receive long-polls getUpdates until ctx ends (nil) or the Bot API fails (an error:
// the token refused, another poller or a webhook, a network error or 5xx).
//
// Messages are handed to deliver side by side across chats, each chat's in its turn
// (chat.Lanes: its purchases side by side, its other messages alone), in a window that
// slides: an update is confirmed (the next poll's offset passes it) only once its
// message and every one before it were taken, and
// while messages are under way Receive polls again (without waiting) as soon as half
// of the window is done, taking the updates it has not seen. When deliver fails,
// Receive lets the messages under way finish, waits a moment and takes every update
// again from that one (the inbox knows the ones taken meanwhile); until then the
// failed message's chat is held back, so its messages keep their order.
func (c *Channel) Receive(ctx context.Context, deliver func(context.Context, chat.Message) error) error {
	lanes := chat.NewLanes(deliver, maxTaking, true)
	defer lanes.Wait()
	type slot struct {
		id   int64
		done bool
	}
	type taken struct {
		s   *slot
		err error
	}
	var (
		offset  int64   // the first update not confirmed
		seen    int64   // the last update handed over
		window  []*slot // the updates from offset on, in order
		under   int     // messages under way
		failed  error   // the first failure since the window was last taken again
		retried bool    // that failure was logged
	)
	finished := make(chan taken, 2*maxTaking) // more than are ever under way
	finish := func(t taken) {
		under--
		t.s.done = t.err == nil
		if t.err != nil && failed == nil {
			failed = t.err
		}
		if t.err != nil && !errors.Is(t.err, chat.ErrNotTried) && !retried {
			retried = true
			c.log.Warn("telegram: message not taken; asking for it again", "update", t.s.id, "err", c.redacted(t.err.Error()))
		}
		for len(window) > 0 && window[0].done {
			offset, window = window[0].id+1, window[1:]
		}
	}
	// wait takes what finished, waiting for one first; false when ctx ended.
	wait := func() bool {
		select {
		case t := <-finished:
			finish(t)
		case <-ctx.Done():
			return false
		}
		for {
			select {
			case t := <-finished:
				finish(t)
			default:
				return true
			}
		}
	}
	c.log.Info("telegram: polling", "api", c.apiURL, "timeout", c.poll)
	for {
		if ctx.Err() != nil {
			return nil
		}
		if failed != nil {
			// Let the ones under way finish, then take the window again.
			for under > 0 {
				if !wait() {
					return nil
				}
			}
			if !sleep(ctx, c.pause) {
				return nil
			}
			seen, window, failed, retried = offset-1, nil, nil, false
			lanes.Release()
		}
		if under > maxTaking/2 {
			if !wait() {
				return nil
			}
			continue
		}
		timeout := c.poll
		if under > 0 {
			timeout = 0 // messages are under way: what is queued, at once
		}
		us, err := c.getUpdates(ctx, offset, timeout)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if ae, ok := errors.AsType[*APIError](err); ok {
				switch ae.Code {
				case http.StatusTooManyRequests:
					wait := min(max(ae.RetryAfter, time.Second), maxRetryAfter)
					c.log.Warn("telegram: getUpdates rate limited", "retry_after", wait)
					if !sleep(ctx, wait) {
						return nil
					}
					continue
				case http.StatusUnauthorized, http.StatusNotFound:
					return fmt.Errorf("telegram: the Bot API refused the token (check LOKET_TELEGRAM_TOKEN and the API URL): %w", err)
				case http.StatusConflict:
					return fmt.Errorf("telegram: getUpdates conflicts with another poller of this bot or a webhook set on it (deleteWebhook first): %w", err)
				}
			}
			return err
		}
		fresh := 0
		for _, u := range us {
			if u.UpdateID <= seen {
				continue // under way, or taken and not yet confirmed
			}
			seen, fresh = u.UpdateID, fresh+1
			s := &slot{id: u.UpdateID, done: true}
			window = append(window, s)
			if m, ok := message(u); ok {
				s.done, under = false, under+1
				lanes.Take(ctx, m, func(err error) { finished <- taken{s, err} })
			}
		}
		if fresh == 0 && under > 0 {
			if !wait() {
				return nil
			}
			continue
		}
		for len(window) > 0 && window[0].done {
			offset, window = window[0].id+1, window[1:]
		}
		select {
		case t := <-finished:
			finish(t)
		default:
		}
	}
}

// sleep waits d or until ctx ends (false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// chatID is r.To as the Bot API's chat_id: an integer, or an @channelusername.
func chatID(to string) (any, error) {
	to = strings.TrimSpace(to)
	if id, err := strconv.ParseInt(to, 10, 64); err == nil {
		return id, nil
	}
	if strings.HasPrefix(to, "@") && len(to) > 1 {
		return to, nil
	}
	return nil, fmt.Errorf("telegram: %q is not a chat id", to)
}

// Send sends r: its text as one or more messages (plain text, split at line breaks
// past 4096 characters), or its Photo with the text as the caption (with only the
// first line as the caption, and the whole text as a message after it, when the text
// passes 1024 characters). Without Photo, a PhotoURL is added to the text. When a
// long text takes several messages and one fails, the ones before it were sent.
func (c *Channel) Send(ctx context.Context, r chat.Reply) error {
	id, err := chatID(r.To)
	if err != nil {
		return err
	}
	text := r.Text
	if len(r.Photo) > 0 {
		caption, rest := text, ""
		if utf16Len(text) > MaxCaption {
			caption, rest = firstLine(text), text
		}
		if err := c.sendPhoto(ctx, id, r.Photo, caption); err != nil {
			return err
		}
		if rest == "" {
			return nil
		}
		text = rest
	} else if r.PhotoURL != "" {
		if strings.TrimSpace(text) == "" {
			text = r.PhotoURL
		} else {
			text += "\n" + r.PhotoURL
		}
	}
	parts := split(text, MaxText)
	if len(parts) == 0 {
		return errors.New("telegram: empty reply")
	}
	for _, p := range parts {
		if _, err := c.callJSON(ctx, c.client, "sendMessage", map[string]any{"chat_id": id, "text": p}); err != nil {
			return err
		}
	}
	return nil
}

func (c *Channel) sendPhoto(ctx context.Context, id any, png []byte, caption string) error {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("chat_id", fmt.Sprint(id))
	if strings.TrimSpace(caption) != "" {
		_ = w.WriteField("caption", caption)
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="photo"; filename="qris.png"`)
	h.Set("Content-Type", "image/png")
	pw, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := pw.Write(png); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	_, err = c.call(ctx, c.client, "sendPhoto", w.FormDataContentType(), b.Bytes())
	return err
}

// utf16Len is s's length as Telegram counts it, in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// firstLine is s's first line that is not blank, cut to MaxCaption.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			return cut(line, MaxCaption)
		}
	}
	return ""
}

// cut is the longest prefix of s of at most n UTF-16 code units.
func cut(s string, n int) string {
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n {
			return s[:i]
		}
	}
	return s
}

// split cuts s into texts of at most n UTF-16 code units, at line breaks (inside a
// line only when one line alone is longer); blank parts are left out.
func split(s string, n int) []string {
	var parts []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if strings.TrimSpace(cur.String()) != "" {
			parts = append(parts, strings.TrimRight(cur.String(), "\n"))
		}
		cur.Reset()
		curLen = 0
	}
	for line := range strings.Lines(s) {
		line = strings.TrimSuffix(line, "\n")
		l := utf16Len(line)
		if curLen > 0 && curLen+1+l > n {
			flush()
		}
		for l > n { // one line longer than a message
			head := cut(line, n)
			cur.WriteString(head)
			flush()
			line = line[len(head):]
			l = utf16Len(line)
		}
		if curLen > 0 {
			cur.WriteByte('\n')
			curLen++
		}
		cur.WriteString(line)
		curLen += l
	}
	flush()
	return parts
}

// idleConns is how many connections to the Bot API are kept open between requests: a
// chat's replies are sent by a job of its own, so as many are sent at once as chats
// are answered, up to the node's workers (LOKET_WORKERS, 64 by default).
// http.DefaultTransport keeps 2 a host and closes the rest after each burst, and
// every request past them opened a new connection: a TLS handshake each with
// api.telegram.org.
const idleConns = 64

// newTransport is http.DefaultTransport's settings (proxy from the environment,
// timeouts, HTTP/2) keeping idleConns connections to the Bot API.
func newTransport() *http.Transport {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok { // replaced by the program with another kind: Go's defaults
		t = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true, IdleConnTimeout: 90 * time.Second,
			TLSHandshakeTimeout: 10 * time.Second, ExpectContinueTimeout: time.Second}
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = idleConns
	t.MaxIdleConns = max(t.MaxIdleConns, idleConns)
	return t
}
