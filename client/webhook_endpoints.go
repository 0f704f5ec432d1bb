package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// WebhookEndpointsService manages the URLs that receive the organization's events
// (/v1/webhook-endpoints). Reading needs a key of role read; changing, a key of role write.
type WebhookEndpointsService struct{ c *Client }

// Create creates an endpoint; url and events are required. The answer's Secret is the signing
// secret, shown this once: store it. A URL the server may not send to gives
// webhook_url_not_allowed; invalid params give a 400 *Error whose Fields lists every invalid
// field.
func (s *WebhookEndpointsService) Create(ctx context.Context, params dialtone.WebhookEndpointCreateParams, opts ...RequestOption) (*dialtone.WebhookEndpoint, error) {
	return send[dialtone.WebhookEndpoint](ctx, s.c, request{method: http.MethodPost, path: "/v1/webhook-endpoints", body: params, opts: opts})
}

// Get returns the endpoint with the given id, without its secret; webhook_endpoint_not_found
// when it does not exist, was deleted or belongs to another organization.
func (s *WebhookEndpointsService) Get(ctx context.Context, id string) (*dialtone.WebhookEndpoint, error) {
	return sendID[dialtone.WebhookEndpoint](ctx, s.c, "webhook endpoint", id, request{method: http.MethodGet, path: "/v1/webhook-endpoints/{id}"})
}

// Update changes the fields set in params (PATCH) and returns the endpoint. Enabling it
// clears its disabled_reason; a new URL is checked as at creation. On error nothing changes.
func (s *WebhookEndpointsService) Update(ctx context.Context, id string, params dialtone.WebhookEndpointUpdateParams) (*dialtone.WebhookEndpoint, error) {
	return sendID[dialtone.WebhookEndpoint](ctx, s.c, "webhook endpoint", id, request{method: http.MethodPatch, path: "/v1/webhook-endpoints/{id}", body: params})
}

// Delete deletes the endpoint with the given id; nothing more is sent to it.
// webhook_endpoint_not_found when there is no such endpoint (also when a first attempt
// succeeded but its answer was lost and the automatic retry repeated it).
func (s *WebhookEndpointsService) Delete(ctx context.Context, id string) (*dialtone.Deleted, error) {
	return sendID[dialtone.Deleted](ctx, s.c, "webhook endpoint", id, request{method: http.MethodDelete, path: "/v1/webhook-endpoints/{id}"})
}

// RotateSecret gives the endpoint a new signing secret, returned in Secret this once. The
// previous secret keeps signing alongside the new one for 24 hours, so a receiver can switch
// without losing events.
func (s *WebhookEndpointsService) RotateSecret(ctx context.Context, id string, opts ...RequestOption) (*dialtone.WebhookEndpoint, error) {
	return sendID[dialtone.WebhookEndpoint](ctx, s.c, "webhook endpoint", id, request{method: http.MethodPost, path: "/v1/webhook-endpoints/{id}/rotate-secret", opts: opts})
}

// List returns one page of endpoints, newest first; p may be nil.
func (s *WebhookEndpointsService) List(ctx context.Context, p *ListParams) (*dialtone.List[dialtone.WebhookEndpoint], error) {
	return send[dialtone.List[dialtone.WebhookEndpoint]](ctx, s.c, request{method: http.MethodGet, path: "/v1/webhook-endpoints", query: p.query()})
}

// All iterates over every endpoint, fetching pages of p.Limit endpoints as the loop needs
// them; see AgentsService.All for the order and the errors.
func (s *WebhookEndpointsService) All(ctx context.Context, p *ListParams) iter.Seq2[dialtone.WebhookEndpoint, error] {
	return all(ctx, p, s.List, func(e dialtone.WebhookEndpoint) string { return e.ID })
}

// Test sends the endpoint a signed webhook.test event now (even when it is disabled) and
// returns the attempt: Outcome "delivered" when the receiver answered 2xx, otherwise "failed"
// with StatusCode and Error saying why. webhook_endpoint_not_found.
func (s *WebhookEndpointsService) Test(ctx context.Context, id string) (*dialtone.WebhookDelivery, error) {
	return sendID[dialtone.WebhookDelivery](ctx, s.c, "webhook endpoint", id, request{method: http.MethodPost, path: "/v1/webhook-endpoints/{id}/test"})
}

// Deliveries returns one page of the endpoint's delivery attempts, newest first; p may be
// nil. webhook_endpoint_not_found.
func (s *WebhookEndpointsService) Deliveries(ctx context.Context, id string, p *ListParams) (*dialtone.List[dialtone.WebhookDelivery], error) {
	return sendID[dialtone.List[dialtone.WebhookDelivery]](ctx, s.c, "webhook endpoint", id,
		request{method: http.MethodGet, path: "/v1/webhook-endpoints/{id}/deliveries", query: p.query()})
}

// AllDeliveries iterates over every delivery attempt of the endpoint, fetching pages as the
// loop needs them; see AgentsService.All for the order and the errors.
func (s *WebhookEndpointsService) AllDeliveries(ctx context.Context, id string, p *ListParams) iter.Seq2[dialtone.WebhookDelivery, error] {
	fetch := func(ctx context.Context, page *ListParams) (*dialtone.List[dialtone.WebhookDelivery], error) {
		return s.Deliveries(ctx, id, page)
	}
	return all(ctx, p, fetch, func(d dialtone.WebhookDelivery) string { return d.ID })
}
