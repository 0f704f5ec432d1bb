package api

import (
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/dialtonehq/dialtone"
)

func (s *Server) createCall(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.Calls.ValidateCreate)
	if err != nil {
		return err
	}
	c, err := s.svc.Calls.Create(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	w.Header().Set("Location", "/v1/calls/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) createSandboxCall(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.Calls.ValidateSandboxCall)
	if err != nil {
		return err
	}
	c, err := s.svc.Calls.SandboxCall(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	w.Header().Set("Location", "/v1/calls/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// callFilter reads the filters of GET /v1/calls; every invalid one is listed.
func callFilter(r *http.Request) (dialtone.CallFilter, error) {
	q := r.URL.Query()
	f := dialtone.CallFilter{AgentID: q.Get("agent_id"), PhoneNumberID: q.Get("phone_number_id"), CampaignID: q.Get("campaign_id"),
		Status: dialtone.CallStatus(q.Get("status")), Direction: dialtone.CallDirection(q.Get("direction"))}
	var fe dialtone.FieldErrors
	if f.Status != "" && !slices.Contains(dialtone.CallStatuses(), f.Status) {
		fe.Addf("status", dialtone.CodeInvalidValue, "status must be one of %v; got %q.", dialtone.CallStatuses(), f.Status)
	}
	if f.Direction != "" && f.Direction != dialtone.CallInbound && f.Direction != dialtone.CallOutbound {
		fe.Addf("direction", dialtone.CodeInvalidValue, "direction must be inbound or outbound; got %q.", f.Direction)
	}
	f.CreatedAfter = queryTime(&fe, q, "created_after")
	f.CreatedBefore = queryTime(&fe, q, "created_before")
	return f, fe.Err()
}

// queryTime parses the RFC 3339 query parameter name, zero when absent.
func queryTime(fe *dialtone.FieldErrors, q map[string][]string, name string) time.Time {
	vs := q[name]
	if len(vs) == 0 || vs[0] == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, vs[0])
	if err != nil {
		fe.Addf(name, dialtone.CodeInvalidValue, "%s must be an RFC 3339 time such as 2026-11-23T09:00:00Z; got %q.", name, vs[0])
	}
	return t
}

func (s *Server) listCalls(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	f, err := callFilter(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Calls.List(r.Context(), principal(r.Context()), f, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) getCall(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.Calls.Get(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// getCallRecording serves the WAV file of an ended call (ranges and If-Modified-Since work).
func (s *Server) getCallRecording(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	path, err := s.svc.Calls.RecordingPath(r.Context(), principal(r.Context()), id)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return dialtone.Errorf(dialtone.CodeRecordingNotFound, "The recording of call %s is not on this server.", id)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return dialtone.Internal(err)
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+`.wav"`)
	http.ServeContent(w, r, id+".wav", fi.ModTime(), f)
	return nil
}

func (s *Server) hangupCall(w http.ResponseWriter, r *http.Request) error {
	if _, bad, err := decodeBody(w, r, &struct{}{}); err != nil || len(bad) > 0 {
		return firstErr(err, bad)
	}
	c, err := s.svc.Calls.Hangup(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteCall(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.svc.Calls.Delete(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dialtone.Deleted{ID: id, Object: "call", Deleted: true})
	return nil
}

func (s *Server) getUsage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fe dialtone.FieldErrors
	params := dialtone.UsageParams{From: queryTime(&fe, q, "from"), To: queryTime(&fe, q, "to"), GroupBy: q.Get("group_by")}
	if err := fe.Err(); err != nil {
		return err
	}
	u, err := s.svc.Usage.Usage(r.Context(), principal(r.Context()), params)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}
