package dialtone

import (
	"context"
	"time"
)

// PrefixWebhookEndpoint is the id prefix of webhook endpoints.
const PrefixWebhookEndpoint = "we"

// Webhook endpoint limits.
const (
	MaxWebhookEndpointsPerOrg    = 20
	MaxWebhookEndpointEvents     = 50
	MaxWebhookEndpointURLLen     = 2048
	MaxWebhookEndpointDescLen    = 500
	WebhookSecretRotationOverlap = 24 * time.Hour // how long a rotated-out secret keeps signing
)

// WebhookEventsAll, alone in an endpoint's events, subscribes it to every event type,
// including those added later.
const WebhookEventsAll = "*"

// WebhookEndpoint is a URL of the organization's server that receives its events, signed with
// the endpoint's secret (DESIGN §9). An endpoint with an agent receives that agent's events
// instead of the organization-wide endpoints.
type WebhookEndpoint struct {
	ID          string   `json:"id"`
	Object      string   `json:"object"` // "webhook_endpoint"
	URL         string   `json:"url"`
	Events      []string `json:"events"` // event types, or ["*"]
	Description string   `json:"description"`
	AgentID     *string  `json:"agent_id"`
	Enabled     bool     `json:"enabled"`
	// DisabledReason says why Dialtone disabled the endpoint (it kept failing, or answered
	// 410); null while it is enabled or when it was disabled by a request.
	DisabledReason *string `json:"disabled_reason"`
	SecretHint     string  `json:"secret_hint"` // "…" and the secret's last four characters
	// Secret is the signing secret ("whsec_…"), present only in the answers of create and
	// rotate-secret.
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// WebhookEndpointCreateParams describe a new endpoint: url and events are required.
type WebhookEndpointCreateParams struct {
	URL         Optional[string]   `json:"url,omitzero"`
	Events      Optional[[]string] `json:"events,omitzero"`
	Description Optional[string]   `json:"description,omitzero"`
	AgentID     Optional[string]   `json:"agent_id,omitzero"`
}

// WebhookEndpointUpdateParams change an endpoint; only the fields set change. Enabling an
// endpoint clears its disabled_reason; a null description empties it.
type WebhookEndpointUpdateParams struct {
	URL         Optional[string]   `json:"url,omitzero"`
	Events      Optional[[]string] `json:"events,omitzero"`
	Enabled     Optional[bool]     `json:"enabled,omitzero"`
	Description Optional[string]   `json:"description,omitzero"`
}

// WebhookEndpointService manages webhook endpoints. Every method is scoped to the principal's
// organization: an endpoint of another organization is reported as webhook_endpoint_not_found.
type WebhookEndpointService interface {
	// Create validates params, checks the URL may be reached (webhook_url_not_allowed) and
	// stores a new enabled endpoint with a new secret, returned in Secret this once. An
	// organization holds at most MaxWebhookEndpointsPerOrg endpoints (webhook_endpoint_limit).
	Create(ctx context.Context, p Principal, params WebhookEndpointCreateParams) (WebhookEndpoint, error)
	// Get returns webhook_endpoint_not_found for unknown, deleted or foreign ids. Secret is
	// empty.
	Get(ctx context.Context, p Principal, id string) (WebhookEndpoint, error)
	// List returns a page of endpoints, newest first; invalid_cursor for a bad cursor.
	List(ctx context.Context, p Principal, lp ListParams) (List[WebhookEndpoint], error)
	// Update changes the fields that are set, checking a new URL like Create;
	// webhook_endpoint_not_found, a validation error or webhook_url_not_allowed.
	Update(ctx context.Context, p Principal, id string, params WebhookEndpointUpdateParams) (WebhookEndpoint, error)
	// Delete removes the endpoint; nothing more is sent to it. webhook_endpoint_not_found.
	Delete(ctx context.Context, p Principal, id string) error
	// RotateSecret gives the endpoint a new secret, returned in Secret this once. The
	// previous secret keeps signing alongside it for WebhookSecretRotationOverlap.
	RotateSecret(ctx context.Context, p Principal, id string) (WebhookEndpoint, error)
}
