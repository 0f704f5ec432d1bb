package dialtone

// The error codes. Each has exactly one entry in catalogue below; a test keeps the two in step.
const (
	// Request shape.
	CodeInvalidJSON           Code = "invalid_json"
	CodeInvalidType           Code = "invalid_type"
	CodeUnknownField          Code = "unknown_field"
	CodeDuplicateField        Code = "duplicate_field"
	CodeBodyTooLarge          Code = "body_too_large"
	CodeUnsupportedMediaType  Code = "unsupported_media_type"
	CodeMethodNotAllowed      Code = "method_not_allowed"
	CodeUnknownParameter      Code = "unknown_parameter"
	CodeParametersExclusive   Code = "parameters_exclusive"
	CodeInvalidCursor         Code = "invalid_cursor"
	CodeInvalidIdempotencyKey Code = "invalid_idempotency_key"

	// Field values.
	CodeFieldRequired      Code = "field_required"
	CodeValueTooShort      Code = "value_too_short"
	CodeValueTooLong       Code = "value_too_long"
	CodeValueOutOfRange    Code = "value_out_of_range"
	CodeInvalidValue       Code = "invalid_value"
	CodeTooManyItems       Code = "too_many_items"
	CodePromptTooLong      Code = "prompt_too_long"
	CodeInvalidVoiceID     Code = "invalid_voice_id"
	CodeInvalidLanguage    Code = "invalid_language"
	CodeInvalidPhoneFormat Code = "invalid_phone_format"
	CodeInvalidCountry     Code = "invalid_country"
	CodeInvalidTwilioSID   Code = "invalid_twilio_sid"

	// Authentication and permission.
	CodeMissingAPIKey           Code = "missing_api_key"
	CodeInvalidAPIKey           Code = "invalid_api_key"
	CodeKeySecretRequired       Code = "key_secret_required"
	CodeInsufficientPermissions Code = "insufficient_permissions"
	CodeOperatorRequired        Code = "operator_required"

	// Resources.
	CodeRouteNotFound Code = "route_not_found"
	CodeAgentNotFound Code = "agent_not_found"
	CodeKeyNotFound   Code = "key_not_found"

	CodePhoneNumberNotFound  Code = "phone_number_not_found"
	CodeOrganizationNotFound Code = "organization_not_found"
	CodeCallNotFound         Code = "call_not_found"
	CodeEventNotFound        Code = "event_not_found"
	CodeRecordingNotFound    Code = "recording_not_found"

	// Calls.
	CodeDestinationNotAllowed Code = "destination_not_allowed"
	CodeFromNumberNotOwned    Code = "from_number_not_owned"
	CodeAgentNoPhone          Code = "agent_no_phone"
	CodeCallAlreadyEnded      Code = "call_already_ended"
	CodeCallNotEnded          Code = "call_not_ended"
	CodeConcurrentCallLimit   Code = "concurrent_call_limit"

	// Billing.
	CodeInsufficientBalance Code = "insufficient_balance"

	// State.
	CodeIdempotencyKeyReused  Code = "idempotency_key_reused"
	CodeIdempotencyKeyInUse   Code = "idempotency_key_in_use"
	CodeLastAdminKey          Code = "last_admin_key"
	CodeNumberAlreadyAssigned Code = "number_already_assigned"
	CodeNumberLimitReached    Code = "number_limit_reached"
	CodeNoNumbersAvailable    Code = "no_numbers_available"

	// Webhooks.
	CodeWebhookURLNotAllowed    Code = "webhook_url_not_allowed"
	CodeWebhookEndpointNotFound Code = "webhook_endpoint_not_found"
	CodeWebhookEndpointLimit    Code = "webhook_endpoint_limit"
	CodeWebhookEndpointDisabled Code = "webhook_endpoint_disabled"

	// Contacts.
	CodeContactNotFound      Code = "contact_not_found"
	CodeContactAlreadyExists Code = "contact_already_exists"
	CodeInvalidCSV           Code = "invalid_csv"
	CodeImportTooLarge       Code = "import_too_large"

	// Messaging.
	CodeMessageNotFound         Code = "message_not_found"
	CodeConversationNotFound    Code = "conversation_not_found"
	CodeMessageTooLong          Code = "message_too_long"
	CodeRecipientUnsubscribed   Code = "recipient_unsubscribed"
	CodeSMSNotSupportedInRegion Code = "sms_not_supported_in_region"

	// Campaigns.
	CodeCampaignNotFound      Code = "campaign_not_found"
	CodeLeadNotFound          Code = "lead_not_found"
	CodeCampaignStateConflict Code = "campaign_state_conflict"
	CodeCampaignHasNoLeads    Code = "campaign_has_no_leads"
	CodeLeadsRejected         Code = "leads_rejected"
	CodeLeadInCall            Code = "lead_in_call"

	// Carriers and providers.
	CodeNumberNotInCarrierAccount Code = "number_not_in_carrier_account"
	CodeCarrierCredentialsInvalid Code = "carrier_credentials_invalid"
	CodeNumberAlreadyImported     Code = "number_already_imported"
	CodeProviderRateLimited       Code = "provider_rate_limited"
	CodeProviderError             Code = "provider_error"
	CodeProviderTimeout           Code = "provider_timeout"

	// Load and failures.
	CodeRateLimitExceeded  Code = "rate_limit_exceeded"
	CodeInternalError      Code = "internal_error"
	CodeServiceUnavailable Code = "service_unavailable"
)

var catalogue = []CatalogEntry{
	// invalid_request
	{Code: CodeInvalidJSON, Type: TypeInvalidRequest, Status: 400,
		Message: "The request body is not valid JSON.",
		Doc: "The body could not be parsed as a JSON object. `details.offset` gives the byte at which " +
			"parsing failed when it is known. Send a single JSON object, UTF-8 encoded, with " +
			"`Content-Type: application/json`."},
	{Code: CodeInvalidType, Type: TypeInvalidRequest, Status: 400,
		Message: "A field has the wrong JSON type.",
		Doc: "A field was present but of the wrong JSON type, for example a string where a number is " +
			"expected. `param` names the field and the message says which type was expected. Numbers " +
			"must be JSON numbers, not strings; integers must have no fractional part."},
	{Code: CodeUnknownField, Type: TypeInvalidRequest, Status: 400,
		Message: "The request contains a field this endpoint does not accept.",
		Doc: "Dialtone rejects fields it does not know instead of ignoring them, so that a typo (`to` for " +
			"`to_number`, `promt` for `prompt`) can never be silently dropped. `param` names the field; " +
			"check the spelling against the API reference."},
	{Code: CodeDuplicateField, Type: TypeInvalidRequest, Status: 400,
		Message: "The request contains the same field twice.",
		Doc: "A JSON object in the body names the same field more than once. Parsers disagree on which " +
			"copy wins, so Dialtone refuses to guess: send each field once."},
	{Code: CodeBodyTooLarge, Type: TypeInvalidRequest, Status: 413,
		Message: "The request body is larger than 1 MiB.",
		Doc: "Request bodies are limited to 1 MiB (1,048,576 bytes). Large payloads such as audio or " +
			"contact lists have their own upload endpoints."},
	{Code: CodeUnsupportedMediaType, Type: TypeInvalidRequest, Status: 415,
		Message: "The request body must be sent with Content-Type: application/json.",
		Doc: "Endpoints that take a body accept JSON only. Set `Content-Type: application/json` (a " +
			"`charset=utf-8` parameter is allowed)."},
	{Code: CodeMethodNotAllowed, Type: TypeInvalidRequest, Status: 405,
		Message: "This route does not support this HTTP method.",
		Doc: "The path exists but not with this method. The `Allow` response header and " +
			"`details.allowed_methods` list the methods it supports."},
	{Code: CodeUnknownParameter, Type: TypeInvalidRequest, Status: 400,
		Message: "The request contains a query parameter this endpoint does not accept.",
		Doc: "Like unknown body fields, unknown query parameters are rejected rather than ignored, so a " +
			"misspelt filter cannot silently return everything. `param` names the parameter."},
	{Code: CodeParametersExclusive, Type: TypeInvalidRequest, Status: 400,
		Message: "These parameters cannot be used together.",
		Doc: "Two parameters that exclude each other were both sent, for example `starting_after` and " +
			"`ending_before` on a list. Send one of them."},
	{Code: CodeInvalidCursor, Type: TypeInvalidRequest, Status: 400,
		Message: "The pagination cursor does not name an object in this list.",
		Doc: "`starting_after` and `ending_before` take the `id` of an object returned by the same list. " +
			"The id given does not exist, belongs to another list, or was deleted. Restart from the " +
			"first page."},
	{Code: CodeInvalidIdempotencyKey, Type: TypeInvalidRequest, Status: 400,
		Message: "The Idempotency-Key header must be 1 to 255 printable ASCII characters.",
		Doc: "Use a random value such as a UUID v4 per logical operation, and send the same value when " +
			"retrying that operation."},

	{Code: CodeFieldRequired, Type: TypeInvalidRequest, Status: 400,
		Message: "A required field is missing.",
		Doc:     "The field named by `param` must be present and not null.", Equivalents: []string{"A: VALIDATION_ERROR"}},
	{Code: CodeValueTooShort, Type: TypeInvalidRequest, Status: 400,
		Message: "A field's value is too short.",
		Doc:     "The field named by `param` is shorter than its minimum length (an empty name, for example). The message states the minimum."},
	{Code: CodeValueTooLong, Type: TypeInvalidRequest, Status: 400,
		Message: "A field's value is too long.",
		Doc:     "The field named by `param` is longer than its maximum length, counted in Unicode characters. The message states the maximum."},
	{Code: CodeValueOutOfRange, Type: TypeInvalidRequest, Status: 400,
		Message: "A number is outside its allowed range.",
		Doc:     "The field named by `param` must lie within the range the message states, for example `max_call_duration_seconds` between 30 and 7200."},
	{Code: CodeInvalidValue, Type: TypeInvalidRequest, Status: 400,
		Message: "A field's value is not one of the accepted values.",
		Doc:     "The field named by `param` takes one of a fixed set of values, or a value of a given form; the message lists what is accepted."},
	{Code: CodeTooManyItems, Type: TypeInvalidRequest, Status: 400,
		Message: "A list or map has too many entries.",
		Doc:     "The field named by `param` holds more entries than allowed, for example more than 50 `metadata` keys. The message states the limit."},
	{Code: CodePromptTooLong, Type: TypeInvalidRequest, Status: 400,
		Message: "The system prompt is longer than 10,000 characters.",
		Doc: "An agent's `system_prompt` is limited to 10,000 characters so that every turn's context " +
			"fits the language model with room for the conversation. Move reference material into " +
			"the brain's knowledge or shorten the prompt.", Equivalents: []string{"N: prompt_too_long"}},
	{Code: CodeInvalidVoiceID, Type: TypeInvalidRequest, Status: 400,
		Message: "The voice is not one of the voices offered.",
		Doc: "`voice` must be the `id` of a voice listed by `GET /v1/voices`, which shows the voices of " +
			"the speech providers this server is configured with.", Equivalents: []string{"N: invalid_voice_id"}},
	{Code: CodeInvalidLanguage, Type: TypeInvalidRequest, Status: 400,
		Message: "The language is not supported.",
		Doc: "`language` must be a BCP 47 tag from the supported list (for example `en-US`, `en-GB`, " +
			"`es-ES`, `fr-FR`, `de-DE`); the error's `details.supported` lists them all."},
	{Code: CodeInvalidPhoneFormat, Type: TypeInvalidRequest, Status: 400,
		Message: "A phone number is not a valid E.164 number.",
		Doc: "Phone numbers are written in E.164: a `+`, the country code, then the national number, " +
			"digits only, for example `+14155550123` or `+447446466847`. The number must also be a " +
			"possible number for its country.", Equivalents: []string{"N: invalid_phone_format"}},

	{Code: CodeInvalidTwilioSID, Type: TypeInvalidRequest, Status: 400,
		Message: "A Twilio account SID is AC followed by 32 hexadecimal characters.",
		Doc: "`twilio_account_sid` must be the SID of a Twilio account or subaccount: `AC` and 32 " +
			"hexadecimal digits, as shown on the Twilio Console's dashboard (for example " +
			"`AC0123456789abcdef0123456789abcdef`). An API key SID (`SK…`) is not an account SID.",
		Equivalents: []string{"N: invalid_twilio_sid"}},
	{Code: CodeCarrierCredentialsInvalid, Type: TypeInvalidRequest, Status: 400,
		Message: "The carrier refused these credentials.",
		Doc: "Twilio answered that the account SID and auth token do not authenticate (its error " +
			"20003, given in `details.provider_code`). Copy both again from the Twilio Console; an " +
			"auth token that was rotated stops working at once. Nothing was imported. The token is " +
			"never stored or echoed when it is refused.",
		Equivalents: []string{"N: twilio_invalid_credentials", "N: twilio_auth_failed"}},
	{Code: CodeInvalidCountry, Type: TypeInvalidRequest, Status: 400,
		Message: "The country must be a two-letter ISO 3166-1 code.",
		Doc: "`country` takes an ISO 3166-1 alpha-2 code in capitals, such as `US`, `GB` or `DE`. " +
			"Names (`United States`) and three-letter codes (`USA`) are not accepted."},

	{Code: CodeWebhookURLNotAllowed, Type: TypeInvalidRequest, Status: 400,
		Message: "Dialtone may not send webhooks to this URL.",
		Doc: "A webhook endpoint's `url` must be an absolute `https://` URL whose host resolves only to " +
			"public addresses, so that webhooks cannot be aimed at the server's own network. " +
			"`details.reason` says which rule refused it: `scheme` (plain `http://`, refused unless the " +
			"operator started the server with `--allow-http-webhooks`, or another scheme), " +
			"`private_address` (the host is, or resolves to, a loopback, private, link-local — such as " +
			"the cloud metadata address 169.254.169.254 — carrier-grade NAT, multicast or other " +
			"non-public address, named in the message and in `details.address`; allowed only with " +
			"`--allow-private-webhooks`) or `unresolvable` (the host name has no DNS address). The " +
			"same check runs again before every delivery."},

	// authentication_error
	{Code: CodeMissingAPIKey, Type: TypeAuthentication, Status: 401,
		Message: "No API key was sent. Send Authorization: Bearer <key_id>:<key_secret>.",
		Doc: "Every `/v1` request needs an `Authorization: Bearer key_id:key_secret` header. " +
			"`dialtone serve` prints an admin key the first time it starts; `dialtone keys create` " +
			"makes more.", Equivalents: []string{"N: invalid_api_key"}},
	{Code: CodeInvalidAPIKey, Type: TypeAuthentication, Status: 401,
		Message: "The API key is not valid.",
		Doc: "The key id does not exist, the secret does not match it, the header is malformed, or the " +
			"key was revoked or rotated. Check for stray whitespace, and that you use the newest secret " +
			"after a rotation.", Equivalents: []string{"N: invalid_api_key"}},
	{Code: CodeKeySecretRequired, Type: TypeAuthentication, Status: 401,
		Message: "The Authorization header carries a key id but no secret.",
		Doc: "Send the full credential, `Bearer key_id:key_secret`. The key id alone (`key_…`) is not a " +
			"secret and does not authenticate.", Equivalents: []string{"N: key_secret_required"}},

	// payment_required
	{Code: CodeInsufficientBalance, Type: TypePaymentRequired, Status: 402,
		Message: "Your organization's balance is too low for this request.",
		Doc: "Your organization is prepaid, and this request needs a minimum balance: provisioning a " +
			"phone number needs $3.00 (of which its first month is charged), placing a call needs a " +
			"positive balance. `details.balance_micros` is the balance and `details.required_micros` " +
			"the minimum, in micro-dollars. Nothing was charged or created. A call that is already " +
			"live when the balance runs out is ended with `ended_reason: balance_exhausted`. Ask the " +
			"operator to credit your organization, then retry.",
		Equivalents: []string{"A: INSUFFICIENT_BALANCE"}},

	// permission_error
	{Code: CodeInsufficientPermissions, Type: TypePermission, Status: 403,
		Message: "This API key's role does not allow this request.",
		Doc: "Keys have a role: `read` may only read, `write` may also create, change and delete, and " +
			"`admin` may also manage API keys. `details.required_role` names the role needed."},
	{Code: CodeOperatorRequired, Type: TypePermission, Status: 403,
		Message: "Only an operator key may create or credit organizations.",
		Doc: "Creating organizations and crediting their balances is reserved to the people who run the server. Create an operator " +
			"key on the server with `dialtone keys create --operator`."},

	{Code: CodeDestinationNotAllowed, Type: TypePermission, Status: 403,
		Message: "Your organization may not call this number.",
		Doc: "The number is outside the destinations your telephony configuration allows. " +
			"`details.reason` says which rule refused it: `country_not_allowed` (its country is not in " +
			"`allowed_countries`), `prefix_not_allowed` (it starts with none of `allowed_prefixes`) or " +
			"`premium_rate` (a premium-rate or shared-cost number while `block_premium_rate` is on). " +
			"Change the rules with `PUT /v1/telephony-config` if the call is intended. Nothing was " +
			"placed or charged.",
		Equivalents: []string{"D: 403 (destination not enabled in the telephony configuration)"}},

	// not_found
	{Code: CodeRouteNotFound, Type: TypeNotFound, Status: 404,
		Message: "There is no such route.",
		Doc:     "No endpoint has this path. Check the path against the API reference served at `/v1/openapi.json`."},
	{Code: CodeAgentNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such agent.",
		Doc: "No agent with this id exists in your organization. It may have been deleted, or belong to " +
			"another organization: the two cases are deliberately indistinguishable.",
		Equivalents: []string{"N: agent_not_found", "N: agent_not_owned"}},
	{Code: CodeKeyNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such API key.",
		Doc:     "No live API key with this id exists in your organization. Revoked keys are gone for good."},

	{Code: CodePhoneNumberNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such phone number.",
		Doc: "No live phone number with this id exists in your organization. Released numbers are " +
			"gone from the API (their calls and messages stay), and another organization's numbers " +
			"are indistinguishable from missing ones.",
		Equivalents: []string{"A: PHONE_NUMBER_NOT_FOUND"}},
	{Code: CodeNumberNotInCarrierAccount, Type: TypeNotFound, Status: 404,
		Message: "The carrier account does not hold this phone number.",
		Doc: "Twilio accepted the account SID and auth token, but the account has no incoming phone " +
			"number equal to `phone_number`. Check that the number is in E.164 form and that it is in " +
			"this account, not a subaccount or another project (Twilio Console → Phone Numbers → " +
			"Active numbers). Numbers are matched exactly.",
		Equivalents: []string{"N: number_not_in_twilio"}},
	{Code: CodeCallNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such call.",
		Doc: "No call with this id exists in your organization. Deleted calls are gone from the API " +
			"(their billing records stay in the ledger), and another organization's calls are " +
			"indistinguishable from missing ones.",
		Equivalents: []string{"N: call_not_found"}},
	{Code: CodeEventNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such event.",
		Doc: "No event with this id exists in your organization. Events are kept for a limited " +
			"number of days (30 unless the operator set --event-retention-days) and then deleted, " +
			"so an old id can stop resolving; another organization's events are indistinguishable " +
			"from missing ones.",
	},
	{Code: CodeRecordingNotFound, Type: TypeNotFound, Status: 404,
		Message: "This call has no recording.",
		Doc: "The call exists but has no recording to download: it was never answered, it is still " +
			"going on (the recording is complete once the call ends), its content was deleted, or the " +
			"server keeps no recordings. With several servers, recordings are written where each call " +
			"ran: point every server's `--recordings-dir` at shared storage."},
	{Code: CodeOrganizationNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such organization.",
		Doc: "No organization with this id exists. Operator endpoints such as " +
			"`POST /v1/organizations/{id}/credits` name an organization by its `org_` id, as returned " +
			"when it was created."},

	{Code: CodeWebhookEndpointNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such webhook endpoint.",
		Doc: "No webhook endpoint with this id exists in your organization: it was deleted, or the id " +
			"is mistyped. Another organization's endpoints are indistinguishable from missing ones. " +
			"`GET /v1/webhook-endpoints` lists yours."},

	// conflict
	{Code: CodeIdempotencyKeyReused, Type: TypeConflict, Status: 409,
		Message: "This Idempotency-Key was already used with a different request.",
		Doc: "An `Idempotency-Key` identifies one operation for 24 hours: sending it again with the same " +
			"method, path and body replays the first response, but sending it with a different request " +
			"is refused. Use a new key for a new operation."},
	{Code: CodeIdempotencyKeyInUse, Type: TypeConflict, Status: 409, Retryable: true,
		Message: "A request with this Idempotency-Key is still being processed.",
		Doc: "Another request with the same `Idempotency-Key` had not finished after Dialtone waited for " +
			"it. Retry after a moment: you will receive that request's response."},
	{Code: CodeLastAdminKey, Type: TypeConflict, Status: 409,
		Message: "The last admin key of an organization cannot be revoked.",
		Doc: "Revoking it would lock the organization out of key management. Create another admin key " +
			"first, or rotate this one to replace its secret."},

	{Code: CodeNumberAlreadyAssigned, Type: TypeConflict, Status: 409,
		Message: "This phone number is attached to another agent.",
		Doc: "A number belongs to one agent at a time, so that an inbound call has exactly one agent " +
			"to answer it. Detach it first (`PATCH /v1/phone-numbers/{id}` with `\"agent_id\": null`), " +
			"then attach it to the new agent. `details.agent_id` names the agent holding it.",
		Equivalents: []string{"N: number_already_imported (for a number on another agent)"}},
	{Code: CodeNumberAlreadyImported, Type: TypeConflict, Status: 409,
		Message: "This phone number is already in use on this Dialtone installation.",
		Doc: "A number can be imported once per installation: it is already imported, or held, by an " +
			"organization here (yours or another). Twilio sends a number's calls and texts to one " +
			"webhook, so two imports would steal each other's traffic. Delete the existing number " +
			"(`DELETE /v1/phone-numbers/{id}`) first if you mean to move it.",
		Equivalents: []string{"N: number_already_imported"}},
	{Code: CodeNumberLimitReached, Type: TypeConflict, Status: 409,
		Message: "Your organization holds as many phone numbers as it may.",
		Doc: "Each organization may hold a set number of phone numbers (10 unless the operator " +
			"changed it with `--max-numbers-per-org`). Release a number you no longer use, or ask " +
			"the operator to raise the limit. `details.limit` states it.",
		Equivalents: []string{"A: VALIDATION_ERROR_NUMBER_LIMIT"}},
	{Code: CodeWebhookEndpointLimit, Type: TypeConflict, Status: 409,
		Message: "Your organization has as many webhook endpoints as it may.",
		Doc: "Each organization may have at most 20 webhook endpoints. Delete one you no longer use " +
			"(`DELETE /v1/webhook-endpoints/{id}`), or subscribe an existing endpoint to more event " +
			"types with `PATCH`. `details.limit` states the limit."},
	{Code: CodeWebhookEndpointDisabled, Type: TypeConflict, Status: 409,
		Message: "This webhook endpoint is disabled.",
		Doc: "Events are not sent to a disabled endpoint, so it cannot be named in a redelivery. " +
			"`disabled_reason` on the endpoint says why Dialtone disabled it (it answered 410 Gone, or " +
			"every delivery failed for 5 days); null means a request disabled it. Fix the receiver, " +
			"check it with `POST /v1/webhook-endpoints/{id}/test` (which sends even to a disabled " +
			"endpoint), enable it with `PATCH {\"enabled\": true}`, then redeliver."},
	{Code: CodeNoNumbersAvailable, Type: TypeConflict, Status: 409,
		Message: "The carrier has no number available for this request.",
		Doc: "No number matches the country and area code asked for. Try another area code, or none. " +
			"The sandbox carrier offers fictional North American numbers (`+1 NPA 555 01XX`) in the " +
			"US and CA only, 100 per area code."},

	{Code: CodeCallAlreadyEnded, Type: TypeConflict, Status: 409,
		Message: "This call has already ended.",
		Doc: "The call reached a final status (`details.status`) before this request, so there is " +
			"nothing left to hang up. Read the call to see how and when it ended."},
	{Code: CodeCallNotEnded, Type: TypeConflict, Status: 409,
		Message: "This call is still going on.",
		Doc: "A call can be deleted only once it has ended, so that its billing record is final. " +
			"Hang it up first with `POST /v1/calls/{id}/hangup`, then delete it."},

	// unprocessable
	{Code: CodeFromNumberNotOwned, Type: TypeUnprocessable, Status: 422,
		Message: "from_number is not one of this agent's outbound numbers.",
		Doc: "A call's caller ID must be a live number of your organization, attached to the calling " +
			"agent, with `outbound_enabled` on. Attach the number to the agent " +
			"(`PATCH /v1/phone-numbers/{id}` with `agent_id`), enable outbound calls on it, or leave " +
			"`from_number` out to use the agent's first outbound number. `details.reason` says which " +
			"condition failed.",
		Equivalents: []string{"N: from_number_not_owned"}},
	{Code: CodeAgentNoPhone, Type: TypeUnprocessable, Status: 422,
		Message: "This agent has no phone number to call from.",
		Doc: "An outbound call without `from_number` uses the agent's first outbound-enabled number, " +
			"and this agent has none. Provision one with `POST /v1/phone-numbers` and `agent_id`, or " +
			"attach an existing number to the agent.",
		Equivalents: []string{"N: agent_no_phone"}},

	// Contacts.
	{Code: CodeContactNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such contact.",
		Doc: "No contact with this id exists in your organization: it was deleted (deletion is " +
			"permanent), or the id is mistyped. Another organization's contacts are indistinguishable " +
			"from missing ones. `GET /v1/contacts?search=` finds a contact by name or number."},
	{Code: CodeContactAlreadyExists, Type: TypeConflict, Status: 409,
		Message: "Your organization already has a contact with this phone number.",
		Doc: "An organization has one contact per phone number, so that a message or call from a " +
			"number finds exactly one contact. `details.contact_id` names the contact that has it: " +
			"change that contact with `PATCH /v1/contacts/{id}` instead, or delete it first."},
	{Code: CodeInvalidCSV, Type: TypeInvalidRequest, Status: 400,
		Message: "The uploaded file is not a CSV file of the expected columns.",
		Doc: "`POST /v1/contacts/import` and `POST /v1/campaigns/{id}/leads` take a UTF-8 CSV file, " +
			"comma-separated, whose first row names the columns. `phone_number` is required. For " +
			"contacts, `name`, `email` and `notes` are optional and any other column becomes a " +
			"`metadata` key; for leads, `timezone` is optional and any other column becomes one of " +
			"the lead's `variables` (at most 50 columns, names of 1 to 40 characters). The message " +
			"says what is wrong (no `phone_number` column, a column named twice, a malformed quote " +
			"and its line); nothing was imported. Export the sheet again as \"CSV UTF-8\"."},
	{Code: CodeImportTooLarge, Type: TypeInvalidRequest, Status: 413,
		Message: "The import is larger than allowed.",
		Doc: "One contact import may hold at most 10,000 rows and 5 MiB; one lead upload at most " +
			"100,000 CSV rows and 32 MiB, or 10,000 leads as JSON. `details.limit_rows` and " +
			"`details.limit_bytes` state the limits; nothing was imported. Split the file and upload " +
			"the parts one after another."},

	// Campaigns.
	{Code: CodeCampaignNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such campaign.",
		Doc: "No campaign with this id exists in your organization, or the id is mistyped. Deleted " +
			"drafts are gone for good, and another organization's campaigns are indistinguishable " +
			"from missing ones. `GET /v1/campaigns` lists yours."},
	{Code: CodeLeadNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such lead in this campaign.",
		Doc: "The campaign has no lead with this id: it was deleted, belongs to another campaign, or " +
			"is mistyped. `GET /v1/campaigns/{id}/leads` lists the campaign's leads."},
	{Code: CodeCampaignStateConflict, Type: TypeConflict, Status: 409,
		Message: "The campaign's status does not allow this.",
		Doc: "Campaigns move `draft → scheduled → running ⇄ paused → completed`, and any of the first " +
			"four may be `canceled`. `start` needs a draft, `pause` a running campaign, `resume` a " +
			"paused one, `cancel` one that has not ended; a campaign can be changed or take leads " +
			"until it is completed or canceled, and deleted only as a draft. `details.status` is the " +
			"campaign's status now and `details.allowed_actions` what it allows. A canceled or " +
			"completed campaign never runs again: create a new one (its leads can be uploaded again)."},
	{Code: CodeCampaignHasNoLeads, Type: TypeUnprocessable, Status: 422,
		Message: "The campaign has no leads to call.",
		Doc: "A campaign starts only with at least one lead. Add leads with " +
			"`POST /v1/campaigns/{id}/leads` (JSON or a CSV file), then start it again."},
	{Code: CodeLeadsRejected, Type: TypeUnprocessable, Status: 422,
		Message: "Some leads were rejected, so none were added.",
		Doc: "`details.rejected` lists the rejected leads grouped by reason (invalid or missing " +
			"number, destination not allowed by your telephony config, duplicate, opted out, " +
			"invalid time zone or variables) with their positions (JSON, from 1) or rows (CSV, the " +
			"header is row 1); `details.valid` counts the others. Nothing was added. Fix or remove " +
			"those leads, or send the request again with `?skip_invalid=true` to add only the valid ones."},
	{Code: CodeLeadInCall, Type: TypeConflict, Status: 409,
		Message: "This lead is being called right now.",
		Doc: "A lead cannot be deleted while one of its calls is live (`details.call_id`). Wait for " +
			"the call to end (or hang it up with `POST /v1/calls/{id}/hangup`), then delete the lead."},

	// Messaging.
	{Code: CodeMessageNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such message.",
		Doc: "No message with this id exists in your organization, or the id is mistyped. Another " +
			"organization's messages are indistinguishable from missing ones. `GET /v1/messages` and " +
			"`GET /v1/conversations/{id}/messages` list the messages you have."},
	{Code: CodeConversationNotFound, Type: TypeNotFound, Status: 404,
		Message: "No such conversation.",
		Doc: "No conversation with this id exists in your organization, or the id is mistyped. A " +
			"conversation exists from the first message between one of your numbers and another " +
			"party; `GET /v1/conversations` lists them, most recent activity first."},
	{Code: CodeMessageTooLong, Type: TypeInvalidRequest, Status: 400,
		Message: "The message body is longer than 1,600 characters.",
		Doc: "A text message may hold at most 1,600 characters (Unicode code points), which carriers " +
			"deliver as up to 11 GSM-7 segments, or up to 24 UCS-2 segments (49 when every character is " +
			"an emoji, which takes two UCS-2 code units). `details.length` is the body's length " +
			"and `details.max_length` the limit. Shorten the text, or send it as several messages; " +
			"nothing was queued or charged."},
	{Code: CodeRecipientUnsubscribed, Type: TypeUnprocessable, Status: 422,
		Message: "The recipient has opted out of your organization's messages.",
		Doc: "The recipient texted STOP (or STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT) to one of your " +
			"numbers, so your organization may not text them again until they text START, YES or " +
			"UNSTOP. Carriers require this, and fine senders who ignore it. Nothing was queued or " +
			"charged. `GET /v1/contacts?search=` shows `opted_out` on their contact."},
	{Code: CodeSMSNotSupportedInRegion, Type: TypeUnprocessable, Status: 422,
		Message: "This number may not text US recipients: it is not registered for A2P 10DLC.",
		Doc: "US carriers block application-to-person texts from a 10-digit US number (a \"10DLC\" " +
			"long code) unless the number belongs to a registered A2P 10DLC brand and campaign. The " +
			"sender number's `a2p_10dlc_registered` is false. Register the number with your carrier " +
			"and then set `a2p_10dlc_registered: true` on it (`PATCH /v1/phone-numbers/{id}`), or " +
			"send from a toll-free or registered number. Nothing was queued or charged."},

	// rate_limit_error
	{Code: CodeConcurrentCallLimit, Type: TypeRateLimit, Status: 429, Retryable: true,
		Message: "Too many calls are waiting for a free line.",
		Doc: "Your organization may have a set number of live calls at once (10 unless the operator " +
			"changed it with `--max-concurrent-calls`); calls over it wait in `queued` and are dialled " +
			"in order as lines free up. This error means the waiting queue itself is full (1,000 calls " +
			"unless changed with `--max-queued-calls`). Nothing was queued. Retry after " +
			"`Retry-After` seconds, or place calls at the pace they complete. `details` gives the " +
			"limits.",
		Equivalents: []string{"N: concurrent_call_limit"}},
	{Code: CodeRateLimitExceeded, Type: TypeRateLimit, Status: 429, Retryable: true,
		Message: "Too many requests for this API key.",
		Doc: "Each API key may make a set number of reads and writes per minute (600 and 120 unless the " +
			"operator changed them). Wait for the number of seconds in `Retry-After`; the " +
			"`X-RateLimit-*` headers on every response show the budget left.",
		Equivalents: []string{"N: rate_limit_exceeded", "A: RATE_LIMIT_EXCEEDED"}},

	{Code: CodeProviderRateLimited, Type: TypeRateLimit, Status: 429, Retryable: true,
		Message: "The carrier or provider is limiting the rate of requests.",
		Doc: "The upstream service (Twilio, a speech provider) answered that this account sends too " +
			"many requests (Twilio's error 20429). Retry after `Retry-After` seconds with backoff. " +
			"`details.provider` names the service and `details.provider_code` its error code."},

	// server_error
	{Code: CodeInternalError, Type: TypeServer, Status: 500, Retryable: true,
		Message: "Something went wrong on our side. The request id identifies it in the server log.",
		Doc: "An unexpected failure. Nothing about its cause is sent to clients; the server logged it " +
			"with the `request_id`. Retrying with the same `Idempotency-Key` is safe. If it persists, " +
			"report the request id, the full error body and the time."},

	// provider_error
	{Code: CodeProviderError, Type: TypeProvider, Status: 502, Retryable: true,
		Message: "The carrier or provider failed to handle the request.",
		Doc: "An upstream service (Twilio, a speech provider) answered with an error of its own, or " +
			"with something that is not its API. `details.provider` names the service, and " +
			"`details.provider_code`, `details.provider_status` and `details.provider_message` say " +
			"what it answered. Nothing was changed on Dialtone's side. Retry with backoff; if it " +
			"persists, check the provider's status page.",
		Equivalents: []string{"N: provider_error", "A: CARRIER_ERROR", "A: TWILIO_ERROR"}},

	// provider_timeout
	{Code: CodeProviderTimeout, Type: TypeProviderTimeout, Status: 504, Retryable: true,
		Message: "The carrier or provider did not answer in time.",
		Doc: "An upstream service (Twilio, a speech provider) did not answer within the time Dialtone " +
			"gives it (15 s for Twilio's REST API). The request may or may not have taken effect " +
			"there; nothing was changed on Dialtone's side. Retry: the operations that time out are " +
			"safe to repeat. `details.provider` names the service.",
		Equivalents: []string{"A: 504"}},

	// service_unavailable
	{Code: CodeServiceUnavailable, Type: TypeServiceUnavailable, Status: 503, Retryable: true,
		Message: "The service is temporarily unavailable.",
		Doc: "The server cannot serve requests right now: its database is unreachable, or it is " +
			"shutting down. `details.component` says which. Retry after the `Retry-After` header's " +
			"number of seconds."},
}
