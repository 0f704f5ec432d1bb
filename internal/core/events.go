package core

import (
	"context"
	"slices"
	"time"

	"github.com/dialtonehq/dialtone"
)

// sweepBatch bounds how many events one statement of Sweep deletes, so that the sweep never
// holds a long write transaction.
const sweepBatch = 1000

// Events reads an organization's events and deletes those older than the retention period.
type Events struct {
	store     Store
	retention time.Duration
	now       func() time.Time
}

var _ dialtone.EventService = (*Events)(nil)

// Get returns one event of p's organization (read role), or event_not_found.
func (s *Events) Get(ctx context.Context, p dialtone.Principal, id string) (dialtone.Event, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.Event{}, err
	}
	ev, err := s.store.GetEvent(ctx, p.OrganizationID, id)
	return ev, storeError(err, dialtone.CodeEventNotFound)
}

// List returns a page of p's organization's events matching f, newest first (read role). It
// returns a validation error (invalid_value, param type) for an unknown type and
// invalid_cursor for a cursor that names no event of the organization.
func (s *Events) List(ctx context.Context, p dialtone.Principal, f dialtone.EventFilter, lp dialtone.ListParams) (dialtone.List[dialtone.Event], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.Event]{}, err
	}
	if fe := ValidateEventFilter(f); len(fe) > 0 {
		return dialtone.List[dialtone.Event]{}, fe.Err()
	}
	events, more, err := s.store.ListEvents(ctx, p.OrganizationID, f, lp)
	if err != nil {
		return dialtone.List[dialtone.Event]{}, storeError(err, dialtone.CodeEventNotFound)
	}
	return dialtone.NewList(events, more), nil
}

// ValidateEventFilter returns the invalid fields of f.
func ValidateEventFilter(f dialtone.EventFilter) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	if f.Type != "" && !slices.Contains(dialtone.EventTypes(), f.Type) {
		fe.Addf("type", dialtone.CodeInvalidValue, "type must be one of %v; got %q.", dialtone.EventTypes(), f.Type)
	}
	return fe
}

// Sweep deletes every event, and every webhook delivery attempt, older than the retention
// period, in batches of at most sweepBatch rows, and returns how many events it deleted.
func (s *Events) Sweep(ctx context.Context) (int64, error) {
	before := s.now().Add(-s.retention)
	total, err := sweep(ctx, func(ctx context.Context) (int64, error) {
		return s.store.DeleteEventsBefore(ctx, before, sweepBatch)
	})
	if err != nil {
		return total, err
	}
	_, err = sweep(ctx, func(ctx context.Context) (int64, error) {
		return s.store.DeleteWebhookDeliveriesBefore(ctx, before, sweepBatch)
	})
	return total, err
}

// sweep calls del until it deletes fewer than sweepBatch rows, and returns the total.
func sweep(ctx context.Context, del func(context.Context) (int64, error)) (int64, error) {
	var total int64
	for {
		n, err := del(ctx)
		total += n
		if err != nil || n < sweepBatch {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// newEvent is an event of type typ about the object id, whose data is obj as it is now, and
// which concerns agent agentID ("" for none).
func newEvent(typ, id string, obj any, agentID string, t time.Time) dialtone.Event {
	return dialtone.Event{ID: dialtone.NewID(dialtone.PrefixEvent), Object: "event", Type: typ,
		ObjectID: id, AgentID: agentID, CreatedAt: t, Data: dialtone.EventData{Object: marshalObject(obj)}}
}

// deref is *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
