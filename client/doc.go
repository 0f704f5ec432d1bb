// Package client is the Go SDK of the Dialtone API (v1).
//
// A Client holds a base URL and a credential ("key_id:key_secret", as printed when a key is
// created) and exposes one service per resource: Agents, Keys, Organizations, Voices,
// PhoneNumbers, Calls, Sandbox (simulated callers), Billing (balance, ledger, usage, credits),
// TelephonyConfig (allowed destinations) and SpeechProviders (speech provider keys). Every
// method takes a context, sends JSON, and returns either the decoded object or an error; an
// error the server reported is a *Error carrying its status, type, code, message and request
// id. Branch on the code with IsCode, never on the message.
//
// The client retries what can safely be retried (408, 429, 500, 502, 503, 504, 409
// idempotency_key_in_use and connection failures) with exponential backoff and full jitter,
// honouring Retry-After. Every POST carries an Idempotency-Key, generated once per call unless
// WithIdempotencyKey gives one, so a retried create is never performed twice.
//
//	c := client.New("https://dialtone.example.com", os.Getenv("DIALTONE_API_KEY"))
//	agent, err := c.Agents.Create(ctx, dialtone.AgentParams{
//		Name:     dialtone.Some("Front desk"),
//		Greeting: dialtone.Some("Hello, how can I help?"),
//	})
//	if client.IsCode(err, dialtone.CodeInvalidVoiceID) {
//		// pick another voice
//	}
//	for a, err := range c.Agents.All(ctx, nil) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(a.ID, a.Name)
//	}
package client
