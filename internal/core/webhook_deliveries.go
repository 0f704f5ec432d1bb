package core

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/webhook"
)

// QueueWebhooks is the job queue webhook deliveries run on.
const QueueWebhooks = "webhooks"

// WebhookMaxAttempts is how many times a delivery job sends its event at most.
const WebhookMaxAttempts = webhook.MaxAttempts

// WebhookDeliveryJob is the job that sends one event to one endpoint. The store inserts one
// per receiving endpoint in the transaction that stores the event, and Redeliver inserts more.
// Every attempt of a job sends the same message (webhook-id = the event id).
type WebhookDeliveryJob struct {
	OrganizationID string `json:"organization_id"`
	EventID        string `json:"event_id"`
	EndpointID     string `json:"endpoint_id"`
}

// Kind names the job kind.
func (WebhookDeliveryJob) Kind() string { return "webhook_delivery" }

// WebhookRoute is what routing needs to know of an endpoint that is not deleted.
type WebhookRoute struct {
	ID      string
	AgentID string // "" for an organization-wide endpoint
	Events  []string
	Enabled bool
}

// WebhookRecipients returns the ids of the endpoints among routes (one organization's) that
// receive ev. An event goes to exactly one set of endpoints: the endpoints of its agent when
// that agent has any (enabled or not, so that disabling an agent's endpoint never sends its
// events to the organization-wide ones), otherwise the organization-wide endpoints. Of that
// set, the enabled endpoints subscribed to ev's type (or to "*") receive it.
func WebhookRecipients(routes []WebhookRoute, ev dialtone.Event) []string {
	scope := ""
	if ev.AgentID != "" && slices.ContainsFunc(routes, func(r WebhookRoute) bool { return r.AgentID == ev.AgentID }) {
		scope = ev.AgentID
	}
	var ids []string
	for _, r := range routes {
		if r.AgentID == scope && r.Enabled && subscribed(r.Events, ev.Type) {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func subscribed(events []string, typ string) bool {
	return slices.Contains(events, dialtone.WebhookEventsAll) || slices.Contains(events, typ)
}

// WebhookRetryAt returns when the job jobID is tried again after its attempt number attempt,
// made at attemptedAt: attemptedAt plus webhook.RetryDelay, its jitter drawn from jobID and
// attempt, so that every caller computing it for the same attempt gets the same time. It
// returns false when no attempt is left.
func WebhookRetryAt(jobID int64, attempt int, attemptedAt time.Time) (time.Time, bool) {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(jobID))
	binary.LittleEndian.PutUint64(b[8:], uint64(attempt))
	_, _ = h.Write(b[:])
	r := float64(h.Sum64()>>11) / (1 << 53)
	d, ok := webhook.RetryDelay(attempt, func() float64 { return r })
	if !ok {
		return time.Time{}, false
	}
	return attemptedAt.Add(d).UTC().Truncate(time.Microsecond), true
}

// WebhookHealth decides, in the transaction that records a failed attempt, whether the
// endpoint is disabled: given when its current run of failures began, it returns the
// disabled_reason, or "" to leave the endpoint enabled.
type WebhookHealth func(failingSince time.Time) string

// WebhookDeliveries sends events to webhook endpoints and keeps the log of attempts.
type WebhookDeliveries struct {
	store     Store
	endpoints *WebhookEndpoints
	deliverer *webhook.Deliverer
	now       func() time.Time
}

var _ dialtone.WebhookDeliveryService = (*WebhookDeliveries)(nil)

func newWebhookDeliveries(store Store, endpoints *WebhookEndpoints, opt WebhookOptions, now func() time.Time) *WebhookDeliveries {
	d := opt.Deliverer
	if d == nil {
		d = &webhook.Deliverer{
			Client:    &http.Client{Transport: webhook.GuardedTransport(endpoints.policy, endpoints.resolver)},
			UserAgent: opt.UserAgent,
		}
	}
	return &WebhookDeliveries{store: store, endpoints: endpoints, deliverer: d, now: now}
}

// Deliver makes attempt number attempt of job (from 1) and records it: it sends the event to
// the endpoint, signed with the endpoint's live secrets, and logs the attempt. retryAt is when
// the job runs again if this attempt fails transiently; zero when this is the last attempt
// (a transient failure then is final). It returns the attempt's outcome (a dialtone.Delivery*
// constant), or "" when nothing was sent because the event expired or the endpoint was
// deleted or disabled meanwhile. A 410 Gone disables the endpoint; so does a failure when
// every attempt has failed for dialtone.WebhookFailingDisableAfter. An error means the
// attempt could not be made or recorded (the store failed); the job should run again.
func (s *WebhookDeliveries) Deliver(ctx context.Context, job WebhookDeliveryJob, attempt int, retryAt time.Time) (string, error) {
	ev, err := s.store.GetEvent(ctx, job.OrganizationID, job.EventID)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	rec, err := s.store.GetWebhookEndpoint(ctx, job.OrganizationID, job.EndpointID)
	if errors.Is(err, ErrNotFound) || (err == nil && !rec.Enabled) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	d, err := s.send(ctx, rec, ev, attempt, retryAt)
	if err != nil {
		return "", err
	}
	health := func(since time.Time) string {
		switch {
		case d.Outcome == dialtone.DeliveryGone:
			return fmt.Sprintf("Dialtone disabled this endpoint at %s because it answered 410 Gone to event %s. "+
				"Enable it again with PATCH {\"enabled\": true}.", d.CreatedAt.Format(time.RFC3339), ev.ID)
		case d.CreatedAt.Sub(since) >= dialtone.WebhookFailingDisableAfter:
			return fmt.Sprintf("Dialtone disabled this endpoint at %s because every delivery to it had failed since %s "+
				"(the last: %s). Fix the receiver, check it with POST /v1/webhook-endpoints/%s/test, then enable it "+
				"again with PATCH {\"enabled\": true}.", d.CreatedAt.Format(time.RFC3339), since.Format(time.RFC3339),
				deref(d.Error), rec.ID)
		}
		return ""
	}
	if err := s.store.RecordWebhookDelivery(ctx, job.OrganizationID, d, health); err != nil {
		return "", err
	}
	return d.Outcome, nil
}

// send sends ev to the endpoint rec once and returns the attempt, not yet recorded.
func (s *WebhookDeliveries) send(ctx context.Context, rec WebhookEndpointRecord, ev dialtone.Event, attempt int, retryAt time.Time) (dialtone.WebhookDelivery, error) {
	secrets, err := s.endpoints.signingSecrets(rec)
	if err != nil {
		return dialtone.WebhookDelivery{}, err
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return dialtone.WebhookDelivery{}, dialtone.Internal(fmt.Errorf("encode event %s: %w", ev.ID, err))
	}
	d := dialtone.WebhookDelivery{ID: dialtone.NewID(dialtone.PrefixWebhookDelivery), Object: "webhook_delivery",
		WebhookEndpointID: rec.ID, EventID: ev.ID, EventType: ev.Type, Attempt: attempt, CreatedAt: s.now()}
	var a webhook.Attempt
	if u, err := url.Parse(rec.URL); err == nil && u.Scheme == "http" && !s.endpoints.policy.AllowHTTP {
		// The operator stopped allowing http:// after the endpoint was created.
		a = webhook.Attempt{Error: "http:// URLs are not allowed by this server (--allow-http-webhooks is off)", Outcome: webhook.Failed}
	} else {
		a = s.deliverer.Deliver(ctx, rec.URL, secrets, ev.ID, body)
	}
	if a.Status != 0 {
		d.StatusCode = &a.Status
	}
	d.LatencyMS = a.Latency.Milliseconds()
	if a.Error != "" {
		d.Error = &a.Error
	}
	switch a.Outcome {
	case webhook.Delivered:
		d.Outcome = dialtone.DeliveryDelivered
	case webhook.Gone:
		d.Outcome = dialtone.DeliveryGone
	case webhook.Retry:
		d.Outcome = dialtone.DeliveryFailed
		if !retryAt.IsZero() {
			d.Outcome = dialtone.DeliveryRetrying
			d.NextRetryAt = &retryAt
		}
	default:
		d.Outcome = dialtone.DeliveryFailed
	}
	return d, nil
}

// List returns a page of the attempts to deliver to endpoint id, newest first (read role):
// webhook_endpoint_not_found, invalid_cursor.
func (s *WebhookDeliveries) List(ctx context.Context, p dialtone.Principal, id string, lp dialtone.ListParams) (dialtone.List[dialtone.WebhookDelivery], error) {
	if _, err := s.endpoints.Get(ctx, p, id); err != nil {
		return dialtone.List[dialtone.WebhookDelivery]{}, err
	}
	ds, more, err := s.store.ListWebhookDeliveries(ctx, p.OrganizationID, id, lp)
	if err != nil {
		return dialtone.List[dialtone.WebhookDelivery]{}, storeError(err, dialtone.CodeWebhookEndpointNotFound)
	}
	return dialtone.NewList(ds, more), nil
}

// Test sends a signed webhook.test event to endpoint id once, now, even when it is disabled,
// records the attempt in its log and returns it (write role): webhook_endpoint_not_found. The
// test event is not kept in the event log; a failed test is never retried and does not count
// towards disabling the endpoint.
func (s *WebhookDeliveries) Test(ctx context.Context, p dialtone.Principal, id string) (dialtone.WebhookDelivery, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.WebhookDelivery{}, err
	}
	rec, err := s.store.GetWebhookEndpoint(ctx, p.OrganizationID, id)
	if err != nil {
		return dialtone.WebhookDelivery{}, storeError(err, dialtone.CodeWebhookEndpointNotFound)
	}
	now := s.now()
	ev := newEvent(dialtone.EventWebhookTest, rec.ID, webhookTest{Object: "webhook_test", WebhookEndpointID: rec.ID,
		Message: "This is a test event sent by POST /v1/webhook-endpoints/" + rec.ID + "/test."}, "", now)
	d, err := s.send(ctx, rec, ev, 1, time.Time{})
	if err != nil {
		return dialtone.WebhookDelivery{}, err
	}
	if err := s.store.RecordWebhookDelivery(ctx, p.OrganizationID, d, nil); err != nil {
		return dialtone.WebhookDelivery{}, storeError(err, dialtone.CodeWebhookEndpointNotFound)
	}
	return d, nil
}

// webhookTest is the object of a webhook.test event.
type webhookTest struct {
	Object            string `json:"object"` // "webhook_test"
	WebhookEndpointID string `json:"webhook_endpoint_id"`
	Message           string `json:"message"`
}

// Redeliver queues event id for delivery again, each delivery with its full set of retries
// (write role). With params.WebhookEndpointID it goes to that endpoint only
// (webhook_endpoint_not_found; webhook_endpoint_disabled when it is disabled), otherwise to
// every enabled endpoint that receives the event now (possibly none). event_not_found.
func (s *WebhookDeliveries) Redeliver(ctx context.Context, p dialtone.Principal, id string, params dialtone.RedeliverParams) (dialtone.Redelivery, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.Redelivery{}, err
	}
	if fe := ValidateRedeliver(params); len(fe) > 0 {
		return dialtone.Redelivery{}, fe.Err()
	}
	ev, err := s.store.GetEvent(ctx, p.OrganizationID, id)
	if err != nil {
		return dialtone.Redelivery{}, storeError(err, dialtone.CodeEventNotFound)
	}
	var ids []string
	if params.WebhookEndpointID.HasValue() {
		rec, err := s.store.GetWebhookEndpoint(ctx, p.OrganizationID, params.WebhookEndpointID.Value)
		if err != nil {
			return dialtone.Redelivery{}, storeError(err, dialtone.CodeWebhookEndpointNotFound)
		}
		if !rec.Enabled {
			return dialtone.Redelivery{}, dialtone.NewError(dialtone.CodeWebhookEndpointDisabled, "").WithParam("webhook_endpoint_id")
		}
		ids = []string{rec.ID}
	} else {
		routes, err := s.store.WebhookRoutes(ctx, p.OrganizationID)
		if err != nil {
			return dialtone.Redelivery{}, dialtone.Internal(err)
		}
		ids = WebhookRecipients(routes, ev)
	}
	jobs := make([]WebhookDeliveryJob, len(ids))
	for i, eid := range ids {
		jobs[i] = WebhookDeliveryJob{OrganizationID: p.OrganizationID, EventID: ev.ID, EndpointID: eid}
	}
	if err := s.store.EnqueueWebhookDeliveries(ctx, jobs); err != nil {
		return dialtone.Redelivery{}, dialtone.Internal(err)
	}
	if ids == nil {
		ids = []string{}
	}
	return dialtone.Redelivery{Object: "redelivery", EventID: ev.ID, WebhookEndpointIDs: ids}, nil
}

// ValidateRedeliver returns the invalid fields of params: webhook_endpoint_id, when present,
// must be an id.
func ValidateRedeliver(params dialtone.RedeliverParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	if o := params.WebhookEndpointID; o.Set && (!o.HasValue() || o.Value == "") {
		fe.Add("webhook_endpoint_id", dialtone.CodeValueTooShort,
			"webhook_endpoint_id must be an endpoint id; leave it out to redeliver to every endpoint that receives the event.")
	}
	return fe
}
