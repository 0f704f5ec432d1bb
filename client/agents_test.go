package client_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/client"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func TestAgentsCRUD(t *testing.T) {
	for _, dialect := range sqltest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			_, c := start(t, dialect)
			ctx := context.Background()

			a, err := c.Agents.Create(ctx, dialtone.AgentParams{
				Name:     dialtone.Some("Front desk"),
				Greeting: dialtone.Some("Hello!"),
				Metadata: dialtone.Some(map[string]string{"team": "sales"}),
			})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if a.Object != "agent" || !dialtone.HasPrefix(a.ID, dialtone.PrefixAgent) || a.Name != "Front desk" ||
				a.Greeting != "Hello!" || a.Metadata["team"] != "sales" {
				t.Fatalf("created agent = %+v", a)
			}
			if a.Language != dialtone.DefaultLanguage || a.MaxCallDurationSeconds != dialtone.DefaultMaxCallDuration ||
				a.Brain.Type != dialtone.BrainScripted || a.Voice == "" {
				t.Errorf("defaults not filled in: %+v", a)
			}

			got, err := c.Agents.Get(ctx, a.ID)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if got.ID != a.ID || got.Name != a.Name || got.Greeting != a.Greeting {
				t.Errorf("get = %+v, want %+v", got, a)
			}

			up, err := c.Agents.Update(ctx, a.ID, dialtone.AgentParams{Name: dialtone.Some("Back office")})
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if up.Name != "Back office" || up.Greeting != "Hello!" || up.Metadata["team"] != "sales" {
				t.Errorf("update changed more than the name: %+v", up)
			}

			list, err := c.Agents.List(ctx, nil)
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if list.Object != "list" || len(list.Data) != 1 || list.Data[0].ID != a.ID || list.HasMore {
				t.Errorf("list = %+v", list)
			}

			del, err := c.Agents.Delete(ctx, a.ID)
			if err != nil {
				t.Fatalf("delete: %v", err)
			}
			if *del != (dialtone.Deleted{ID: a.ID, Object: "agent", Deleted: true}) {
				t.Errorf("delete = %+v", del)
			}
			_, err = c.Agents.Get(ctx, a.ID)
			if !client.IsCode(err, dialtone.CodeAgentNotFound) {
				t.Fatalf("get after delete: err = %v, want agent_not_found", err)
			}
			if e := err.(*client.Error); e.StatusCode != http.StatusNotFound || e.Type != dialtone.TypeNotFound {
				t.Errorf("get after delete: %+v", e)
			}
			if _, err := c.Agents.Delete(ctx, a.ID); !client.IsCode(err, dialtone.CodeAgentNotFound) {
				t.Errorf("second delete: err = %v, want agent_not_found", err)
			}
		})
	}
}

func TestAgentsUpdateNullResetsFields(t *testing.T) {
	_, c := start(t, "sqlite")
	ctx := context.Background()
	a, err := c.Agents.Create(ctx, dialtone.AgentParams{
		Name:                   dialtone.Some("Resettable"),
		Greeting:               dialtone.Some("Hi"),
		MaxCallDurationSeconds: dialtone.Some(600),
		TransferNumbers:        dialtone.Some([]string{"+14155550100"}),
		Metadata:               dialtone.Some(map[string]string{"k": "v"}),
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	up, err := c.Agents.Update(ctx, a.ID, dialtone.AgentParams{
		Greeting:               dialtone.Null[string](),
		MaxCallDurationSeconds: dialtone.Null[int](),
		TransferNumbers:        dialtone.Null[[]string](),
		Metadata:               dialtone.Null[map[string]string](),
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if up.Greeting != "" || up.MaxCallDurationSeconds != dialtone.DefaultMaxCallDuration ||
		len(up.TransferNumbers) != 0 || len(up.Metadata) != 0 {
		t.Errorf("null did not reset: %+v", up)
	}
	if up.Name != "Resettable" {
		t.Errorf("name changed although not sent: %q", up.Name)
	}
	// Null on a required field is a validation error, and nothing changes.
	_, err = c.Agents.Update(ctx, a.ID, dialtone.AgentParams{Name: dialtone.Null[string](), Greeting: dialtone.Some("x")})
	var e *client.Error
	if !asError(err, &e) || e.StatusCode != http.StatusBadRequest || e.Param != "name" {
		t.Fatalf("null name: err = %v", err)
	}
	if got, _ := c.Agents.Get(ctx, a.ID); got == nil || got.Greeting != "" || got.Name != "Resettable" {
		t.Errorf("failed update changed the agent: %+v", got)
	}
}

func TestAgentsAllPaginates(t *testing.T) {
	opt, n := counted()
	_, c := start(t, "sqlite", opt)
	ctx := context.Background()
	var ids []string // oldest first
	for i := range 5 {
		a, err := c.Agents.Create(ctx, dialtone.AgentParams{Name: dialtone.Some(fmt.Sprintf("agent %d", i))})
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		ids = append(ids, a.ID)
	}
	newestFirst := slices.Clone(ids)
	slices.Reverse(newestFirst)

	collect := func(p *client.ListParams) []string {
		t.Helper()
		var got []string
		for a, err := range c.Agents.All(ctx, p) {
			if err != nil {
				t.Fatalf("All: %v", err)
			}
			got = append(got, a.ID)
		}
		return got
	}

	n.reset()
	if got := collect(&client.ListParams{Limit: 2}); !slices.Equal(got, newestFirst) {
		t.Errorf("All = %v, want %v", got, newestFirst)
	}
	if n.count() != 3 {
		t.Errorf("All made %d requests, want 3 pages of 2, 2 and 1", n.count())
	}

	// From a cursor, each way.
	if got := collect(&client.ListParams{Limit: 2, StartingAfter: ids[3]}); !slices.Equal(got, newestFirst[2:]) {
		t.Errorf("All after %s = %v, want %v", ids[3], got, newestFirst[2:])
	}
	if got := collect(&client.ListParams{Limit: 2, EndingBefore: ids[0]}); !slices.Equal(got, ids[1:]) {
		t.Errorf("All before %s = %v, want %v (oldest first)", ids[0], got, ids[1:])
	}

	// Breaking out fetches nothing more.
	n.reset()
	for range c.Agents.All(ctx, &client.ListParams{Limit: 2}) {
		break
	}
	if n.count() != 1 {
		t.Errorf("break after the first agent: %d requests, want 1", n.count())
	}

	// A filter applies to every page.
	if got := collect(&client.ListParams{Limit: 1, Name: "agent 3"}); !slices.Equal(got, []string{ids[3]}) {
		t.Errorf("All by name = %v, want [%s]", got, ids[3])
	}

	// An error is yielded once and ends the loop.
	var errs int
	for _, err := range c.Agents.All(ctx, &client.ListParams{StartingAfter: "agt_doesnotexist"}) {
		if !client.IsCode(err, dialtone.CodeInvalidCursor) {
			t.Errorf("bad cursor: err = %v, want invalid_cursor", err)
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("bad cursor yielded %d times, want 1", errs)
	}
}

func TestAgentsIdempotencyKeyReplays(t *testing.T) {
	opt, n := counted()
	_, c := start(t, "sqlite", opt)
	ctx := context.Background()
	params := dialtone.AgentParams{Name: dialtone.Some("Once")}
	a1, err := c.Agents.Create(ctx, params, client.WithIdempotencyKey("create-once-1"))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	a2, err := c.Agents.Create(ctx, params, client.WithIdempotencyKey("create-once-1"))
	if err != nil {
		t.Fatalf("create again: %v", err)
	}
	if a1.ID != a2.ID {
		t.Errorf("same key made two agents: %s and %s", a1.ID, a2.ID)
	}
	n.reset()
	_, err = c.Agents.Create(ctx, dialtone.AgentParams{Name: dialtone.Some("Other")}, client.WithIdempotencyKey("create-once-1"))
	if !client.IsCode(err, dialtone.CodeIdempotencyKeyReused) {
		t.Fatalf("same key, other body: err = %v, want idempotency_key_reused", err)
	}
	if n.count() != 1 {
		t.Errorf("idempotency_key_reused was sent %d times, want 1 (not retried)", n.count())
	}
	// Without a key, two creates are two agents.
	b1, _ := c.Agents.Create(ctx, params)
	b2, _ := c.Agents.Create(ctx, params)
	if b1 == nil || b2 == nil || b1.ID == b2.ID {
		t.Errorf("two creates without a key: %v, %v", b1, b2)
	}
}

func TestAgentsEmptyID(t *testing.T) {
	c := client.New("http://127.0.0.1:1", "key_x:dts_y")
	if _, err := c.Agents.Get(context.Background(), ""); err == nil {
		t.Error("Get(\"\") succeeded")
	}
}
