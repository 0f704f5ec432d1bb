package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// AgentsService manages the agents of the credential's organization (/v1/agents). Reading
// needs a key of role read; changing, a key of role write.
type AgentsService struct{ c *Client }

// Create creates an agent from the fields set in params; name is required and the others take
// their defaults. Invalid params give a 400 *Error whose Fields lists every invalid field.
func (s *AgentsService) Create(ctx context.Context, params dialtone.AgentParams, opts ...RequestOption) (*dialtone.Agent, error) {
	return send[dialtone.Agent](ctx, s.c, request{method: http.MethodPost, path: "/v1/agents", body: params, opts: opts})
}

// Get returns the agent with the given id; agent_not_found when it does not exist, was
// deleted or belongs to another organization.
func (s *AgentsService) Get(ctx context.Context, id string) (*dialtone.Agent, error) {
	return sendID[dialtone.Agent](ctx, s.c, "agent", id, request{method: http.MethodGet, path: "/v1/agents/{id}"})
}

// Update changes the fields set in params (PATCH) and returns the agent. Fields left unset
// are not sent and do not change; a field set to dialtone.Null is sent as null and resets to
// its default (or empties). On error nothing changes.
func (s *AgentsService) Update(ctx context.Context, id string, params dialtone.AgentParams) (*dialtone.Agent, error) {
	return sendID[dialtone.Agent](ctx, s.c, "agent", id, request{method: http.MethodPatch, path: "/v1/agents/{id}", body: params})
}

// Delete deletes the agent with the given id (its call history is kept); agent_not_found when
// there is no such agent. Note that when a first attempt succeeded but its answer was lost, the
// automatic retry reports agent_not_found.
func (s *AgentsService) Delete(ctx context.Context, id string) (*dialtone.Deleted, error) {
	return sendID[dialtone.Deleted](ctx, s.c, "agent", id, request{method: http.MethodDelete, path: "/v1/agents/{id}"})
}

// List returns one page of agents, newest first; p may be nil. A cursor that is not an agent
// of the organization gives invalid_cursor.
func (s *AgentsService) List(ctx context.Context, p *ListParams) (*dialtone.List[dialtone.Agent], error) {
	return send[dialtone.List[dialtone.Agent]](ctx, s.c, request{method: http.MethodGet, path: "/v1/agents", query: p.query()})
}

// All iterates over every agent matching p (which may be nil), fetching pages of p.Limit
// agents as the loop needs them:
//
//	for a, err := range c.Agents.All(ctx, &client.ListParams{Name: "Front desk"}) {
//		if err != nil {
//			return err
//		}
//		…
//	}
//
// Without a cursor, or from p.StartingAfter, it goes from newer to older agents; from
// p.EndingBefore it goes from older to newer. An error is yielded once, and ends the
// iteration; breaking out of the loop fetches nothing more.
func (s *AgentsService) All(ctx context.Context, p *ListParams) iter.Seq2[dialtone.Agent, error] {
	return all(ctx, p, s.List, func(a dialtone.Agent) string { return a.ID })
}
