package client

import (
	"context"
	"iter"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// PhoneNumbersService manages the organization's phone numbers (/v1/phone-numbers). Reading
// needs a key of role read; provisioning, changing and releasing, a key of role write.
type PhoneNumbersService struct{ c *Client }

// Create provisions a number from a carrier (sandbox unless params.Carrier says otherwise).
// It returns no_numbers_available when nothing matches the country and area code,
// number_limit_reached when the organization holds its maximum, agent_not_found for an
// unknown params.AgentID.
func (s *PhoneNumbersService) Create(ctx context.Context, params dialtone.PhoneNumberCreateParams, opts ...RequestOption) (*dialtone.PhoneNumber, error) {
	return send[dialtone.PhoneNumber](ctx, s.c, request{method: http.MethodPost, path: "/v1/phone-numbers", body: params, opts: opts})
}

// Import adopts a number the organization holds in its own Twilio account: Dialtone checks the
// credentials and the number there and points the number's webhooks at the server. It returns
// invalid_twilio_sid, carrier_credentials_invalid, number_not_in_carrier_account,
// number_already_imported, provider_rate_limited, provider_error or provider_timeout.
func (s *PhoneNumbersService) Import(ctx context.Context, params dialtone.PhoneNumberImportParams, opts ...RequestOption) (*dialtone.PhoneNumber, error) {
	return send[dialtone.PhoneNumber](ctx, s.c, request{method: http.MethodPost, path: "/v1/phone-numbers/import", body: params, opts: opts})
}

// Get returns a number; phone_number_not_found when it does not exist, was released or belongs
// to another organization.
func (s *PhoneNumbersService) Get(ctx context.Context, id string) (*dialtone.PhoneNumber, error) {
	return sendID[dialtone.PhoneNumber](ctx, s.c, "phone number", id, request{method: http.MethodGet, path: "/v1/phone-numbers/{id}"})
}

// Update changes the fields set in params: dialtone.Null for AgentID detaches the number;
// attaching a number another agent holds gives number_already_assigned.
func (s *PhoneNumbersService) Update(ctx context.Context, id string, params dialtone.PhoneNumberUpdateParams) (*dialtone.PhoneNumber, error) {
	return sendID[dialtone.PhoneNumber](ctx, s.c, "phone number", id, request{method: http.MethodPatch, path: "/v1/phone-numbers/{id}", body: params})
}

// Release gives a number back to its carrier; its calls and messages stay.
func (s *PhoneNumbersService) Release(ctx context.Context, id string) (*dialtone.Deleted, error) {
	return sendID[dialtone.Deleted](ctx, s.c, "phone number", id, request{method: http.MethodDelete, path: "/v1/phone-numbers/{id}"})
}

// List returns one page of numbers, newest first; p may be nil, and p.AgentID filters.
func (s *PhoneNumbersService) List(ctx context.Context, p *ListParams) (*dialtone.List[dialtone.PhoneNumber], error) {
	return send[dialtone.List[dialtone.PhoneNumber]](ctx, s.c, request{method: http.MethodGet, path: "/v1/phone-numbers", query: p.query()})
}

// All iterates over every number matching p (see AgentsService.All).
func (s *PhoneNumbersService) All(ctx context.Context, p *ListParams) iter.Seq2[dialtone.PhoneNumber, error] {
	return all(ctx, p, s.List, func(n dialtone.PhoneNumber) string { return n.ID })
}
