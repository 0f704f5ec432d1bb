package api

import (
	"net/http"
	"slices"

	"github.com/dialtonehq/dialtone"
)

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.Messages.ValidateSend)
	if err != nil {
		return err
	}
	m, err := s.svc.Messages.Send(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	w.Header().Set("Location", "/v1/messages/"+m.ID)
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) error {
	m, err := s.svc.Messages.Get(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	f, err := messageFilter(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Messages.List(r.Context(), principal(r.Context()), f, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// messageFilter reads the filters of GET /v1/messages; every invalid one is listed.
func messageFilter(r *http.Request) (dialtone.MessageFilter, error) {
	q := r.URL.Query()
	f := dialtone.MessageFilter{ConversationID: q.Get("conversation_id"),
		Status: dialtone.MessageStatus(q.Get("status")), Direction: dialtone.MessageDirection(q.Get("direction"))}
	var fe dialtone.FieldErrors
	if f.Status != "" && !slices.Contains(dialtone.MessageStatuses(), f.Status) {
		fe.Addf("status", dialtone.CodeInvalidValue, "status must be one of %v; got %q.", dialtone.MessageStatuses(), f.Status)
	}
	if f.Direction != "" && f.Direction != dialtone.MessageInbound && f.Direction != dialtone.MessageOutbound {
		fe.Addf("direction", dialtone.CodeInvalidValue, "direction must be inbound or outbound; got %q.", f.Direction)
	}
	return f, fe.Err()
}

func (s *Server) createSandboxMessage(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.Messages.ValidateSandboxMessage)
	if err != nil {
		return err
	}
	m, err := s.svc.Messages.SandboxReceive(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	w.Header().Set("Location", "/v1/messages/"+m.ID)
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Conversations.List(r.Context(), principal(r.Context()), lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.Conversations.Get(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) listConversationMessages(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Conversations.Messages(r.Context(), principal(r.Context()), r.PathValue("id"), lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) updateConversation(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.Conversations.ValidateUpdate)
	if err != nil {
		return err
	}
	c, err := s.svc.Conversations.Update(r.Context(), principal(r.Context()), r.PathValue("id"), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
