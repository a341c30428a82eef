package chat_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/loket/loket/internal/chat"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/store/storetest"
)

// BenchmarkChatOrder is BenchmarkCreateOrder (internal/orders) by chat: 32 linked
// chats, one per reseller, send purchases "HSA5.0812xxxxxxx0.1234" through
// Service.Deliver, each a new message; it reports orders/s. The two side by side say
// what the text engine costs over the native API (docs/PERFORMANCE.md).
func BenchmarkChatOrder(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine+"/spread", func(b *testing.B) {
			c, rec := chatNode(b, engine)
			ctx := context.Background()
			const chats = 32
			for i := range chats {
				ra := loketest.Buyer(b, c, fmt.Sprintf("chat%d", i), 1_000_000_000_000)
				if err := c.Chat.SetPIN(ctx, ra.ID, "1234"); err != nil {
					b.Fatal(err)
				}
				link, err := c.Chat.NewLink(ctx, ra.ID)
				if err != nil {
					b.Fatal(err)
				}
				from := strconv.Itoa(i)
				deliver(b, c.Chat, "link"+from, from, "LINK "+link.Code)
				// The first purchase checks the PIN (argon2, then cached), as a chat's
				// first of the day does.
				deliver(b, c.Chat, "warm"+from, from, fmt.Sprintf("HSA5.0813%07d0.1234", i))
			}
			for i := range chats {
				ch := &chatter{t: b, c: c, rec: rec, from: strconv.Itoa(i)}
				ch.wait(3) // linked, the purchase's answer and its result
				if r := rec.replies(ch.from); !strings.Contains(r[1].Text+r[2].Text, "Diproses") {
					b.Fatalf("chat %d: %+v", i, r)
				}
			}
			loketest.OrderRate(b, c.DB, func(i int64) error {
				return c.Chat.Deliver(ctx, chat.Message{Channel: "telegram", ID: fmt.Sprint("b", i), From: strconv.FormatInt(i%chats, 10),
					Text: fmt.Sprintf("HSA5.0812%07d0.1234", i)})
			}, func() bool { return rec.count() >= 3*chats+2*b.N }) // every order's answer and result sent
		})
	}
}

func deliver(b *testing.B, s *chat.Service, id, from, text string) {
	b.Helper()
	if err := s.Deliver(context.Background(), chat.Message{Channel: "telegram", ID: id, From: from, Text: text}); err != nil {
		b.Fatal(err)
	}
}
