package api

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

func (s *Server) validateCampaignCreate(p dialtone.CampaignCreateParams) dialtone.FieldErrors {
	return core.ValidateCampaign(p, true, s.svc.Campaigns.MaxConcurrent())
}

func (s *Server) validateCampaignUpdate(p dialtone.CampaignUpdateParams) dialtone.FieldErrors {
	return core.ValidateCampaign(p, false, s.svc.Campaigns.MaxConcurrent())
}

func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.validateCampaignCreate)
	if err != nil {
		return err
	}
	c, err := s.svc.Campaigns.Create(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	w.Header().Set("Location", "/v1/campaigns/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getCampaign(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.Campaigns.Get(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) listCampaigns(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	f := dialtone.CampaignFilter{Status: dialtone.CampaignStatus(r.URL.Query().Get("status"))}
	list, err := s.svc.Campaigns.List(r.Context(), principal(r.Context()), f, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) updateCampaign(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.validateCampaignUpdate)
	if err != nil {
		return err
	}
	c, err := s.svc.Campaigns.Update(r.Context(), principal(r.Context()), r.PathValue("id"), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteCampaign(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.svc.Campaigns.Delete(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dialtone.Deleted{ID: id, Object: "campaign", Deleted: true})
	return nil
}

// campaignAction returns the handler of POST /v1/campaigns/{id}/{a}.
func (s *Server) campaignAction(a dialtone.CampaignAction) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, bad, err := decodeBody(w, r, &struct{}{}); err != nil || len(bad) > 0 {
			return firstErr(err, bad)
		}
		c, err := s.svc.Campaigns.Act(r.Context(), principal(r.Context()), r.PathValue("id"), a)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}

// leadBatch is the JSON body of POST /v1/campaigns/{id}/leads.
type leadBatch struct {
	Leads dialtone.Optional[[]dialtone.LeadInput] `json:"leads,omitzero"`
}

// addLeads adds leads from a JSON batch or, with multipart/form-data, from the CSV file in the
// form field "file"; ?skip_invalid=true adds the valid ones when some are rejected.
func (s *Server) addLeads(w http.ResponseWriter, r *http.Request) error {
	skip, err := queryBool(r, "skip_invalid")
	if err != nil {
		return err
	}
	var rep dialtone.LeadUpload
	ctx, p, id := r.Context(), principal(r.Context()), r.PathValue("id")
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		data, err := leadUpload.uploadedFile(w, r, "file")
		if err != nil {
			return err
		}
		if rep, err = s.svc.Campaigns.ImportLeads(ctx, p, id, data, skip); err != nil {
			return err
		}
	} else {
		raw, err := readJSON(w, r, leadUpload.body(), leadUpload.tooLarge())
		if dialtone.HasCode(err, dialtone.CodeUnsupportedMediaType) {
			return dialtone.NewError(dialtone.CodeUnsupportedMediaType,
				"Send the leads as JSON (Content-Type: application/json) or a CSV file (multipart/form-data, field \"file\").").
				WithDetail("content_type", r.Header.Get("Content-Type"))
		}
		if err != nil {
			return err
		}
		var batch leadBatch
		if _, bad, err := decodeObject(raw, &batch); err != nil || len(bad) > 0 {
			return firstErr(err, bad)
		}
		if rep, err = s.svc.Campaigns.AddLeads(ctx, p, id, batch.Leads.Value, skip); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusCreated, rep)
	return nil
}

// queryBool parses the boolean query parameter name: false when absent; invalid_value unless
// it is true or false (or 1, 0).
func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, dialtone.Errorf(dialtone.CodeInvalidValue, "%s must be true or false; got %q.", name, v).WithParam(name)
	}
	return b, nil
}

func (s *Server) listLeads(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	f := dialtone.LeadFilter{Status: dialtone.LeadStatus(r.URL.Query().Get("status"))}
	list, err := s.svc.Campaigns.ListLeads(r.Context(), principal(r.Context()), r.PathValue("id"), f, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) getLead(w http.ResponseWriter, r *http.Request) error {
	l, err := s.svc.Campaigns.GetLead(r.Context(), principal(r.Context()), r.PathValue("id"), r.PathValue("lead_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) deleteLead(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("lead_id")
	if err := s.svc.Campaigns.DeleteLead(r.Context(), principal(r.Context()), r.PathValue("id"), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dialtone.Deleted{ID: id, Object: "lead", Deleted: true})
	return nil
}
