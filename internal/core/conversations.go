package core

import (
	"context"
	"log/slog"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Conversations reads the text conversations of an organization and keeps their state (the
// metadata an agent's brain sees).
type Conversations struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
}

var _ dialtone.ConversationService = (*Conversations)(nil)

// Get returns a conversation of p's organization (read role), or conversation_not_found.
func (s *Conversations) Get(ctx context.Context, p dialtone.Principal, id string) (dialtone.SMSConversation, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.SMSConversation{}, err
	}
	c, err := s.store.GetConversation(ctx, p.OrganizationID, id)
	if err != nil {
		return dialtone.SMSConversation{}, storeError(err, dialtone.CodeConversationNotFound)
	}
	return s.withContacts(ctx, p.OrganizationID, []dialtone.SMSConversation{c})[0], nil
}

// List returns a page of p's organization's conversations, the most recent activity first
// (read role). A conversation that gets a message while a client pages moves to the top: it
// may then be seen twice or, paging backwards, not at all.
func (s *Conversations) List(ctx context.Context, p dialtone.Principal, lp dialtone.ListParams) (dialtone.List[dialtone.SMSConversation], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.SMSConversation]{}, err
	}
	cs, more, err := s.store.ListConversations(ctx, p.OrganizationID, lp)
	if err != nil {
		return dialtone.List[dialtone.SMSConversation]{}, storeError(err, dialtone.CodeConversationNotFound)
	}
	return dialtone.NewList(s.withContacts(ctx, p.OrganizationID, cs), more), nil
}

// Messages returns a page of the messages of a conversation of p's organization, newest first
// (read role); conversation_not_found.
func (s *Conversations) Messages(ctx context.Context, p dialtone.Principal, id string, lp dialtone.ListParams) (dialtone.List[dialtone.Message], error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return dialtone.List[dialtone.Message]{}, err
	}
	ms, more, err := s.store.ListMessages(ctx, p.OrganizationID, dialtone.MessageFilter{ConversationID: id}, lp)
	if err != nil {
		return dialtone.List[dialtone.Message]{}, storeError(err, dialtone.CodeMessageNotFound)
	}
	ms = withContacts(ctx, s.store, s.log, p.OrganizationID, ms, func(m *dialtone.Message) (string, **dialtone.ContactRef) {
		return m.OtherParty(), &m.Contact
	})
	return dialtone.NewList(ms, more), nil
}

// ValidateUpdate returns every invalid field of a conversation update.
func (s *Conversations) ValidateUpdate(params dialtone.ConversationUpdateParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	ValidateMetadata(&fe, "metadata", params.Metadata.Value)
	return fe
}

// Update replaces the metadata of a conversation of p's organization (write role): the map
// sent becomes the whole metadata, and null empties it. A validation error, or
// conversation_not_found.
func (s *Conversations) Update(ctx context.Context, p dialtone.Principal, id string, params dialtone.ConversationUpdateParams) (dialtone.SMSConversation, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.SMSConversation{}, err
	}
	if fe := s.ValidateUpdate(params); len(fe) > 0 {
		return dialtone.SMSConversation{}, fe.Err()
	}
	if !params.Metadata.Set {
		return s.Get(ctx, p, id)
	}
	c, err := s.store.UpdateConversationMetadata(ctx, p.OrganizationID, id, nonNil(params.Metadata.Value), s.now())
	if err != nil {
		return dialtone.SMSConversation{}, storeError(err, dialtone.CodeConversationNotFound)
	}
	return s.withContacts(ctx, p.OrganizationID, []dialtone.SMSConversation{c})[0], nil
}

// withContacts fills the Contact of each of cs.
func (s *Conversations) withContacts(ctx context.Context, org string, cs []dialtone.SMSConversation) []dialtone.SMSConversation {
	return withContacts(ctx, s.store, s.log, org, cs, func(c *dialtone.SMSConversation) (string, **dialtone.ContactRef) {
		return c.ParticipantNumber, &c.Contact
	})
}
