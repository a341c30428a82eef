package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

func chatAccounts(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("chat accounts", "[--username U]", "Lists the chats (Telegram, Jabber) linked to resellers, as JSON lines.")
	c.reads = true
	c.reseller("only this reseller's")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	as, err := a.Chat.Accounts(ctx, e.resellerID())
	if err != nil {
		return err
	}
	return printEach(e, as)
}

func chatUnlink(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("chat unlink", "--id N", "Unlinks a chat from its reseller: its messages get the linking instructions again.")
	id := c.Int64("id", 0, "the linked chat's id (loket chat accounts)")
	c.require("id")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	if err := a.Chat.Unlink(ctx, 0, *id); err != nil {
		return err
	}
	fmt.Fprintf(out, "unlinked chat %d\n", *id)
	return nil
}

func chatBroadcast(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("chat broadcast", "--text TEXT", "Sends a notice to every linked chat; the running server's channels deliver it.")
	text := c.String("text", "", "the notice (up to 4,000 characters)")
	c.require("text")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	n, err := a.Chat.Broadcast(ctx, strings.ReplaceAll(*text, `\n`, "\n"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "queued to %d chats\n", n)
	return nil
}
