package chat

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/webhooks"
)

// Config tunes the service.
type Config struct {
	PINFailures int           // wrong PINs in a row before a chat is locked (3)
	PINLock     time.Duration // how long it is locked then (30 min)
	LeaseTTL    time.Duration // a channel's reading lease: one node reads a channel at a time (30 s)
	GiveUp      time.Duration // a reply not sent after this is given up (1 h)
}

func (c *Config) defaults() {
	if c.PINFailures <= 0 {
		c.PINFailures = 3
	}
	if c.PINLock <= 0 {
		c.PINLock = 30 * time.Minute
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 30 * time.Second
	}
	if c.GiveUp <= 0 {
		c.GiveUp = time.Hour
	}
}

// Service is ordering by chat: it takes the channels' messages (Deliver), reads each
// as a command, has the domain's services do it, and queues the answer in the outbox,
// which a job per reply sends once. An order made by chat reports its result to the
// chat it came from, in the order's settlement (a webhooks reporter).
type Service struct {
	db     *store.DB
	svc    loket.Services
	runner *jobs.Runner
	log    *slog.Logger
	cfg    Config

	mu       sync.RWMutex
	channels map[string]Channel
	sending  map[string]time.Time // channels whose replies this node sends, until when (sendLoop)

	// pins keeps, per reseller, a PIN hash and the digest of the PIN that matched it:
	// the argon2 check runs once per PIN, not per message.
	pins      sync.Map // int64 → [2]string
	pinChecks sync.Map // int64 → *sync.Mutex: one argon2 check at a time per reseller

	sent    *sentLog    // replies sent, to mark in the outbox
	reads   *queueReads // the chats' queues, read together
	senders senders     // linked chats read lately

	m struct {
		messages *metrics.CounterVec // by channel and command (or outcome)
		replies  *metrics.CounterVec // by channel and state
	}
}

// New makes the service: it registers the reply job and the reporter of chat orders'
// results.
func New(db *store.DB, runner *jobs.Runner, svc loket.Services, hooks *webhooks.Service, log *slog.Logger, reg *metrics.Registry, cfg Config) *Service {
	cfg.defaults()
	s := &Service{db: db, svc: svc, runner: runner, log: log, cfg: cfg, channels: map[string]Channel{}, sending: map[string]time.Time{},
		sent: newSentLog(db, log)}
	s.m.messages = reg.Counter("loket_chat_messages_total", "Chat messages taken, by channel and what they asked.", "channel", "command")
	s.m.replies = reg.Counter("loket_chat_replies_total", "Chat replies sent, retried or given up, by channel.", "channel", "state")
	runner.Handle(store.JobChat, s.send)
	runner.Go(s.sent.run)
	s.reads = newQueueReads(db, s.sent)
	runner.Go(s.reads.run)
	// Replies nobody sent within GiveUp (refused until then, or their channel sent by no
	// node any more) are given up, by any node: the sending node gives up the ones it
	// tries itself.
	runner.Every(time.Minute, 10*time.Second, false, func(ctx context.Context) {
		var n int64
		err := s.db.Write(ctx, 0, func(t *store.Tx) error {
			var err error
			n, err = t.GiveUpChats(time.Now().Add(-s.cfg.GiveUp))
			return err
		})
		if err != nil && !errors.Is(err, store.ErrClosed) {
			s.log.Error("chat replies not sent in time", "err", err)
		}
		if n > 0 {
			s.log.Warn("chat replies given up: not sent in time", "replies", n)
		}
	})
	hooks.SetReporter(s.report)
	return s
}

// AddChannel makes a channel read and written to, each by one node at a time (two
// leases). Call before the runner starts.
func (s *Service) AddChannel(ch Channel) {
	s.mu.Lock()
	s.channels[ch.Name()] = ch
	s.mu.Unlock()
	s.runner.Go(func(stop <-chan struct{}) { s.read(ch, stop) })
	s.runner.Go(func(stop <-chan struct{}) { s.sendLoop(ch.Name(), stop) })
}

// sendPoll is how often the node sending a channel's replies looks for replies due
// that it was not handed in memory: written on another node, or left by a node that
// stopped.
var sendPoll = 200 * time.Millisecond

// sendLoop makes this node the one that sends the channel's replies while it holds
// the lease chat-send:<channel>: one node at a time, so that a reply goes out once and
// a chat's replies in order, whichever node wrote them. Holding it, the node takes up
// every sendPoll the chats with a reply due.
func (s *Service) sendLoop(channel string, stop <-chan struct{}) {
	lease := "chat-send:" + channel
	node := s.runner.Node()
	var next time.Time // when to take or renew the lease
	t := time.NewTicker(sendPoll)
	defer t.Stop()
	for {
		ctx := context.Background()
		if now := time.Now(); !now.Before(next) {
			ok, err := s.db.TakeLease(ctx, lease, node, s.cfg.LeaseTTL)
			if err != nil && !errors.Is(err, store.ErrClosed) {
				s.log.Warn("chat send lease", "channel", channel, "err", err)
			}
			s.mu.Lock()
			if ok && err == nil {
				// Sure of it for the lease's time less a margin; renewed at a third.
				s.sending[channel] = now.Add(s.cfg.LeaseTTL * 2 / 3)
				next = now.Add(s.cfg.LeaseTTL / 3)
			} else {
				delete(s.sending, channel)
				next = now.Add(time.Second)
			}
			s.mu.Unlock()
		}
		if s.sends(channel) {
			chats, err := s.db.ChatsDue(ctx, channel, 500)
			if err != nil && !errors.Is(err, store.ErrClosed) {
				s.log.Warn("chat replies due", "channel", channel, "err", err)
			}
			for _, a := range chats {
				s.kick(channel, a)
			}
		}
		select {
		case <-stop:
			s.mu.Lock()
			held := s.sending[channel].After(time.Now())
			delete(s.sending, channel)
			s.mu.Unlock()
			if held {
				rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				s.db.ReleaseLease(rctx, lease, node)
				cancel()
			}
			return
		case <-t.C:
		}
	}
}

// sends reports whether this node sends the channel's replies now.
func (s *Service) sends(channel string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return time.Now().Before(s.sending[channel])
}

// Channels names the channels configured on this node.
func (s *Service) Channels() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for n := range s.channels {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (s *Service) channel(name string) Channel {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.channels[name]
}

// read keeps reading a channel while this node holds its lease, renewing it; a channel
// that fails is started again after a pause that grows to a minute.
func (s *Service) read(ch Channel, stop <-chan struct{}) {
	lease := "chat:" + ch.Name()
	node := s.runner.Node()
	pause := time.Second
	wait := func(d time.Duration) bool {
		select {
		case <-stop:
			return false
		case <-time.After(d):
			return true
		}
	}
	for {
		select {
		case <-stop:
			return
		default:
		}
		ok, err := s.db.TakeLease(context.Background(), lease, node, s.cfg.LeaseTTL)
		if err != nil && !errors.Is(err, store.ErrClosed) {
			s.log.Warn("chat lease", "channel", ch.Name(), "err", err)
		}
		if !ok {
			if !wait(s.cfg.LeaseTTL / 3) {
				return
			}
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		renewed := make(chan struct{})
		go func() {
			defer close(renewed)
			t := time.NewTicker(s.cfg.LeaseTTL / 3)
			defer t.Stop()
			for {
				select {
				case <-stop:
					cancel()
					return
				case <-ctx.Done():
					return
				case <-t.C:
					if ok, err := s.db.TakeLease(ctx, lease, node, s.cfg.LeaseTTL); !ok || err != nil {
						s.log.Warn("chat lease lost", "channel", ch.Name(), "err", err)
						cancel()
						return
					}
				}
			}
		}()
		err = ch.Receive(ctx, s.Deliver)
		cancel()
		<-renewed
		rctx, rcancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.db.ReleaseLease(rctx, lease, node)
		rcancel()
		if err == nil {
			pause = time.Second
			continue
		}
		s.log.Warn("chat channel stopped; starting it again", "channel", ch.Name(), "err", err, "after", pause)
		if !wait(pause) {
			return
		}
		pause = min(2*pause, time.Minute)
	}
}

// result is what a message did: the answer, and what to record with it.
type result struct {
	text      string
	depositID int64 // a deposit whose QRIS goes with the answer
	accountID int64 // the linked chat it came from (0: none)
	reseller  int64 // its reseller (0: none)
	pinOK     bool  // a PIN was checked and right after wrong ones: the chat's failures are forgotten
	command   string
	answered  bool // answered in its order's transaction (answerWithOrder)
}

// Deliver takes one message of a channel: a message handled before (the same
// channel's id) does nothing; any other is read, done, and answered once. It returns
// an error only when the message could not be taken (the database): the channel gives
// it again.
func (s *Service) Deliver(ctx context.Context, m Message) error {
	if m.ID == "" || m.From == "" {
		return nil
	}
	// A message handled before does nothing: it is looked up first, except a purchase,
	// the common message, which does not pay for the read. Its order is refused in its
	// own transaction when the inbox has it (errHandled), its PIN looked up before a
	// wrong one counts, and its refusal, found handled as it is recorded, not answered.
	cmd, perr := Parse(m.Text)
	seen := perr != nil || cmd.Kind != CmdBuy
	if seen {
		if done, err := s.db.ChatMessageDone(ctx, m.Channel, m.ID); err != nil || done {
			return err
		}
	}
	res := s.execute(ctx, m, cmd, perr, seen)
	s.m.messages.With(m.Channel, res.command).Inc()
	if res.answered {
		return nil // answered in its order's transaction
	}
	queued := false
	err := s.db.Write(ctx, res.lane(m), func(t *store.Tx) error {
		fresh, err := t.FinishChatMessage(m.Channel, m.ID, m.From)
		if err != nil || !fresh {
			queued = false
			return err // handled meanwhile (a delivery twice at once): one answer
		}
		if res.accountID != 0 && res.pinOK {
			if err := t.ChatPINPassed(res.accountID); err != nil {
				return err
			}
		}
		queued = true
		return t.EnqueueChat(m.Channel, m.From, res.text, res.depositID)
	})
	if res.pinOK {
		s.senders.forget(m.Channel, m.From) // its wrong PINs forgotten
	}
	if err != nil {
		return err
	}
	if queued {
		s.kick(m.Channel, m.From)
	}
	return nil
}

// lane is the write lane of a message's answer: its reseller's, as its order's write
// (PostgreSQL runs lanes side by side), else one of its address.
func (r *result) lane(m Message) uint64 {
	if r.reseller != 0 {
		return uint64(r.reseller)
	}
	return addressLane(m.From)
}

// addressLane is a write lane of a chat address.
func addressLane(address string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(address))
	return h.Sum64()
}

// kick hands a chat's queued replies to the runner now, or to the chat's job running
// here, when this node sends the chat's channel (else the node that does finds them
// due within sendPoll).
func (s *Service) kick(channel, address string) {
	if !s.sends(channel) || s.sent.kicked([2]string{channel, address}) {
		return
	}
	s.runner.Enqueue(store.Job{Key: store.ChatJobKey(channel, address), Kind: store.JobChat})
}

// sendChain bounds the replies of one chat read and sent at a time.
const sendChain = 32

// send sends a chat's queued replies, oldest first, sendChain read at a time, until
// none is left to send now. Replies to one chat go in the order they were queued (an
// order's answer before its result): the runner runs one job of a key at a time, so a
// node sends a chat's replies one after another. Replies sent are handed to the
// node's sentLog, which marks them in a write shared with other chats'. A reply its
// channel refused is tried again after a growing pause, until GiveUp, and holds the
// chat's later replies back meanwhile, for a minute at most: after that the ones
// behind it go on.
func (s *Service) send(ctx context.Context, j store.Job) error {
	channel, address, ok := store.ChatOfJob(j.Key)
	if !ok {
		return nil
	}
	chat := [2]string{channel, address}
	// Where replies commit in the order of their ids (SQLite's one writer), a run goes
	// on after the last reply the run before it handed over with nothing refused or
	// passed by; elsewhere (PostgreSQL's lanes) a pass reads the queue from its start.
	ordered := s.db.CommitsInIDOrder()
	after := s.sent.begin(chat) // replies up to this one were seen
	if !ordered {
		after = 0
	}
	held := false      // a refused reply holds the ones behind it
	clean := true      // no reply refused or passed by
	var wait time.Time // the earliest a refused reply is tried again
	ended := false
	defer func() {
		if !ended {
			s.sent.end(chat, true, 0)
		}
	}()
	for !held {
		if !s.sends(channel) {
			break // another node sends the channel now
		}
		queue, seen, err := s.reads.read(ctx, chat, after)
		if err != nil {
			return err
		}
		if len(queue) > 0 {
			after = queue[len(queue)-1].ID
		}
		now := time.Now()
		var sent []int64
		for _, c := range s.sent.visible(chat, queue, seen) {
			if c.NextAt.After(now) { // refused before: its time has not come
				clean = false
				if wait.IsZero() || c.NextAt.Before(wait) {
					wait = c.NextAt
				}
				if held = now.Sub(c.CreatedAt) < time.Minute; held {
					break // the ones behind it wait for it
				}
				continue
			}
			refused := s.deliver(ctx, c)
			if refused == nil {
				sent = append(sent, c.ID)
				s.m.replies.With(c.Channel, "sent").Inc()
				continue
			}
			clean = false
			state, next := "pending", time.Time{}
			if now.Sub(c.CreatedAt) > s.cfg.GiveUp {
				state = "gave_up"
				s.log.Warn("chat reply given up", "reply", c.ID, "channel", c.Channel, "err", refused)
			} else {
				next = time.Now().Add(min(time.Duration(1<<min(c.Attempts, 6))*time.Second, time.Minute))
				if wait.IsZero() || next.Before(wait) {
					wait = next
				}
				held = now.Sub(c.CreatedAt) < time.Minute
			}
			s.m.replies.With(c.Channel, state).Inc()
			if err := s.db.Write(ctx, addressLane(address), func(t *store.Tx) error {
				return t.RecordChatSend(c.ID, state, refused.Error(), next)
			}); err != nil {
				s.sent.add(ctx, chat, sent)
				return err
			}
			if held {
				break
			}
		}
		if err := s.sent.add(ctx, chat, sent); err != nil {
			return err
		}
		if held || len(queue) == sendChain {
			continue // held: done; a full read: more to read
		}
		var through int64
		if ordered && clean {
			through = after
		}
		if ended = s.sent.end(chat, false, through); ended {
			break // none queued since that read
		}
		if !ordered {
			after = 0 // queued meanwhile, not always after the ones seen
		}
	}
	if !wait.IsZero() {
		s.runner.Later(j, time.Until(wait))
	}
	return nil
}

// deliver hands one reply to its channel.
func (s *Service) deliver(ctx context.Context, o *store.ChatOut) error {
	ch := s.channel(o.Channel)
	if ch == nil {
		return fmt.Errorf("channel %s is not configured on this node", o.Channel)
	}
	r := Reply{To: o.Address, Text: o.Body}
	if o.DepositID != 0 {
		if d, err := s.svc.Deposits.Deposit(ctx, o.DepositID, 0); err == nil && d.QRString != "" {
			r.PhotoURL = s.svc.Deposits.PublicQRURL(d)
			if png, err := s.svc.Deposits.QRPNG(d); err == nil {
				r.Photo = png
			}
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return ch.Send(sctx, r)
}

// report queues, in an order's settlement, its result to the chat it was made from.
func (s *Service) report(t *store.Tx, r *loket.ResellerAuth, o *loket.Order) error {
	ch, addr, ok, err := t.OrderReply(o.ID)
	if err != nil || !ok {
		return err
	}
	balance, err := t.OrderBalance(r.BalanceAccountID)
	if err != nil {
		return err
	}
	if err := t.EnqueueChat(ch, addr, finalText(o, balance), 0); err != nil {
		return err
	}
	t.AfterCommit(func() { s.kick(ch, addr) })
	return nil
}

// checkPIN checks a chat's PIN for its reseller; a wrong one counts toward the lock,
// unless handled reports the message handled before (given again). It returns the
// sentence to answer with when the PIN does not pass.
func (s *Service) checkPIN(ctx context.Context, a *loket.ChatAccount, hash, pin string, handled func() (bool, error)) (string, error) {
	if a.LockedUntil.After(time.Now()) {
		return fmt.Sprintf("Chat ini terkunci sampai %s WIB karena PIN salah berkali-kali.", a.LockedUntil.In(loket.WIB).Format("15:04")), nil
	}
	if hash == "" {
		return "PIN transaksi belum diatur. Atur PIN di dashboard (menu Chat) dulu.", nil
	}
	digest := sha256.Sum256([]byte(hash + "\x00" + pin))
	if v, ok := s.pins.Load(a.ResellerID); ok {
		if p := v.([2]string); p[0] == hash && subtle.ConstantTimeCompare([]byte(p[1]), digest[:]) == 1 {
			return "", nil
		}
	}
	// One check at a time per reseller: a burst of its chat's first messages waits
	// for the first check and finds the PIN known, rather than each hashing it.
	mu, _ := s.pinChecks.LoadOrStore(a.ResellerID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	known := false
	if v, ok := s.pins.Load(a.ResellerID); ok {
		p := v.([2]string)
		known = p[0] == hash && subtle.ConstantTimeCompare([]byte(p[1]), digest[:]) == 1
	}
	right := known || auth.CheckPassword(hash, pin)
	if right && !known {
		s.pins.Store(a.ResellerID, [2]string{hash, string(digest[:])})
	}
	mu.(*sync.Mutex).Unlock()
	if right {
		return "", nil
	}
	if again, err := handled(); err != nil || again {
		return "PIN salah.", err // given again: counted the first time
	}
	var locked bool
	err := s.db.Write(ctx, uint64(a.ResellerID), func(t *store.Tx) error {
		var err error
		locked, err = t.ChatPINFailed(a.ID, s.cfg.PINFailures, s.cfg.PINLock)
		return err
	})
	s.senders.forget(a.Channel, a.Address) // its failures, or its lock
	if err != nil {
		return "", err
	}
	if locked {
		return fmt.Sprintf("PIN salah. Chat ini dikunci %d menit.", int(s.cfg.PINLock.Minutes())), nil
	}
	return "PIN salah.", nil
}

// NewLink makes a one-time code the reseller sends from a chat to link it.
func (s *Service) NewLink(ctx context.Context, resellerID int64) (*loket.ChatLink, error) {
	has, err := s.HasPIN(ctx, resellerID)
	if err != nil {
		return nil, err
	}
	if !has {
		return nil, loket.FieldError(loket.ENOTCONFIGURED, "pin", "set a transaction PIN first")
	}
	l := &loket.ChatLink{Code: newLinkCode(), ExpiresAt: time.Now().Add(loket.ChatLinkTTL).UTC()}
	err = s.db.Write(ctx, uint64(resellerID), func(t *store.Tx) error { return t.NewChatLink(resellerID, l.Code, l.ExpiresAt) })
	return l, err
}

// newLinkCode is XXXX-XXXX of an alphabet without look-alikes (auth.RandomCode).
func newLinkCode() string {
	c := auth.RandomCode(8)
	return c[:4] + "-" + c[4:]
}

// SetPIN sets a reseller's transaction PIN: 4 to 6 digits, kept hashed.
func (s *Service) SetPIN(ctx context.Context, resellerID int64, pin string) error {
	if len(pin) < 4 || len(pin) > 6 || strings.Trim(pin, "0123456789") != "" {
		return loket.FieldError(loket.EINVALID, "pin", "the PIN must be 4 to 6 digits")
	}
	hash, err := auth.HashPassword(pin)
	if err != nil {
		return err
	}
	s.pins.Delete(resellerID)
	defer s.senders.forgetAll()
	return s.db.Write(ctx, uint64(resellerID), func(t *store.Tx) error { return t.SetChatPIN(resellerID, hash) })
}

// Help is the formats a chat takes (HelpText).
func (s *Service) Help() string { return HelpText() }

// HasPIN reports whether a reseller has set its transaction PIN.
func (s *Service) HasPIN(ctx context.Context, resellerID int64) (bool, error) {
	h, err := s.db.ChatPIN(ctx, resellerID)
	return h != "", err
}

// Accounts lists the chats linked to a reseller (every reseller's when 0).
func (s *Service) Accounts(ctx context.Context, resellerID int64) ([]loket.ChatAccount, error) {
	return s.db.ChatAccounts(ctx, resellerID)
}

// Unlink removes a linked chat.
func (s *Service) Unlink(ctx context.Context, resellerID, accountID int64) error {
	defer s.senders.forgetAll()
	return s.db.Write(ctx, uint64(resellerID), func(t *store.Tx) error { return t.UnlinkChat(resellerID, accountID) })
}

// Broadcast queues text to every linked chat, in transactions of a few hundred.
func (s *Service) Broadcast(ctx context.Context, text string) (int, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return 0, loket.FieldError(loket.EINVALID, "text", "text is required")
	}
	if err := loket.CheckLines("text", text, 4000); err != nil {
		return 0, err
	}
	to, err := s.db.ChatAddresses(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for part := range slices.Chunk(to, 200) {
		err := s.db.Write(ctx, 0, func(t *store.Tx) error {
			for _, a := range part {
				if err := t.EnqueueChat(a[0], a[1], text, 0); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += len(part)
		for _, a := range part {
			s.kick(a[0], a[1])
		}
	}
	return n, nil
}

// Alert queues an alert to the operator's chats (the setting chat.operators) when its
// kind is among those chosen (chat.alerts; every kind when unset).
func (s *Service) Alert(ctx context.Context, kind, text string) error {
	c, err := s.Settings(ctx)
	if err != nil || !slices.Contains(c.Alerts, kind) || len(c.Operators) == 0 {
		return err
	}
	var to [][2]string
	err = s.db.Write(ctx, 0, func(t *store.Tx) error {
		to = to[:0]
		for _, op := range c.Operators {
			ch, addr, ok := strings.Cut(op, ":")
			if !ok || addr == "" {
				continue
			}
			if err := t.EnqueueChat(ch, addr, text, 0); err != nil {
				return err
			}
			to = append(to, [2]string{ch, addr})
		}
		return nil
	})
	if err == nil {
		for _, a := range to {
			s.kick(a[0], a[1])
		}
	}
	return err
}

// channelKinds are the channels an operator's chat may be on.
var channelKinds = []string{"telegram", "xmpp"}

// Settings reads the operator's chat settings: every kind of alert when none was
// chosen yet ("none" when the operator chose none).
func (s *Service) Settings(ctx context.Context) (loket.ChatSettings, error) {
	var c loket.ChatSettings
	var ops, alerts string
	for _, x := range []struct {
		key string
		to  *string
	}{{loket.SettingChatContact, &c.Contact}, {loket.SettingChatOperators, &ops}, {loket.SettingChatAlerts, &alerts}} {
		v, err := s.db.Setting(ctx, x.key)
		if err != nil {
			return c, err
		}
		*x.to = v
	}
	c.Operators = splitList(ops)
	switch alerts {
	case "":
		c.Alerts = loket.AlertKinds
	case "none":
	default:
		c.Alerts = splitList(alerts)
	}
	return c, nil
}

// SetSettings saves the operator's chat settings.
func (s *Service) SetSettings(ctx context.Context, c loket.ChatSettings) error {
	var ops []string
	for _, op := range c.Operators {
		ch, addr, ok := strings.Cut(strings.TrimSpace(op), ":")
		addr = strings.TrimSpace(addr)
		if !ok || addr == "" || !slices.Contains(channelKinds, ch) {
			return loket.FieldError(loket.EINVALID, "operators", "an operator's chat is telegram:ID or xmpp:JID, not %q", loket.Clip(op))
		}
		ops = append(ops, ch+":"+addr)
	}
	for _, k := range c.Alerts {
		if !slices.Contains(loket.AlertKinds, k) {
			return loket.FieldError(loket.EINVALID, "alerts", "no kind of alert %q (%s)", loket.Clip(k), strings.Join(loket.AlertKinds, ", "))
		}
	}
	alerts := strings.Join(c.Alerts, ",")
	if alerts == "" {
		alerts = "none"
	}
	for key, v := range map[string]string{loket.SettingChatContact: strings.TrimSpace(c.Contact),
		loket.SettingChatOperators: strings.Join(ops, ", "), loket.SettingChatAlerts: alerts} {
		if err := loket.CheckText(key, v, 1000); err != nil {
			return err
		}
		if err := s.db.SetSetting(ctx, key, v); err != nil {
			return err
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
