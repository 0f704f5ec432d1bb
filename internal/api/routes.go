package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// handlerFunc is a handler that returns its error for the one renderer to write.
type handlerFunc func(http.ResponseWriter, *http.Request) error

// Route describes one endpoint: the route list below is the single source of the mux, the
// access policy and the OpenAPI document.
type Route struct {
	Method    string
	Path      string
	Operation string // OpenAPI operationId
	Summary   string
	Tag       string
	Public    bool          // no authentication, no rate limit
	Operator  bool          // needs an operator key; others get operator_required
	Secret    bool          // the success body carries a secret, never stored for idempotent replay
	Role      dialtone.Role // the least role that may call it
	Query     []string      // accepted query parameters; others get unknown_parameter
	Request   any           // zero value of the request body type, nil when there is none
	Response  any           // zero value of the success body type, nil for non-JSON answers
	Stream    any           // for a Server-Sent Events stream: zero value of each event's data; no ETag
	Binary    string        // media type of a file answer (served with ranges; no ETag buffering)
	Upload    string        // media type of a non-JSON request body (a file upload), read by the handler
	Status    int           // success status
	limits    uploadLimits  // with Upload: the file's limits
}

type route struct {
	Route
	handle handlerFunc
}

var listQuery = []string{"limit", "starting_after", "ending_before"}

func (s *Server) routeList() []route {
	r := func(rt Route, h handlerFunc) route {
		if rt.Status == 0 {
			rt.Status = http.StatusOK
		}
		return route{Route: rt, handle: h}
	}
	read, write, admin := dialtone.RoleRead, dialtone.RoleWrite, dialtone.RoleAdmin
	return []route{
		r(Route{Method: "GET", Path: "/healthz", Operation: "health", Summary: "Liveness: the process serves HTTP", Tag: "Operations", Public: true}, s.healthz),
		r(Route{Method: "GET", Path: "/readyz", Operation: "ready", Summary: "Readiness: the database answers", Tag: "Operations", Public: true}, s.readyz),
		r(Route{Method: "GET", Path: "/metrics", Operation: "metrics", Summary: "Prometheus metrics", Tag: "Operations", Public: true}, s.serveMetrics),
		r(Route{Method: "GET", Path: "/docs/errors", Operation: "errorReference", Summary: "The error reference, one anchor per code", Tag: "Operations", Public: true}, s.errorDocs),
		r(Route{Method: "GET", Path: "/v1/openapi.json", Operation: "openapi", Summary: "This OpenAPI 3.1 document", Tag: "Operations", Public: true}, s.openAPI),

		r(Route{Method: "GET", Path: "/v1/organization", Operation: "getOrganization", Summary: "The caller's organization", Tag: "Organizations", Role: read, Response: dialtone.Organization{}}, s.getOrganization),
		r(Route{Method: "POST", Path: "/v1/organizations", Operation: "createOrganization", Summary: "Create an organization and its first admin key (operator keys only)", Tag: "Organizations", Role: read, Operator: true, Secret: true, Request: dialtone.OrganizationParams{}, Response: dialtone.Organization{}, Status: 201}, s.createOrganization),

		r(Route{Method: "POST", Path: "/v1/organizations/{id}/credits", Operation: "createCredit", Summary: "Credit an organization's balance (operator keys only)", Tag: "Billing", Role: read, Operator: true, Request: dialtone.CreditParams{}, Response: dialtone.LedgerEntry{}, Status: 201}, s.createCredit),
		r(Route{Method: "GET", Path: "/v1/balance", Operation: "getBalance", Summary: "The organization's balance (the sum of its ledger)", Tag: "Billing", Role: read, Response: dialtone.Balance{}}, s.getBalance),
		r(Route{Method: "GET", Path: "/v1/ledger", Operation: "listLedgerEntries", Summary: "List the organization's ledger entries", Tag: "Billing", Role: read, Query: listQuery, Response: dialtone.List[dialtone.LedgerEntry]{}}, s.listLedger),

		r(Route{Method: "GET", Path: "/v1/keys", Operation: "listKeys", Summary: "List API keys", Tag: "API keys", Role: admin, Query: listQuery, Response: dialtone.List[dialtone.APIKey]{}}, s.listKeys),
		r(Route{Method: "POST", Path: "/v1/keys", Operation: "createKey", Summary: "Create an API key (its secret is shown once)", Tag: "API keys", Role: admin, Secret: true, Request: dialtone.KeyParams{}, Response: dialtone.APIKey{}, Status: 201}, s.createKey),
		r(Route{Method: "DELETE", Path: "/v1/keys/{id}", Operation: "revokeKey", Summary: "Revoke an API key", Tag: "API keys", Role: admin, Response: dialtone.Deleted{}}, s.revokeKey),
		r(Route{Method: "POST", Path: "/v1/keys/{id}/rotate", Operation: "rotateKey", Summary: "Replace an API key's secret", Tag: "API keys", Role: admin, Secret: true, Request: struct{}{}, Response: dialtone.APIKey{}}, s.rotateKey),

		r(Route{Method: "GET", Path: "/v1/voices", Operation: "listVoices", Summary: "List the voices agents can use", Tag: "Voices", Role: read, Query: []string{"language"}, Response: dialtone.List[dialtone.Voice]{}}, s.listVoices),

		r(Route{Method: "GET", Path: "/v1/phone-numbers", Operation: "listPhoneNumbers", Summary: "List phone numbers", Tag: "Phone numbers", Role: read, Query: append(listQuery, "agent_id"), Response: dialtone.List[dialtone.PhoneNumber]{}}, s.listPhoneNumbers),
		r(Route{Method: "POST", Path: "/v1/phone-numbers", Operation: "createPhoneNumber", Summary: "Provision a phone number from a carrier", Tag: "Phone numbers", Role: write, Request: dialtone.PhoneNumberCreateParams{}, Response: dialtone.PhoneNumber{}, Status: 201}, s.createPhoneNumber),
		r(Route{Method: "POST", Path: "/v1/phone-numbers/import", Operation: "importPhoneNumber", Summary: "Import a number you hold at a carrier (Twilio)", Tag: "Phone numbers", Role: write, Request: dialtone.PhoneNumberImportParams{}, Response: dialtone.PhoneNumber{}, Status: 201}, s.importPhoneNumber),
		r(Route{Method: "GET", Path: "/v1/phone-numbers/{id}", Operation: "getPhoneNumber", Summary: "Retrieve a phone number", Tag: "Phone numbers", Role: read, Response: dialtone.PhoneNumber{}}, s.getPhoneNumber),
		r(Route{Method: "PATCH", Path: "/v1/phone-numbers/{id}", Operation: "updatePhoneNumber", Summary: "Attach, detach or configure a phone number", Tag: "Phone numbers", Role: write, Request: dialtone.PhoneNumberUpdateParams{}, Response: dialtone.PhoneNumber{}}, s.updatePhoneNumber),
		r(Route{Method: "DELETE", Path: "/v1/phone-numbers/{id}", Operation: "releasePhoneNumber", Summary: "Release a phone number back to its carrier", Tag: "Phone numbers", Role: write, Response: dialtone.Deleted{}}, s.releasePhoneNumber),

		r(Route{Method: "GET", Path: "/v1/calls", Operation: "listCalls", Summary: "List calls", Tag: "Calls", Role: read, Query: append(listQuery, "agent_id", "status", "direction", "phone_number_id", "campaign_id", "created_after", "created_before"), Response: dialtone.List[dialtone.Call]{}}, s.listCalls),
		r(Route{Method: "POST", Path: "/v1/calls", Operation: "createCall", Summary: "Place an outbound call (it waits in queued for a free line)", Tag: "Calls", Role: write, Request: dialtone.CallParams{}, Response: dialtone.Call{}, Status: 201}, s.createCall),
		r(Route{Method: "GET", Path: "/v1/calls/{id}", Operation: "getCall", Summary: "Retrieve a call", Tag: "Calls", Role: read, Response: dialtone.Call{}}, s.getCall),
		r(Route{Method: "POST", Path: "/v1/calls/{id}/hangup", Operation: "hangupCall", Summary: "Hang up (or cancel) a call", Tag: "Calls", Role: write, Request: struct{}{}, Response: dialtone.Call{}}, s.hangupCall),
		r(Route{Method: "GET", Path: "/v1/calls/{id}/events", Operation: "streamCallEvents", Summary: "Follow a call live: its events as Server-Sent Events, until it ends", Tag: "Calls", Role: read, Stream: dialtone.Event{}}, s.streamCallEvents),
		r(Route{Method: "GET", Path: "/v1/calls/{id}/recording", Operation: "getCallRecording", Summary: "Download a call's recording (WAV, caller left, agent right)", Tag: "Calls", Role: read, Binary: "audio/wav"}, s.getCallRecording),
		r(Route{Method: "DELETE", Path: "/v1/calls/{id}", Operation: "deleteCall", Summary: "Erase an ended call's content (its billing record stays)", Tag: "Calls", Role: write, Response: dialtone.Deleted{}}, s.deleteCall),
		r(Route{Method: "POST", Path: "/v1/sandbox/calls", Operation: "createSandboxCall", Summary: "Make a simulated person call one of your sandbox numbers", Tag: "Sandbox", Role: write, Request: dialtone.SandboxCallParams{}, Response: dialtone.Call{}, Status: 201}, s.createSandboxCall),
		r(Route{Method: "POST", Path: "/v1/sandbox/messages", Operation: "createSandboxMessage", Summary: "Make a simulated person text one of your sandbox numbers", Tag: "Sandbox", Role: write, Request: dialtone.SandboxMessageParams{}, Response: dialtone.Message{}, Status: 201}, s.createSandboxMessage),

		r(Route{Method: "GET", Path: "/v1/messages", Operation: "listMessages", Summary: "List text messages", Tag: "Messages", Role: read, Query: append(listQuery, "conversation_id", "status", "direction"), Response: dialtone.List[dialtone.Message]{}}, s.listMessages),
		r(Route{Method: "POST", Path: "/v1/messages", Operation: "sendMessage", Summary: "Send a text message (it waits in queued for its number's send slot)", Tag: "Messages", Role: write, Request: dialtone.MessageParams{}, Response: dialtone.Message{}, Status: 201}, s.sendMessage),
		r(Route{Method: "GET", Path: "/v1/messages/{id}", Operation: "getMessage", Summary: "Retrieve a text message", Tag: "Messages", Role: read, Response: dialtone.Message{}}, s.getMessage),
		r(Route{Method: "GET", Path: "/v1/conversations", Operation: "listConversations", Summary: "List text conversations, the most recent activity first", Tag: "Messages", Role: read, Query: listQuery, Response: dialtone.List[dialtone.SMSConversation]{}}, s.listConversations),
		r(Route{Method: "GET", Path: "/v1/conversations/{id}", Operation: "getConversation", Summary: "Retrieve a text conversation", Tag: "Messages", Role: read, Response: dialtone.SMSConversation{}}, s.getConversation),
		r(Route{Method: "PATCH", Path: "/v1/conversations/{id}", Operation: "updateConversation", Summary: "Replace a conversation's metadata (the state its agent sees)", Tag: "Messages", Role: write, Request: dialtone.ConversationUpdateParams{}, Response: dialtone.SMSConversation{}}, s.updateConversation),
		r(Route{Method: "GET", Path: "/v1/conversations/{id}/messages", Operation: "listConversationMessages", Summary: "List a conversation's messages, newest first", Tag: "Messages", Role: read, Query: listQuery, Response: dialtone.List[dialtone.Message]{}}, s.listConversationMessages),

		r(Route{Method: "GET", Path: "/v1/events", Operation: "listEvents", Summary: "List events (kept 30 days unless the operator changes it)", Tag: "Events", Role: read, Query: append(listQuery, "type"), Response: dialtone.List[dialtone.Event]{}}, s.listEvents),
		r(Route{Method: "GET", Path: "/v1/events/{id}", Operation: "getEvent", Summary: "Retrieve an event", Tag: "Events", Role: read, Response: dialtone.Event{}}, s.getEvent),
		r(Route{Method: "POST", Path: "/v1/events/{id}/redeliver", Operation: "redeliverEvent", Summary: "Send an event to webhook endpoints again, with fresh retries", Tag: "Events", Role: write, Request: dialtone.RedeliverParams{}, Response: dialtone.Redelivery{}, Status: 202}, s.redeliverEvent),
		r(Route{Method: "GET", Path: "/v1/usage", Operation: "getUsage", Summary: "Calls, minutes and cost over a period, by day or by agent", Tag: "Billing", Role: read, Query: []string{"from", "to", "group_by"}, Response: dialtone.Usage{}}, s.getUsage),

		r(Route{Method: "GET", Path: "/v1/telephony-config", Operation: "getTelephonyConfig", Summary: "The destinations calls may reach", Tag: "Destinations", Role: read, Response: dialtone.TelephonyConfig{}}, s.getTelephonyConfig),
		r(Route{Method: "PUT", Path: "/v1/telephony-config", Operation: "replaceTelephonyConfig", Summary: "Replace the destinations calls may reach (absent fields take their defaults)", Tag: "Destinations", Role: write, Request: dialtone.TelephonyConfigParams{}, Response: dialtone.TelephonyConfig{}}, s.putTelephonyConfig),
		r(Route{Method: "GET", Path: "/v1/speech-providers", Operation: "getSpeechProviders", Summary: "Which speech provider keys the organization has set (never the keys)", Tag: "Speech providers", Role: read, Response: dialtone.SpeechProviderKeys{}}, s.getSpeechProviders),
		r(Route{Method: "PUT", Path: "/v1/speech-providers", Operation: "putSpeechProviders", Summary: "Set or remove the organization's speech provider keys (absent providers stay, null removes)", Tag: "Speech providers", Role: write, Request: dialtone.SpeechProviderKeysParams{}, Response: dialtone.SpeechProviderKeys{}}, s.putSpeechProviders),

		r(Route{Method: "GET", Path: "/v1/agents", Operation: "listAgents", Summary: "List agents", Tag: "Agents", Role: read, Query: append(listQuery, "name"), Response: dialtone.List[dialtone.Agent]{}}, s.listAgents),
		r(Route{Method: "POST", Path: "/v1/agents", Operation: "createAgent", Summary: "Create an agent", Tag: "Agents", Role: write, Request: dialtone.AgentParams{}, Response: dialtone.Agent{}, Status: 201}, s.createAgent),
		r(Route{Method: "GET", Path: "/v1/agents/{id}", Operation: "getAgent", Summary: "Retrieve an agent", Tag: "Agents", Role: read, Response: dialtone.Agent{}}, s.getAgent),
		r(Route{Method: "PATCH", Path: "/v1/agents/{id}", Operation: "updateAgent", Summary: "Update an agent (only the fields sent change; null resets)", Tag: "Agents", Role: write, Request: dialtone.AgentParams{}, Response: dialtone.Agent{}}, s.updateAgent),
		r(Route{Method: "DELETE", Path: "/v1/agents/{id}", Operation: "deleteAgent", Summary: "Delete an agent (its history is kept)", Tag: "Agents", Role: write, Response: dialtone.Deleted{}}, s.deleteAgent),

		r(Route{Method: "GET", Path: "/v1/campaigns", Operation: "listCampaigns", Summary: "List campaigns with their progress", Tag: "Campaigns", Role: read, Query: append(listQuery, "status"), Response: dialtone.List[dialtone.Campaign]{}}, s.listCampaigns),
		r(Route{Method: "POST", Path: "/v1/campaigns", Operation: "createCampaign", Summary: "Create a campaign (a draft)", Tag: "Campaigns", Role: write, Request: dialtone.CampaignCreateParams{}, Response: dialtone.Campaign{}, Status: 201}, s.createCampaign),
		r(Route{Method: "GET", Path: "/v1/campaigns/{id}", Operation: "getCampaign", Summary: "Retrieve a campaign with its progress and ETA", Tag: "Campaigns", Role: read, Response: dialtone.Campaign{}}, s.getCampaign),
		r(Route{Method: "PATCH", Path: "/v1/campaigns/{id}", Operation: "updateCampaign", Summary: "Change a campaign that has not ended", Tag: "Campaigns", Role: write, Request: dialtone.CampaignUpdateParams{}, Response: dialtone.Campaign{}}, s.updateCampaign),
		r(Route{Method: "DELETE", Path: "/v1/campaigns/{id}", Operation: "deleteCampaign", Summary: "Delete a draft campaign and its leads", Tag: "Campaigns", Role: write, Response: dialtone.Deleted{}}, s.deleteCampaign),
		r(Route{Method: "POST", Path: "/v1/campaigns/{id}/start", Operation: "startCampaign", Summary: "Start a draft campaign (it runs from its start time)", Tag: "Campaigns", Role: write, Request: struct{}{}, Response: dialtone.Campaign{}}, s.campaignAction(dialtone.CampaignStart)),
		r(Route{Method: "POST", Path: "/v1/campaigns/{id}/pause", Operation: "pauseCampaign", Summary: "Pause a running campaign (live calls finish)", Tag: "Campaigns", Role: write, Request: struct{}{}, Response: dialtone.Campaign{}}, s.campaignAction(dialtone.CampaignPause)),
		r(Route{Method: "POST", Path: "/v1/campaigns/{id}/resume", Operation: "resumeCampaign", Summary: "Resume a paused campaign", Tag: "Campaigns", Role: write, Request: struct{}{}, Response: dialtone.Campaign{}}, s.campaignAction(dialtone.CampaignResume)),
		r(Route{Method: "POST", Path: "/v1/campaigns/{id}/cancel", Operation: "cancelCampaign", Summary: "Cancel a campaign for good (waiting leads are canceled)", Tag: "Campaigns", Role: write, Request: struct{}{}, Response: dialtone.Campaign{}}, s.campaignAction(dialtone.CampaignCancel)),
		r(Route{Method: "POST", Path: "/v1/campaigns/{id}/leads", Operation: "addCampaignLeads", Summary: "Add leads as JSON or from a CSV file, and report those rejected", Tag: "Campaigns", Role: write, Query: []string{"skip_invalid"}, Request: leadBatch{}, Upload: "multipart/form-data", limits: leadUpload, Response: dialtone.LeadUpload{}, Status: 201}, s.addLeads),
		r(Route{Method: "GET", Path: "/v1/campaigns/{id}/leads", Operation: "listCampaignLeads", Summary: "List a campaign's leads", Tag: "Campaigns", Role: read, Query: append(listQuery, "status"), Response: dialtone.List[dialtone.Lead]{}}, s.listLeads),
		r(Route{Method: "GET", Path: "/v1/campaigns/{id}/leads/{lead_id}", Operation: "getCampaignLead", Summary: "Retrieve a lead", Tag: "Campaigns", Role: read, Response: dialtone.Lead{}}, s.getLead),
		r(Route{Method: "DELETE", Path: "/v1/campaigns/{id}/leads/{lead_id}", Operation: "deleteCampaignLead", Summary: "Delete a lead that is not being called", Tag: "Campaigns", Role: write, Response: dialtone.Deleted{}}, s.deleteLead),
		r(Route{Method: "GET", Path: "/v1/contacts", Operation: "listContacts", Summary: "List contacts, optionally searching names and numbers", Tag: "Contacts", Role: read, Query: append(listQuery, "search"), Response: dialtone.List[dialtone.Contact]{}}, s.listContacts),
		r(Route{Method: "POST", Path: "/v1/contacts", Operation: "createContact", Summary: "Create a contact", Tag: "Contacts", Role: write, Request: dialtone.ContactCreateParams{}, Response: dialtone.Contact{}, Status: 201}, s.createContact),
		r(Route{Method: "POST", Path: "/v1/contacts/import", Operation: "importContacts", Summary: "Create contacts from an uploaded CSV file and report the rows rejected", Tag: "Contacts", Role: write, Upload: "multipart/form-data", limits: contactUpload, Response: dialtone.ContactImport{}}, s.importContacts),
		r(Route{Method: "GET", Path: "/v1/contacts/{id}", Operation: "getContact", Summary: "Retrieve a contact", Tag: "Contacts", Role: read, Response: dialtone.Contact{}}, s.getContact),
		r(Route{Method: "PATCH", Path: "/v1/contacts/{id}", Operation: "updateContact", Summary: "Change a contact's number, name, email, notes or metadata", Tag: "Contacts", Role: write, Request: dialtone.ContactUpdateParams{}, Response: dialtone.Contact{}}, s.updateContact),
		r(Route{Method: "DELETE", Path: "/v1/contacts/{id}", Operation: "deleteContact", Summary: "Delete a contact for good", Tag: "Contacts", Role: write, Response: dialtone.Deleted{}}, s.deleteContact),

		r(Route{Method: "GET", Path: "/v1/webhook-endpoints", Operation: "listWebhookEndpoints", Summary: "List webhook endpoints", Tag: "Webhook endpoints", Role: read, Query: listQuery, Response: dialtone.List[dialtone.WebhookEndpoint]{}}, s.listWebhookEndpoints),
		r(Route{Method: "POST", Path: "/v1/webhook-endpoints", Operation: "createWebhookEndpoint", Summary: "Create a webhook endpoint (its signing secret is shown once)", Tag: "Webhook endpoints", Role: write, Secret: true, Request: dialtone.WebhookEndpointCreateParams{}, Response: dialtone.WebhookEndpoint{}, Status: 201}, s.createWebhookEndpoint),
		r(Route{Method: "GET", Path: "/v1/webhook-endpoints/{id}", Operation: "getWebhookEndpoint", Summary: "Retrieve a webhook endpoint", Tag: "Webhook endpoints", Role: read, Response: dialtone.WebhookEndpoint{}}, s.getWebhookEndpoint),
		r(Route{Method: "PATCH", Path: "/v1/webhook-endpoints/{id}", Operation: "updateWebhookEndpoint", Summary: "Change a webhook endpoint's URL, events, description, or enable or disable it", Tag: "Webhook endpoints", Role: write, Request: dialtone.WebhookEndpointUpdateParams{}, Response: dialtone.WebhookEndpoint{}}, s.updateWebhookEndpoint),
		r(Route{Method: "DELETE", Path: "/v1/webhook-endpoints/{id}", Operation: "deleteWebhookEndpoint", Summary: "Delete a webhook endpoint", Tag: "Webhook endpoints", Role: write, Response: dialtone.Deleted{}}, s.deleteWebhookEndpoint),
		r(Route{Method: "POST", Path: "/v1/webhook-endpoints/{id}/rotate-secret", Operation: "rotateWebhookEndpointSecret", Summary: "Replace a webhook endpoint's signing secret (the old one signs too for 24 h)", Tag: "Webhook endpoints", Role: write, Secret: true, Request: struct{}{}, Response: dialtone.WebhookEndpoint{}}, s.rotateWebhookEndpointSecret),
		r(Route{Method: "POST", Path: "/v1/webhook-endpoints/{id}/test", Operation: "testWebhookEndpoint", Summary: "Send a signed webhook.test event to an endpoint now and return the attempt", Tag: "Webhook endpoints", Role: write, Request: struct{}{}, Response: dialtone.WebhookDelivery{}}, s.testWebhookEndpoint),
		r(Route{Method: "GET", Path: "/v1/webhook-endpoints/{id}/deliveries", Operation: "listWebhookDeliveries", Summary: "List the delivery attempts of a webhook endpoint, newest first", Tag: "Webhook endpoints", Role: read, Query: listQuery, Response: dialtone.List[dialtone.WebhookDelivery]{}}, s.listWebhookDeliveries),
	}
}
