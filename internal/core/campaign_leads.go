package core

import (
	"context"
	"errors"
	"slices"

	"github.com/nyaruka/phonenumbers"

	"github.com/dialtonehq/dialtone"
)

// AddLeads adds a JSON batch of leads to a campaign of p's organization (write role): a
// validation error (param leads) for an empty batch, import_too_large over MaxLeadBatch, and
// what addRows returns.
func (s *Campaigns) AddLeads(ctx context.Context, p dialtone.Principal, id string, leads []dialtone.LeadInput, skipInvalid bool) (dialtone.LeadUpload, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.LeadUpload{}, err
	}
	if len(leads) == 0 {
		return dialtone.LeadUpload{}, dialtone.NewError(dialtone.CodeFieldRequired,
			`leads is required: a list of at least one lead, e.g. [{"phone_number": "+14155550123"}].`).WithParam("leads")
	}
	if len(leads) > dialtone.MaxLeadBatch {
		return dialtone.LeadUpload{}, dialtone.Errorf(dialtone.CodeImportTooLarge,
			"The batch holds %d leads; one request may add at most %d. Send several batches, or upload a CSV file (up to %d rows).",
			len(leads), dialtone.MaxLeadBatch, dialtone.MaxLeadImportRows).WithParam("leads").
			WithDetail("limit_rows", dialtone.MaxLeadBatch)
	}
	rows, rejected := ValidateLeads(leads)
	return s.addRows(ctx, p, id, rows, rejected, skipInvalid)
}

// ImportLeads adds the leads of a CSV file to a campaign of p's organization (write role):
// invalid_csv or import_too_large refuse the whole file; then what addRows returns.
func (s *Campaigns) ImportLeads(ctx context.Context, p dialtone.Principal, id string, csv []byte, skipInvalid bool) (dialtone.LeadUpload, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.LeadUpload{}, err
	}
	if len(csv) > dialtone.MaxLeadImportBytes {
		return dialtone.LeadUpload{}, dialtone.Errorf(dialtone.CodeImportTooLarge,
			"The file is %d bytes; one upload may be at most %d bytes (32 MiB).", len(csv), dialtone.MaxLeadImportBytes).
			WithDetail("limit_bytes", dialtone.MaxLeadImportBytes).WithDetail("limit_rows", dialtone.MaxLeadImportRows)
	}
	rows, rejected, err := ParseLeadsCSV(csv, dialtone.MaxLeadImportRows)
	if err != nil {
		return dialtone.LeadUpload{}, err
	}
	return s.addRows(ctx, p, id, rows, rejected, skipInvalid)
}

// addRows adds the valid rows of an upload as pending leads, in one transaction:
// campaign_not_found; campaign_state_conflict when the campaign is completed or canceled;
// leads_rejected (details rejected, valid) when a row was rejected (here: a destination the
// telephony config refuses, a number that is already a lead or opted out) and skipInvalid is
// false, adding nothing; import_too_large when the campaign would hold more than
// MaxCampaignLeads. A lead's time zone is its own, else its number's when the number's area
// has one zone, else the campaign's.
func (s *Campaigns) addRows(ctx context.Context, p dialtone.Principal, id string, rows []LeadRow, rejected []CSVRejection, skipInvalid bool) (dialtone.LeadUpload, error) {
	allowed, err := s.telephony.Destinations(ctx, p.OrganizationID)
	if err != nil {
		return dialtone.LeadUpload{}, err
	}
	valid := rows[:0:0]
	numbers := make([]string, 0, len(rows))
	zones := make([]string, 0, len(rows)) // valid[i]'s number's own zone, "" for none
	for _, r := range rows {
		num, err := phonenumbers.Parse(r.PhoneNumber, "") // once, for the destination and the zone
		if err != nil {
			return dialtone.LeadUpload{}, dialtone.Internal(err) // rows hold valid numbers
		}
		if err := allowed(r.PhoneNumber, num); err != nil {
			rejected = append(rejected, CSVRejection{Row: r.Row, Reason: dialtone.LeadRejectDestination})
			continue
		}
		zone := ""
		if r.Timezone == "" {
			zone = numberZone(num)
		}
		valid, numbers, zones = append(valid, r), append(numbers, r.PhoneNumber), append(zones, zone)
	}
	var added []dialtone.Lead
	var campaign dialtone.Campaign
	err = s.store.AddLeads(ctx, p.OrganizationID, id, numbers, func(c dialtone.Campaign, existing, optedOut map[string]bool) ([]dialtone.Lead, error) {
		campaign = c
		if !c.Status.Editable() {
			return nil, stateConflict(c, "given new leads")
		}
		now := s.now()
		rej := rejected
		leads := make([]dialtone.Lead, 0, len(valid))
		for i, r := range valid {
			switch {
			case existing[r.PhoneNumber]:
				rej = append(rej, CSVRejection{Row: r.Row, Reason: dialtone.ImportRejectDuplicate})
				continue
			case optedOut[r.PhoneNumber]:
				rej = append(rej, CSVRejection{Row: r.Row, Reason: dialtone.LeadRejectOptedOut})
				continue
			}
			zone, fromCampaign := r.Timezone, false
			if zone == "" {
				zone = zones[i]
			}
			if zone == "" {
				zone, fromCampaign = c.Schedule.Timezone, true
			}
			leads = append(leads, dialtone.Lead{
				ID: dialtone.NewID(dialtone.PrefixLead), Object: "lead", CampaignID: c.ID, PhoneNumber: r.PhoneNumber,
				Variables: nonNil(r.Variables), Timezone: zone, ZoneFromCampaign: fromCampaign, Status: dialtone.LeadPending,
				NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now,
			})
		}
		rejected = rej
		if len(rej) > 0 && !skipInvalid {
			return nil, dialtone.Errorf(dialtone.CodeLeadsRejected,
				"%d of the leads were rejected, so none were added; details.rejected says which and why. Fix them, or add only the valid ones with ?skip_invalid=true.",
				len(rej)).WithDetail("rejected", GroupLeadRejections(rej)).WithDetail("valid", len(leads))
		}
		if c.Progress.Total+len(leads) > dialtone.MaxCampaignLeads {
			return nil, dialtone.Errorf(dialtone.CodeImportTooLarge,
				"The campaign has %d leads; with these %d it would have more than %d.", c.Progress.Total, len(leads), dialtone.MaxCampaignLeads).
				WithDetail("limit_rows", dialtone.MaxCampaignLeads)
		}
		added = leads
		return leads, nil
	})
	if err != nil {
		return dialtone.LeadUpload{}, storeError(err, dialtone.CodeCampaignNotFound)
	}
	if len(added) > 0 && campaign.Status == dialtone.CampaignRunning {
		if err := s.Kick(ctx, p.OrganizationID, id); err != nil {
			s.log.WarnContext(ctx, "kick campaign dialer", "campaign_id", id, "error", err)
		}
	}
	return dialtone.LeadUpload{Object: "lead_upload", Added: len(added), Rejected: GroupLeadRejections(rejected)}, nil
}

// numberZone is the IANA time zone of num's area when it has exactly one, else "".
func numberZone(num *phonenumbers.PhoneNumber) string {
	zones, err := phonenumbers.GetTimezonesForNumber(num)
	if err != nil || len(zones) != 1 {
		return ""
	}
	if _, err := LoadTimezone(zones[0]); err != nil {
		return ""
	}
	return zones[0]
}

// ListLeads returns a page of a campaign's leads matching f, newest first (read role):
// campaign_not_found, invalid_value (param status), invalid_cursor.
func (s *Campaigns) ListLeads(ctx context.Context, p dialtone.Principal, id string, f dialtone.LeadFilter, lp dialtone.ListParams) (dialtone.List[dialtone.Lead], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.Lead]{}, err
	}
	if f.Status != "" && !slices.Contains(dialtone.LeadStatuses(), f.Status) {
		return dialtone.List[dialtone.Lead]{}, dialtone.Errorf(dialtone.CodeInvalidValue,
			"status %q is not a lead status: use one of %s.", f.Status, joinStatuses(dialtone.LeadStatuses())).WithParam("status")
	}
	c, err := s.store.GetCampaign(ctx, p.OrganizationID, id)
	if err != nil {
		return dialtone.List[dialtone.Lead]{}, storeError(err, dialtone.CodeCampaignNotFound)
	}
	ls, more, err := s.store.ListLeads(ctx, p.OrganizationID, id, f, lp)
	if err != nil {
		return dialtone.List[dialtone.Lead]{}, storeError(err, dialtone.CodeLeadNotFound)
	}
	for i := range ls {
		campaignZone(&ls[i], c)
	}
	return dialtone.NewList(ls, more), nil
}

// campaignZone shows on a lead that took its campaign's time zone the zone the campaign has
// now (the dialer reads it so too).
func campaignZone(l *dialtone.Lead, c dialtone.Campaign) {
	if l.ZoneFromCampaign {
		l.Timezone = c.Schedule.Timezone
	}
}

// GetLead returns a lead of a campaign of p's organization (read role): campaign_not_found,
// lead_not_found.
func (s *Campaigns) GetLead(ctx context.Context, p dialtone.Principal, id, leadID string) (dialtone.Lead, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.Lead{}, err
	}
	c, err := s.store.GetCampaign(ctx, p.OrganizationID, id)
	if err != nil {
		return dialtone.Lead{}, storeError(err, dialtone.CodeCampaignNotFound)
	}
	l, err := s.store.GetLead(ctx, p.OrganizationID, id, leadID)
	if err != nil {
		return dialtone.Lead{}, storeError(err, dialtone.CodeLeadNotFound)
	}
	campaignZone(&l, c)
	return l, nil
}

// DeleteLead removes a lead that is not being called from a campaign of p's organization
// (write role): campaign_not_found, lead_not_found, lead_in_call (details.call_id).
func (s *Campaigns) DeleteLead(ctx context.Context, p dialtone.Principal, id, leadID string) error {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return err
	}
	if _, err := s.store.GetCampaign(ctx, p.OrganizationID, id); err != nil {
		return storeError(err, dialtone.CodeCampaignNotFound)
	}
	err := s.store.DeleteLead(ctx, p.OrganizationID, id, leadID, func(l dialtone.Lead) error {
		if l.Status == dialtone.LeadCalling {
			de := dialtone.Errorf(dialtone.CodeLeadInCall, "Lead %s is being called right now; delete it once the call has ended.", l.ID)
			if l.CallID != nil {
				de = de.WithDetail("call_id", *l.CallID)
			}
			return de
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return dialtone.NewError(dialtone.CodeLeadNotFound, "")
	}
	return storeError(err, dialtone.CodeLeadNotFound)
}
