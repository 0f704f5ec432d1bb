package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/dialtonehq/dialtone"
)

// EventsService reads the organization's events (/v1/events): every state change worth
// telling about (a call queued, ringing, answered or ended, a transcript turn, a number
// provisioned or released), kept for 30 days unless the operator changed the retention.
// Reading needs a key of role read.
type EventsService struct{ c *Client }

// EventListParams selects one page of events, newest first, and filters them. The zero value
// (or a nil *EventListParams) asks for the first page of every event.
type EventListParams struct {
	// Limit, StartingAfter and EndingBefore page through the list as in ListParams.
	Limit         int
	StartingAfter string
	EndingBefore  string

	// Type keeps only the events of this type, one of dialtone.EventTypes (e.g.
	// dialtone.EventCallEnded).
	Type string
}

// page returns p's pagination as ListParams.
func (p *EventListParams) page() *ListParams {
	if p == nil {
		return nil
	}
	return &ListParams{Limit: p.Limit, StartingAfter: p.StartingAfter, EndingBefore: p.EndingBefore}
}

func (p EventListParams) withPage(page *ListParams) *EventListParams {
	p.Limit, p.StartingAfter, p.EndingBefore = page.Limit, page.StartingAfter, page.EndingBefore
	return &p
}

func (p *EventListParams) query() url.Values {
	q := p.page().query()
	if p != nil && p.Type != "" {
		q.Set("type", p.Type)
	}
	return q
}

// Get returns the event with the given id; event_not_found when it does not exist, is older
// than the retention period or belongs to another organization.
func (s *EventsService) Get(ctx context.Context, id string) (*dialtone.Event, error) {
	return sendID[dialtone.Event](ctx, s.c, "event", id, request{method: http.MethodGet, path: "/v1/events/{id}"})
}

// List returns one page of events matching p (which may be nil), newest first. An unknown
// type gives invalid_value (param type); a cursor that is not an event of the organization,
// invalid_cursor.
func (s *EventsService) List(ctx context.Context, p *EventListParams) (*dialtone.List[dialtone.Event], error) {
	return send[dialtone.List[dialtone.Event]](ctx, s.c, request{method: http.MethodGet, path: "/v1/events", query: p.query()})
}

// All iterates over every event matching p (which may be nil), fetching pages of p.Limit
// events as the loop needs them, in the order and with the error handling of
// AgentsService.All.
func (s *EventsService) All(ctx context.Context, p *EventListParams) iter.Seq2[dialtone.Event, error] {
	return allFiltered(ctx, p, s.List, func(e dialtone.Event) string { return e.ID })
}

// Redeliver sends the event to webhook endpoints again, each with a fresh set of retries:
// to params.WebhookEndpointID only when it is set, otherwise to every enabled endpoint that
// receives the event now (possibly none). params may be nil. event_not_found,
// webhook_endpoint_not_found, webhook_endpoint_disabled.
func (s *EventsService) Redeliver(ctx context.Context, id string, params *dialtone.RedeliverParams) (*dialtone.Redelivery, error) {
	if params == nil {
		params = &dialtone.RedeliverParams{}
	}
	return sendID[dialtone.Redelivery](ctx, s.c, "event", id, request{method: http.MethodPost, path: "/v1/events/{id}/redeliver", body: params})
}
