package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/loket/loket/client"
)

// Place an order, retry safely with the same ref_id, and wait for its final state.
func Example() {
	ctx := context.Background()
	c := client.New("http://127.0.0.1:8080", "lk_your_api_key")

	me, err := c.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("balance:", me.Balance)

	o, created, err := c.CreateOrder(ctx, client.OrderRequest{
		Product: "MLBB-BJ-V3-ALLMLBB_ID_5",
		Target:  "1122334455",
		Fields:  map[string]string{"server": "2001"},
		RefID:   "inv-2024-0001",
	})
	var apiErr *client.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == client.CodeInsufficientBalance:
		log.Fatal("top up first")
	case errors.As(err, &apiErr):
		log.Fatalf("refused: %s (%s)", apiErr.Message, apiErr.Code)
	case err != nil:
		log.Fatal(err) // a network error: retrying with the same RefID never charges twice
	}
	if !created {
		fmt.Println("seen before; no new charge")
	}
	for o.Status == client.StatusPending {
		time.Sleep(2 * time.Second)
		if o, err = c.Order(ctx, o.ID); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(o.ID, o.Status, o.SN)
}

// Receive webhooks: check the signature with the secret key before trusting the body.
func ExampleVerifySignature() {
	secretKey := "lks_your_secret_key"
	http.HandleFunc("POST /loket", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if !client.VerifySignature(secretKey, body, r.Header.Get(client.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		// decode body as a client.WebhookEvent; answer 2xx, or Loket retries later
		w.WriteHeader(http.StatusNoContent)
	})
}
