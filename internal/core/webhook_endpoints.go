package core

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/netguard"
	"github.com/dialtonehq/dialtone/internal/webhook"
)

// WebhookOptions configure the webhook endpoint service.
type WebhookOptions struct {
	// Resolver looks up the addresses of endpoint host names; default net.DefaultResolver.
	Resolver netguard.Resolver
	// AllowHTTP accepts plain http:// endpoint URLs (--allow-http-webhooks).
	AllowHTTP bool
	// AllowPrivate accepts endpoints on loopback, private, link-local and other non-public
	// addresses (--allow-private-webhooks).
	AllowPrivate bool
	// UserAgent is the User-Agent of deliveries, such as "Dialtone/1.4.0".
	UserAgent string
	// Deliverer sends the deliveries; nil means one whose transport dials only the addresses
	// the policy above allows (Resolver, AllowPrivate), with UserAgent.
	Deliverer *webhook.Deliverer
}

// WebhookEndpointRecord is a webhook endpoint as stored: the public fields plus its secrets,
// sealed. PreviousSealedSecret ("" for none) is the secret a rotation replaced; it keeps
// signing until PreviousSecretExpiresAt.
type WebhookEndpointRecord struct {
	dialtone.WebhookEndpoint
	SealedSecret            string
	PreviousSealedSecret    string
	PreviousSecretExpiresAt *time.Time
}

// WebhookEndpoints manages webhook endpoints.
type WebhookEndpoints struct {
	store    Store
	secrets  Sealer
	resolver netguard.Resolver
	policy   netguard.Policy
	limit    int
	now      func() time.Time
}

var _ dialtone.WebhookEndpointService = (*WebhookEndpoints)(nil)

func newWebhookEndpoints(store Store, secrets Sealer, opt WebhookOptions, now func() time.Time) *WebhookEndpoints {
	r := opt.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	return &WebhookEndpoints{store: store, secrets: secrets, resolver: r,
		policy: netguard.Policy{AllowHTTP: opt.AllowHTTP, AllowPrivate: opt.AllowPrivate},
		limit:  dialtone.MaxWebhookEndpointsPerOrg, now: now}
}

// Create validates params, checks the URL (webhook_url_not_allowed) and the agent
// (agent_not_found), and stores a new enabled endpoint of p's organization (write role) with a
// new secret, which only this answer shows.
func (s *WebhookEndpoints) Create(ctx context.Context, p dialtone.Principal, params dialtone.WebhookEndpointCreateParams) (dialtone.WebhookEndpoint, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.WebhookEndpoint{}, err
	}
	if fe := s.ValidateCreate(params); len(fe) > 0 {
		return dialtone.WebhookEndpoint{}, fe.Err()
	}
	var agentID *string
	if params.AgentID.HasValue() {
		if _, err := liveAgent(ctx, s.store, p.OrganizationID, params.AgentID.Value); err != nil {
			return dialtone.WebhookEndpoint{}, err
		}
		agentID = &params.AgentID.Value
	}
	if err := s.checkURL(ctx, params.URL.Value); err != nil {
		return dialtone.WebhookEndpoint{}, err
	}
	secret, sealed, err := s.newSecret()
	if err != nil {
		return dialtone.WebhookEndpoint{}, err
	}
	now := s.now()
	rec := WebhookEndpointRecord{
		WebhookEndpoint: dialtone.WebhookEndpoint{
			ID: dialtone.NewID(dialtone.PrefixWebhookEndpoint), Object: "webhook_endpoint",
			URL: params.URL.Value, Events: params.Events.Value, Description: params.Description.Value,
			AgentID: agentID, Enabled: true, SecretHint: keyHint(secret), CreatedAt: now, UpdatedAt: now,
		},
		SealedSecret: sealed,
	}
	switch err := s.store.InsertWebhookEndpoint(ctx, p.OrganizationID, rec, s.limit); {
	case errors.Is(err, ErrLimit):
		return dialtone.WebhookEndpoint{}, dialtone.Errorf(dialtone.CodeWebhookEndpointLimit,
			"Your organization may have %d webhook endpoints and has them all.", s.limit).WithDetail("limit", s.limit)
	case err != nil:
		return dialtone.WebhookEndpoint{}, dialtone.Internal(err)
	}
	e := rec.WebhookEndpoint
	e.Secret = secret
	return e, nil
}

// Get returns an endpoint of p's organization, without its secret; webhook_endpoint_not_found.
func (s *WebhookEndpoints) Get(ctx context.Context, p dialtone.Principal, id string) (dialtone.WebhookEndpoint, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.WebhookEndpoint{}, err
	}
	rec, err := s.store.GetWebhookEndpoint(ctx, p.OrganizationID, id)
	return rec.WebhookEndpoint, storeError(err, dialtone.CodeWebhookEndpointNotFound)
}

// List returns a page of p's organization's endpoints, newest first; invalid_cursor when a
// cursor does not name one of them.
func (s *WebhookEndpoints) List(ctx context.Context, p dialtone.Principal, lp dialtone.ListParams) (dialtone.List[dialtone.WebhookEndpoint], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.WebhookEndpoint]{}, err
	}
	list, more, err := s.store.ListWebhookEndpoints(ctx, p.OrganizationID, lp)
	if err != nil {
		return dialtone.List[dialtone.WebhookEndpoint]{}, storeError(err, dialtone.CodeWebhookEndpointNotFound)
	}
	return dialtone.NewList(list, more), nil
}

// Update changes the fields set in params (write role). A new URL is checked like Create's;
// enabling the endpoint clears its disabled_reason. It returns webhook_endpoint_not_found, a
// validation error or webhook_url_not_allowed; on error nothing changes.
func (s *WebhookEndpoints) Update(ctx context.Context, p dialtone.Principal, id string, params dialtone.WebhookEndpointUpdateParams) (dialtone.WebhookEndpoint, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.WebhookEndpoint{}, err
	}
	if fe := s.ValidateUpdate(params); len(fe) > 0 {
		return dialtone.WebhookEndpoint{}, fe.Err()
	}
	if params.URL.HasValue() {
		// The endpoint must exist before its URL is judged, so that a foreign id is reported
		// as not found whatever the URL.
		if _, err := s.store.GetWebhookEndpoint(ctx, p.OrganizationID, id); err != nil {
			return dialtone.WebhookEndpoint{}, storeError(err, dialtone.CodeWebhookEndpointNotFound)
		}
		if err := s.checkURL(ctx, params.URL.Value); err != nil {
			return dialtone.WebhookEndpoint{}, err
		}
	}
	rec, err := s.store.UpdateWebhookEndpoint(ctx, p.OrganizationID, id, func(e *WebhookEndpointRecord) error {
		setOr(&e.URL, params.URL, e.URL)
		setOr(&e.Events, params.Events, e.Events)
		setOr(&e.Description, params.Description, "")
		if params.Enabled.HasValue() {
			e.Enabled = params.Enabled.Value
			if e.Enabled {
				e.DisabledReason = nil
			}
		}
		e.UpdatedAt = s.now()
		return nil
	})
	return rec.WebhookEndpoint, storeError(err, dialtone.CodeWebhookEndpointNotFound)
}

// Delete removes an endpoint of p's organization (write role); webhook_endpoint_not_found.
func (s *WebhookEndpoints) Delete(ctx context.Context, p dialtone.Principal, id string) error {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return err
	}
	return storeError(s.store.DeleteWebhookEndpoint(ctx, p.OrganizationID, id, s.now()), dialtone.CodeWebhookEndpointNotFound)
}

// RotateSecret gives an endpoint of p's organization a new secret (write role), returned in
// Secret this once. The secret it replaces keeps signing for
// dialtone.WebhookSecretRotationOverlap; a secret replaced before by an earlier rotation
// stops at once. webhook_endpoint_not_found.
func (s *WebhookEndpoints) RotateSecret(ctx context.Context, p dialtone.Principal, id string) (dialtone.WebhookEndpoint, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.WebhookEndpoint{}, err
	}
	secret, sealed, err := s.newSecret()
	if err != nil {
		return dialtone.WebhookEndpoint{}, err
	}
	rec, err := s.store.UpdateWebhookEndpoint(ctx, p.OrganizationID, id, func(e *WebhookEndpointRecord) error {
		now := s.now()
		expires := now.Add(dialtone.WebhookSecretRotationOverlap)
		e.PreviousSealedSecret, e.PreviousSecretExpiresAt = e.SealedSecret, &expires
		e.SealedSecret, e.SecretHint = sealed, keyHint(secret)
		e.UpdatedAt = now
		return nil
	})
	if err != nil {
		return dialtone.WebhookEndpoint{}, storeError(err, dialtone.CodeWebhookEndpointNotFound)
	}
	e := rec.WebhookEndpoint
	e.Secret = secret
	return e, nil
}

// SigningSecrets returns the secrets that sign what is sent to endpoint id of organization
// orgID: its current secret first, then, until it expires, the one its last rotation replaced
// (WebhookDeliveries signs with the same, through signingSecrets). It is not for the API: no
// principal is checked. webhook_endpoint_not_found.
func (s *WebhookEndpoints) SigningSecrets(ctx context.Context, orgID, id string) ([]string, error) {
	rec, err := s.store.GetWebhookEndpoint(ctx, orgID, id)
	if err != nil {
		return nil, storeError(err, dialtone.CodeWebhookEndpointNotFound)
	}
	return s.signingSecrets(rec)
}

// signingSecrets opens rec's live secrets, as SigningSecrets returns them.
func (s *WebhookEndpoints) signingSecrets(rec WebhookEndpointRecord) ([]string, error) {
	if s.secrets == nil {
		return nil, dialtone.Internal(errors.New("webhook endpoints: no secret key configured"))
	}
	secret, err := s.secrets.Open(rec.SealedSecret)
	if err != nil {
		return nil, dialtone.Internal(fmt.Errorf("open the secret of webhook endpoint %s: %w", rec.ID, err))
	}
	out := []string{secret}
	if rec.PreviousSealedSecret != "" && rec.PreviousSecretExpiresAt != nil && s.now().Before(*rec.PreviousSecretExpiresAt) {
		prev, err := s.secrets.Open(rec.PreviousSealedSecret)
		if err != nil {
			return nil, dialtone.Internal(fmt.Errorf("open the previous secret of webhook endpoint %s: %w", rec.ID, err))
		}
		out = append(out, prev)
	}
	return out, nil
}

// newSecret returns a new Standard Webhooks secret ("whsec_" and the unpadded base64 of 24
// random bytes) and its sealed form.
func (s *WebhookEndpoints) newSecret() (secret, sealed string, err error) {
	if s.secrets == nil {
		return "", "", dialtone.Internal(errors.New("webhook endpoints: no secret key configured"))
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	secret = "whsec_" + base64.RawStdEncoding.EncodeToString(b)
	return secret, s.secrets.Seal(secret), nil
}

// checkURL applies the server's policy to an endpoint URL: webhook_url_not_allowed (param
// url, details.reason) when it may not be used.
func (s *WebhookEndpoints) checkURL(ctx context.Context, rawURL string) error {
	err := netguard.CheckURL(ctx, s.resolver, rawURL, s.policy)
	var ne *netguard.Error
	if !errors.As(err, &ne) {
		return err
	}
	if ne.Reason == netguard.ReasonInvalid { // Validate refuses these first
		var fe dialtone.FieldErrors
		fe.Add("url", dialtone.CodeInvalidValue, ne.Error())
		return fe.Err()
	}
	de := dialtone.NewError(dialtone.CodeWebhookURLNotAllowed, ne.Error()).WithParam("url").WithDetail("reason", string(ne.Reason))
	if ne.Addr.IsValid() {
		de = de.WithDetail("address", ne.Addr.String())
	}
	if ne.Reason == netguard.ReasonScheme && !s.policy.AllowHTTP {
		de = de.WithDetail("allowed_schemes", []string{"https"})
	}
	return de
}

// ValidateCreate returns every invalid field of params, in the order the fields are
// documented.
func (s *WebhookEndpoints) ValidateCreate(params dialtone.WebhookEndpointCreateParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	validateWebhookURL(&fe, params.URL)
	validateWebhookEvents(&fe, params.Events)
	maxLen(&fe, "description", params.Description, dialtone.MaxWebhookEndpointDescLen)
	if params.AgentID.HasValue() && params.AgentID.Value == "" {
		fe.Add("agent_id", dialtone.CodeValueTooShort, "agent_id must not be empty; leave it out for an organization-wide endpoint.")
	}
	return fe
}

// ValidateUpdate returns every invalid field of params, in the order the fields are
// documented.
func (s *WebhookEndpoints) ValidateUpdate(params dialtone.WebhookEndpointUpdateParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	if params.URL.Set {
		validateWebhookURL(&fe, params.URL)
	}
	if params.Events.Set {
		validateWebhookEvents(&fe, params.Events)
	}
	if params.Enabled.Set && !params.Enabled.HasValue() {
		fe.Add("enabled", dialtone.CodeInvalidValue, "enabled must be true or false, not null.")
	}
	maxLen(&fe, "description", params.Description, dialtone.MaxWebhookEndpointDescLen)
	return fe
}

// validateWebhookURL checks the shape of an endpoint URL (required: null is refused too);
// whether it may be reached is checkURL's business.
func validateWebhookURL(fe *dialtone.FieldErrors, o dialtone.Optional[string]) {
	switch {
	case !o.HasValue():
		fe.Add("url", dialtone.CodeFieldRequired, "url is required: the https:// URL Dialtone sends events to.")
		return
	case o.Value == "":
		fe.Add("url", dialtone.CodeValueTooShort, "url must not be empty.")
		return
	case runes(o.Value) > dialtone.MaxWebhookEndpointURLLen:
		fe.Addf("url", dialtone.CodeValueTooLong, "url is %d characters; the limit is %d.", runes(o.Value), dialtone.MaxWebhookEndpointURLLen)
		return
	}
	// Only the shape is judged here: the scheme and the addresses are checkURL's.
	err := netguard.CheckURL(context.Background(), nil, o.Value, netguard.Policy{AllowHTTP: true, AllowPrivate: true})
	if ne, ok := errors.AsType[*netguard.Error](err); ok && ne.Reason == netguard.ReasonInvalid {
		fe.Add("url", dialtone.CodeInvalidValue, ne.Error())
	}
}

// validateWebhookEvents checks an endpoint's events (required: null is refused too): a
// non-empty list of distinct event types (dialtone.EventTypes), or ["*"] alone.
func validateWebhookEvents(fe *dialtone.FieldErrors, o dialtone.Optional[[]string]) {
	switch {
	case !o.HasValue():
		fe.Add("events", dialtone.CodeFieldRequired, `events is required: a list of event types, or ["*"] for every event.`)
		return
	case len(o.Value) == 0:
		fe.Add("events", dialtone.CodeValueTooShort, `events must not be empty: list event types, or ["*"] for every event.`)
		return
	case len(o.Value) > dialtone.MaxWebhookEndpointEvents:
		fe.Addf("events", dialtone.CodeTooManyItems, "events lists %d items; the limit is %d.", len(o.Value), dialtone.MaxWebhookEndpointEvents)
		return
	}
	types := dialtone.EventTypes()
	seen := make(map[string]bool, len(o.Value))
	for i, t := range o.Value {
		field := fmt.Sprintf("events[%d]", i)
		switch {
		case t == dialtone.WebhookEventsAll && len(o.Value) > 1:
			fe.Add(field, dialtone.CodeInvalidValue, `"*" subscribes to every event and must be alone in events.`)
		case t == dialtone.WebhookEventsAll:
		case !slices.Contains(types, t):
			fe.Addf(field, dialtone.CodeInvalidValue, "%q is not an event type; use one of %s, or \"*\".", t, strings.Join(types, ", "))
		case seen[t]:
			fe.Addf(field, dialtone.CodeInvalidValue, "%q is listed twice.", t)
		}
		seen[t] = true
	}
}
