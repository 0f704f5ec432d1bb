package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone"
)

func (s *Server) createWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.WebhookEndpoints.ValidateCreate)
	if err != nil {
		return err
	}
	e, err := s.svc.WebhookEndpoints.Create(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	w.Header().Set("Location", "/v1/webhook-endpoints/"+e.ID)
	writeJSON(w, http.StatusCreated, e)
	return nil
}

func (s *Server) getWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	e, err := s.svc.WebhookEndpoints.Get(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) listWebhookEndpoints(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	list, err := s.svc.WebhookEndpoints.List(r.Context(), principal(r.Context()), lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) updateWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.WebhookEndpoints.ValidateUpdate)
	if err != nil {
		return err
	}
	e, err := s.svc.WebhookEndpoints.Update(r.Context(), principal(r.Context()), r.PathValue("id"), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) deleteWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.svc.WebhookEndpoints.Delete(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dialtone.Deleted{ID: id, Object: "webhook_endpoint", Deleted: true})
	return nil
}

func (s *Server) rotateWebhookEndpointSecret(w http.ResponseWriter, r *http.Request) error {
	if _, bad, err := decodeBody(w, r, &struct{}{}); err != nil || len(bad) > 0 {
		return firstErr(err, bad)
	}
	e, err := s.svc.WebhookEndpoints.RotateSecret(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Webhooks.List(r.Context(), principal(r.Context()), r.PathValue("id"), lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) testWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	if _, bad, err := decodeBody(w, r, &struct{}{}); err != nil || len(bad) > 0 {
		return firstErr(err, bad)
	}
	d, err := s.svc.Webhooks.Test(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
