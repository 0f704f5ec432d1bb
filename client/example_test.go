package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
)

// This example creates an agent, changes it, lists every agent and handles an error by its
// code. It needs a running server, so it is compiled but not run by go test.
func Example() {
	ctx := context.Background()
	c := client.New("http://localhost:8080", os.Getenv("DIALTONE_API_KEY"),
		client.WithUserAgent("example-app/1.0"))

	agent, err := c.Agents.Create(ctx, dialtone.AgentParams{
		Name:     dialtone.Some("Front desk"),
		Greeting: dialtone.Some("Thanks for calling. How can I help?"),
		Language: dialtone.Some("en-GB"),
	}, client.WithIdempotencyKey("create-front-desk"))
	if err != nil {
		log.Fatal(err)
	}

	// Only the fields set are sent; Null resets the greeting to its default.
	if _, err := c.Agents.Update(ctx, agent.ID, dialtone.AgentParams{Greeting: dialtone.Null[string]()}); err != nil {
		log.Fatal(err)
	}

	for a, err := range c.Agents.All(ctx, &client.ListParams{Limit: 50}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(a.ID, a.Name)
	}

	if _, err := c.Agents.Get(ctx, "agt_unknown"); client.IsCode(err, dialtone.CodeAgentNotFound) {
		var e *client.Error
		if errors.As(err, &e) {
			fmt.Println("not found; request", e.RequestID)
		}
	}
}
