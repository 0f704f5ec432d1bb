package dialtone

import (
	"context"
	"time"
)

// PrefixWebhookDelivery is the id prefix of webhook delivery attempts.
const PrefixWebhookDelivery = "whd"

// EventWebhookTest is the type of the event POST /v1/webhook-endpoints/{id}/test sends. It
// is sent only to the endpoint tested and is not kept in the event log, so no endpoint
// subscribes to it.
const EventWebhookTest = "webhook.test"

// WebhookFailingDisableAfter is how long an endpoint may fail every delivery before Dialtone
// disables it (with a disabled_reason saying so).
const WebhookFailingDisableAfter = 5 * 24 * time.Hour

// The outcomes of a delivery attempt.
const (
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryRetrying  = "retrying"  // a transient failure; next_retry_at says when it is tried again
	DeliveryFailed    = "failed"    // a permanent failure, or the last attempt failed
	DeliveryGone      = "gone"      // the endpoint answered 410 Gone and was disabled
)

// WebhookDelivery is one attempt to send one event to one endpoint, as
// GET /v1/webhook-endpoints/{id}/deliveries lists them.
type WebhookDelivery struct {
	ID                string `json:"id"`
	Object            string `json:"object"` // "webhook_delivery"
	WebhookEndpointID string `json:"webhook_endpoint_id"`
	EventID           string `json:"event_id"` // also the webhook-id header: the same on every attempt
	EventType         string `json:"event_type"`
	// Attempt counts the attempts at this event for this endpoint, from 1; a redelivery
	// starts again from 1.
	Attempt int `json:"attempt"`
	// Outcome is one of DeliveryDelivered, DeliveryRetrying, DeliveryFailed, DeliveryGone.
	Outcome string `json:"outcome"`
	// StatusCode is the endpoint's HTTP status; null when no response came.
	StatusCode *int `json:"status_code"`
	// LatencyMS is the time from sending the request to its response headers (or the
	// failure), in milliseconds.
	LatencyMS int64 `json:"latency_ms"`
	// Error is a short reason for a failed attempt ("HTTP 500", "timeout after 10s", …); null
	// when delivered.
	Error *string `json:"error"`
	// NextRetryAt is when the event is sent again; null unless Outcome is retrying.
	NextRetryAt *time.Time `json:"next_retry_at"`
	CreatedAt   time.Time  `json:"created_at"` // when the attempt was made
}

// Redelivery is the answer of POST /v1/events/{id}/redeliver: the endpoints the event is sent
// to again.
type Redelivery struct {
	Object             string   `json:"object"` // "redelivery"
	EventID            string   `json:"event_id"`
	WebhookEndpointIDs []string `json:"webhook_endpoint_ids"`
}

// RedeliverParams choose where an event is sent again.
type RedeliverParams struct {
	// WebhookEndpointID sends the event to this endpoint only, even if it is not subscribed to
	// the event's type; unset sends it to every enabled endpoint that receives it now.
	WebhookEndpointID Optional[string] `json:"webhook_endpoint_id,omitzero"`
}

// WebhookDeliveryService sends events to endpoints on request and lists the attempts. Every
// method is scoped to the principal's organization.
type WebhookDeliveryService interface {
	// List returns a page of the attempts to deliver to endpoint id, newest first (read role):
	// webhook_endpoint_not_found, invalid_cursor.
	List(ctx context.Context, p Principal, id string, lp ListParams) (List[WebhookDelivery], error)
	// Test sends a signed webhook.test event to endpoint id once, now, even when the endpoint
	// is disabled, and returns the attempt (write role): webhook_endpoint_not_found.
	Test(ctx context.Context, p Principal, id string) (WebhookDelivery, error)
	// Redeliver queues event id for delivery again, with fresh retries (write role):
	// event_not_found, webhook_endpoint_not_found, webhook_endpoint_disabled.
	Redeliver(ctx context.Context, p Principal, id string, params RedeliverParams) (Redelivery, error)
}
