package core

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Errors a Store returns; core turns them into catalogued errors. A Store wraps any other
// failure with context and core reports it as internal_error.
var (
	ErrNotFound  = errors.New("not found")                              // no live row with that id in that organization
	ErrBadCursor = errors.New("cursor does not name a row of the list") // starting_after / ending_before unknown
	ErrLastAdmin = errors.New("last admin key of the organization")     // RevokeKey would leave no admin key
	ErrLimit     = errors.New("organization limit reached")             // InsertPhoneNumber over its limit
	ErrTaken     = errors.New("already held")                           // InsertPhoneNumber of a number in use
	// ErrInsufficientBalance: InsertPhoneNumber with a charge, for a prepaid organization
	// whose balance is below the charge's minimum.
	ErrInsufficientBalance = errors.New("insufficient balance")
	// ErrCallNotEnded: DeleteCall of a call that has not reached a terminal status.
	ErrCallNotEnded = errors.New("call not ended")
)

// Effects is what one change of a call, a number or a message stores with it, in the same
// transaction: the events that tell of the change, its charge when it is billable, and the
// background work it starts.
type Effects struct {
	Events []dialtone.Event
	Charge *dialtone.LedgerEntry
	Jobs   []Job
	// Attempt, on the change that ends a campaign's call, finishes the attempt at its lead.
	Attempt *LeadAttempt
}

// JobArgs are the arguments of a job kind (River's JobArgs): JSON-encodable, with a kind name.
type JobArgs interface {
	Kind() string
}

// Job is background work a change starts: it runs on the job runner once the change commits,
// and never when it rolls back.
type Job struct {
	Args  JobArgs
	Queue string
	// At is when the job may run; zero means at once.
	At time.Time
	// MaxAttempts is how often the job runs at most; zero means River's default (25).
	MaxAttempts int
}

// MessageState is what the store reads, in the transaction that stores messages, for the
// conversation between one of an organization's numbers and another party.
type MessageState struct {
	Number dialtone.PhoneNumber
	// Conversation is the conversation of the number and the party: as stored, or new (with
	// its ID and CreatedAt set) when they never exchanged a message; it is stored only if
	// messages are.
	Conversation dialtone.SMSConversation
	// OptedOut says the party opted out of the organization's messages.
	OptedOut bool
	// NextSendAt is the earliest time the number's next outbound message may leave (its
	// pacing); zero when it never sent one.
	NextSendAt time.Time
}

// MessageWrite is what storing messages changes, given the MessageState.
type MessageWrite struct {
	// Messages are stored in order, in the state's conversation (their ConversationID must
	// be its ID).
	Messages []dialtone.Message
	// OptOut, when set, is the party's new opt-out state for the organization: true stores
	// an opt-out, false deletes it.
	OptOut *bool
	// NextSendAt, when not zero, becomes the number's NextSendAt.
	NextSendAt time.Time
	Effects    Effects
}

// CallCounts are an organization's calls that hold a concurrency slot (dialing, ringing,
// in_progress) and that wait for one (queued). Given as caps to InsertCall and ClaimCall, they
// bound the counting: a count that reaches its cap stops there, so the work per call does not
// grow with the queue.
type CallCounts struct {
	Live, Queued int
}

// OrphanedCall is a live call whose server process stopped sending heartbeats.
type OrphanedCall struct {
	Call     dialtone.Call
	LastSeen time.Time // the node's last heartbeat; zero when it never sent one
}

// UsageGroup is one group of GET /v1/usage: ended calls, or billed messages, of one day or
// one agent.
type UsageGroup struct {
	Key             string // "2026-11-23", or an agt_ id ("" for calls or messages without an agent)
	Calls           int64
	DurationSeconds int64
	Messages        int64
	Segments        int64
	CostMicros      int64
}

// Charge is a ledger entry stored in the same transaction as what it pays for. A prepaid
// organization must hold at least MinBalanceMicros before the charge, else nothing is stored;
// a postpaid organization is charged whatever its balance.
type Charge struct {
	Entry            dialtone.LedgerEntry
	MinBalanceMicros int64
}

// KeyRecord is an API key as stored: the public fields plus the hash of its secret.
type KeyRecord struct {
	dialtone.APIKey
	SecretHash []byte // SHA-256 of the secret
}

// IdempotencyRecord is the state of one Idempotency-Key of one organization.
type IdempotencyRecord struct {
	OrganizationID string
	Key            string
	Fingerprint    string // hash of method, path and body of the first request
	Done           bool   // false while the first request is in flight
	Status         int
	Header         http.Header // the response headers worth replaying
	Body           []byte
	CreatedAt      time.Time
}

// Store is the persistence core needs. Implementations (internal/sqlstore) keep every query
// scoped by organization and return the errors above.
type Store interface {
	// Ping checks the database answers.
	Ping(ctx context.Context) error

	// Bootstrap creates org with key when the database holds no organization and has never
	// been bootstrapped; it reports whether it did. Safe to call from several nodes at once.
	Bootstrap(ctx context.Context, org dialtone.Organization, key KeyRecord) (bool, error)
	// CreateOrganization stores org and its first key in one transaction.
	CreateOrganization(ctx context.Context, org dialtone.Organization, key KeyRecord) error
	// GetOrganization returns ErrNotFound for an unknown id.
	GetOrganization(ctx context.Context, id string) (dialtone.Organization, error)

	// InsertKey stores a new key.
	InsertKey(ctx context.Context, k KeyRecord) error
	// GetKey returns a live (not revoked) key of any organization, or ErrNotFound.
	GetKey(ctx context.Context, id string) (KeyRecord, error)
	// ListKeys returns a page of an organization's live keys, newest first, and whether more
	// follow; with orgID empty, of every organization. ErrBadCursor for an unknown cursor.
	ListKeys(ctx context.Context, orgID string, lp dialtone.ListParams) ([]dialtone.APIKey, bool, error)
	// RevokeKey marks a live key revoked at t: ErrNotFound, or ErrLastAdmin when it is the
	// organization's only live admin key (checked atomically with the revocation).
	RevokeKey(ctx context.Context, orgID, id string, t time.Time) error
	// RotateKey replaces a live key's secret hash and hint and sets its rotated_at to t,
	// returning the updated key; ErrNotFound.
	RotateKey(ctx context.Context, orgID, id string, hash []byte, hint string, t time.Time) (dialtone.APIKey, error)

	// InsertAgent stores a new agent of orgID.
	InsertAgent(ctx context.Context, orgID string, a dialtone.Agent) error
	// GetAgent returns a live agent of orgID, or ErrNotFound.
	GetAgent(ctx context.Context, orgID, id string) (dialtone.Agent, error)
	// ListAgents returns a page of orgID's live agents, newest first, and whether more follow.
	ListAgents(ctx context.Context, orgID string, f dialtone.AgentFilter, lp dialtone.ListParams) ([]dialtone.Agent, bool, error)
	// UpdateAgent loads a live agent, lets mutate change it, and stores the result, all in one
	// transaction that excludes concurrent updates of the same agent. An error from mutate
	// aborts the update and is returned as is. ErrNotFound.
	UpdateAgent(ctx context.Context, orgID, id string, mutate func(*dialtone.Agent) error) (dialtone.Agent, error)
	// DeleteAgent marks a live agent deleted at t, keeping its row, and detaches its phone
	// numbers in the same transaction; ErrNotFound.
	DeleteAgent(ctx context.Context, orgID, id string, t time.Time) error

	// InsertWebhookEndpoint stores a new endpoint of orgID, unless the organization already
	// has limit endpoints (ErrLimit); the count and the insert are one transaction that
	// excludes every other InsertWebhookEndpoint of the organization. An AgentID must name a
	// live agent of orgID.
	InsertWebhookEndpoint(ctx context.Context, orgID string, e WebhookEndpointRecord, limit int) error
	// GetWebhookEndpoint returns an endpoint of orgID that is not deleted, or ErrNotFound.
	GetWebhookEndpoint(ctx context.Context, orgID, id string) (WebhookEndpointRecord, error)
	// ListWebhookEndpoints returns a page of orgID's endpoints, newest first, and whether more
	// follow; ErrBadCursor for an unknown cursor.
	ListWebhookEndpoints(ctx context.Context, orgID string, lp dialtone.ListParams) ([]dialtone.WebhookEndpoint, bool, error)
	// UpdateWebhookEndpoint loads an endpoint, lets mutate change it and stores the result in
	// one transaction, like UpdateAgent; every field but ID, AgentID and CreatedAt is stored.
	// ErrNotFound.
	UpdateWebhookEndpoint(ctx context.Context, orgID, id string, mutate func(*WebhookEndpointRecord) error) (WebhookEndpointRecord, error)
	// DeleteWebhookEndpoint marks an endpoint deleted at t; ErrNotFound.
	DeleteWebhookEndpoint(ctx context.Context, orgID, id string, t time.Time) error
	// WebhookRoutes returns orgID's endpoints that are not deleted, as routing sees them.
	WebhookRoutes(ctx context.Context, orgID string) ([]WebhookRoute, error)
	// EnqueueWebhookDeliveries inserts a delivery job for each of jobs.
	EnqueueWebhookDeliveries(ctx context.Context, jobs []WebhookDeliveryJob) error
	// RecordWebhookDelivery stores attempt d of orgID and, in the same transaction, the
	// health of its endpoint: a delivered attempt ends the endpoint's run of failures; any
	// other starts one unless one is running, and then, when health is not nil, disables the
	// endpoint with the reason health returns for the run's start ("" keeps it enabled).
	RecordWebhookDelivery(ctx context.Context, orgID string, d dialtone.WebhookDelivery, health WebhookHealth) error
	// ListWebhookDeliveries returns a page of the attempts of orgID's endpoint endpointID,
	// newest first, and whether more follow; ErrBadCursor.
	ListWebhookDeliveries(ctx context.Context, orgID, endpointID string, lp dialtone.ListParams) ([]dialtone.WebhookDelivery, bool, error)
	// DeleteWebhookDeliveriesBefore deletes at most limit attempts (of every organization)
	// made before t and returns how many it deleted.
	DeleteWebhookDeliveriesBefore(ctx context.Context, t time.Time, limit int) (int64, error)

	// InsertContact stores a new contact of orgID, or returns ErrTaken when orgID has a
	// contact with the same phone number (checked by a unique index, so also under races).
	InsertContact(ctx context.Context, orgID string, c dialtone.Contact) error
	// InsertContacts stores each of cs as a new contact of orgID in one transaction, skipping
	// those whose phone number orgID already has; it returns, for each, whether it was
	// inserted. The phone numbers of cs must be distinct.
	InsertContacts(ctx context.Context, orgID string, cs []dialtone.Contact) ([]bool, error)
	// GetContact returns a contact of orgID, or ErrNotFound.
	GetContact(ctx context.Context, orgID, id string) (dialtone.Contact, error)
	// GetContactByNumber returns orgID's contact with phone number number, or ErrNotFound.
	GetContactByNumber(ctx context.Context, orgID, number string) (dialtone.Contact, error)
	// ListContacts returns a page of orgID's contacts matching f, newest first, and whether
	// more follow; ErrBadCursor for an unknown cursor.
	ListContacts(ctx context.Context, orgID string, f dialtone.ContactFilter, lp dialtone.ListParams) ([]dialtone.Contact, bool, error)
	// UpdateContact loads a contact, lets mutate change it and stores the result in one
	// transaction, like UpdateAgent; ErrNotFound, or ErrTaken when the new phone number is
	// another contact's.
	UpdateContact(ctx context.Context, orgID, id string, mutate func(*dialtone.Contact) error) (dialtone.Contact, error)
	// DeleteContact deletes a contact of orgID for good; ErrNotFound.
	DeleteContact(ctx context.Context, orgID, id string) error

	// WriteMessages stores messages exchanged by orgID's live number numberID and the party
	// other (E.164). In one transaction that holds the number's row, so that writes for one
	// number are serialised, it reads the MessageState and stores what decide returns: the
	// messages, the conversation (created with the first message, its activity moved to the
	// last), the party's opt-out and the number's pacing, with the effects. An error from
	// decide stores nothing and is returned as is. ErrNotFound when the number is not live.
	WriteMessages(ctx context.Context, orgID, numberID, other string, decide func(MessageState) (MessageWrite, error)) ([]dialtone.Message, error)
	// ReslotMessages gives new send slots to every queued message of orgID's number numberID
	// when one of them has a slot before overdue (its send job ran late: the server was down).
	// In one transaction holding the number's row, slots receives the number (with its pacing
	// state NextSendAt) and how many messages are queued, and returns their new slots, in the
	// order the messages were queued, and the number's new NextSendAt; both are stored. It
	// returns how many messages it moved; none when no message is overdue (slots is then not
	// called). ErrNotFound when the number is not live.
	ReslotMessages(ctx context.Context, orgID, numberID string, overdue time.Time,
		slots func(n dialtone.PhoneNumber, next time.Time, count int) ([]time.Time, time.Time)) (int, error)
	// QueuedBefore reports whether orgID's number numberID has a queued message whose slot
	// comes before (sendAt, id): earlier, or the same with a smaller id.
	QueuedBefore(ctx context.Context, orgID, numberID string, sendAt time.Time, id string) (bool, error)
	// UpdateMessage loads message id (of any organization), lets mutate change it and stores
	// the result with its effects in one transaction that excludes concurrent updates of the
	// message. Status, error, carrier id, cost and the timestamps are stored. ErrNotFound.
	UpdateMessage(ctx context.Context, id string, mutate func(*dialtone.Message) (Effects, error)) (dialtone.Message, error)
	// GetMessage returns a message of orgID, or ErrNotFound.
	GetMessage(ctx context.Context, orgID, id string) (dialtone.Message, error)
	// ListMessages returns a page of orgID's messages matching f, newest first, and whether
	// more follow; ErrBadCursor for an unknown cursor.
	ListMessages(ctx context.Context, orgID string, f dialtone.MessageFilter, lp dialtone.ListParams) ([]dialtone.Message, bool, error)
	// GetConversation returns a conversation of orgID, or ErrNotFound.
	GetConversation(ctx context.Context, orgID, id string) (dialtone.SMSConversation, error)
	// ListConversations returns a page of orgID's conversations, the one with the latest
	// message first, and whether more follow; ErrBadCursor for an unknown cursor.
	ListConversations(ctx context.Context, orgID string, lp dialtone.ListParams) ([]dialtone.SMSConversation, bool, error)
	// UpdateConversationMetadata replaces the metadata of orgID's conversation id and sets its
	// updated_at to t, returning the conversation as stored; ErrNotFound.
	UpdateConversationMetadata(ctx context.Context, orgID, id string, metadata map[string]string, t time.Time) (dialtone.SMSConversation, error)
	// OptedOut reports whether party number opted out of orgID's messages.
	OptedOut(ctx context.Context, orgID, number string) (bool, error)
	// ContactRefs returns orgID's contacts among numbers, by number.
	ContactRefs(ctx context.Context, orgID string, numbers []string) (map[string]dialtone.ContactRef, error)

	// InsertCampaign stores a new campaign of orgID.
	InsertCampaign(ctx context.Context, orgID string, c dialtone.Campaign) error
	// GetCampaign returns a campaign of orgID (Progress not filled), or ErrNotFound.
	GetCampaign(ctx context.Context, orgID, id string) (dialtone.Campaign, error)
	// CampaignProgress counts the leads of campaign id by status.
	CampaignProgress(ctx context.Context, id string) (dialtone.CampaignProgress, error)
	// ListCampaigns returns a page of orgID's campaigns matching f, newest first (Progress
	// not filled), and whether more follow; ErrBadCursor.
	ListCampaigns(ctx context.Context, orgID string, f dialtone.CampaignFilter, lp dialtone.ListParams) ([]dialtone.Campaign, bool, error)
	// UpdateCampaign loads a campaign with its Progress under a row lock, lets mutate change
	// it, and stores it (every field but ID, organization, timestamps of creation and
	// Progress) with what mutate returns, in one transaction; mutate's error is returned as
	// is and stores nothing. ErrNotFound.
	UpdateCampaign(ctx context.Context, orgID, id string, mutate func(*dialtone.Campaign) (CampaignWrite, error)) (dialtone.Campaign, error)
	// DeleteCampaign deletes a campaign and its leads when check, given the campaign under a
	// row lock, returns nil; check's error is returned as is. ErrNotFound.
	DeleteCampaign(ctx context.Context, orgID, id string, check func(dialtone.Campaign) error) error
	// AddLeads stores new leads of orgID's campaign id. In one transaction holding the
	// campaign's row it reads the campaign with its Progress, which of numbers are already
	// leads of the campaign and which
	// opted out of the organization's messages, and stores the leads decide returns (their
	// phone numbers must be distinct and not already leads). decide's error stores nothing
	// and is returned as is. ErrNotFound.
	AddLeads(ctx context.Context, orgID, id string, numbers []string,
		decide func(c dialtone.Campaign, existing, optedOut map[string]bool) ([]dialtone.Lead, error)) error
	// GetLead returns a lead of orgID's campaign campaignID, or ErrNotFound.
	GetLead(ctx context.Context, orgID, campaignID, id string) (dialtone.Lead, error)
	// ListLeads returns a page of a campaign's leads matching f, newest first, and whether
	// more follow; ErrBadCursor.
	ListLeads(ctx context.Context, orgID, campaignID string, f dialtone.LeadFilter, lp dialtone.ListParams) ([]dialtone.Lead, bool, error)
	// DeleteLead deletes a lead when check, given it under a row lock, returns nil; check's
	// error is returned as is. ErrNotFound.
	DeleteLead(ctx context.Context, orgID, campaignID, id string, check func(dialtone.Lead) error) error
	// DialCampaign runs one turn of a campaign's dialer: in one transaction that holds the
	// campaign's row and excludes every InsertCall and ClaimCall of its organization, it reads
	// the DialState (due leads: pending with NextAttemptAt at or before now, at most dueLimit;
	// the organization's counts up to caps) and stores the DialPlan plan returns. plan's
	// error stores nothing and is returned as is. ErrNotFound.
	DialCampaign(ctx context.Context, orgID, id string, now time.Time, caps CallCounts, dueLimit int,
		plan func(DialState) (DialPlan, error)) error
	// ActiveCampaigns returns the organization and id of every scheduled or running campaign
	// whose dialer is not armed, or was armed for before staleBefore.
	ActiveCampaigns(ctx context.Context, staleBefore time.Time) ([][2]string, error)

	// InsertPhoneNumber stores a new number of orgID, and charge (when not nil) in its
	// ledger, unless the organization already holds limit live numbers (ErrLimit), another
	// live number has the same E.164 number (ErrTaken), or the organization is prepaid and its
	// balance is below charge.MinBalanceMicros (ErrInsufficientBalance). The checks, the
	// number, the charge and events (phone_number.provisioned) are one transaction.
	InsertPhoneNumber(ctx context.Context, orgID string, n dialtone.PhoneNumber, limit int, charge *Charge, events ...dialtone.Event) error
	// ImportPhoneNumber stores n, imported from a carrier account, with the account's
	// credentials and events, as InsertPhoneNumber does without a charge (ErrLimit, ErrTaken).
	ImportPhoneNumber(ctx context.Context, orgID string, n dialtone.PhoneNumber, cred NumberCredentials, limit int, events ...dialtone.Event) error
	// CarrierNumber returns the live number e164 of carrier, its organization and its
	// credentials (the token sealed), or ErrNotFound.
	CarrierNumber(ctx context.Context, carrier, e164 string) (orgID string, n dialtone.PhoneNumber, cred NumberCredentials, err error)
	// GetPhoneNumber returns a live (not released) number of orgID, or ErrNotFound.
	GetPhoneNumber(ctx context.Context, orgID, id string) (dialtone.PhoneNumber, error)
	// GetPhoneNumberByNumber returns orgID's live number whose E.164 number is number, or
	// ErrNotFound.
	GetPhoneNumberByNumber(ctx context.Context, orgID, number string) (dialtone.PhoneNumber, error)
	// ListPhoneNumbers returns a page of orgID's live numbers, newest first, and whether more
	// follow; ErrBadCursor for an unknown cursor.
	ListPhoneNumbers(ctx context.Context, orgID string, f dialtone.PhoneNumberFilter, lp dialtone.ListParams) ([]dialtone.PhoneNumber, bool, error)
	// UpdatePhoneNumber loads a live number, lets mutate change it and stores the result in one
	// transaction, like UpdateAgent. ErrNotFound.
	UpdatePhoneNumber(ctx context.Context, orgID, id string, mutate func(*dialtone.PhoneNumber) error) (dialtone.PhoneNumber, error)
	// ReleasePhoneNumber marks a live number released at t (its row stays, detached from its
	// agent) and returns it; ErrNotFound. When event is not nil, the event it returns for the
	// number as released (phone_number.released) is stored in the same transaction.
	ReleasePhoneNumber(ctx context.Context, orgID, id string, t time.Time, event func(dialtone.PhoneNumber) dialtone.Event) (dialtone.PhoneNumber, error)

	// ChargeRentals charges every live number whose rental is paid through now or earlier for
	// its next period: in one transaction per charge it moves the number's PaidThrough from p to
	// next(p), unless another process already did, and stores charge(n, p) in the number's
	// organization's ledger. A number several periods behind is charged once per period. It
	// returns how many charges it stored.
	ChargeRentals(ctx context.Context, now time.Time, next func(time.Time) time.Time,
		charge func(n dialtone.PhoneNumber, period time.Time) dialtone.LedgerEntry) (int, error)

	// GetTelephonyConfig returns orgID's stored telephony config and true, or false when the
	// organization never stored one (core then uses dialtone.DefaultTelephonyConfig).
	GetTelephonyConfig(ctx context.Context, orgID string) (dialtone.TelephonyConfig, bool, error)
	// PutTelephonyConfig stores cfg as orgID's whole telephony config, inserting or replacing
	// it in one atomic statement. cfg.UpdatedAt must be set.
	PutTelephonyConfig(ctx context.Context, orgID string, cfg dialtone.TelephonyConfig) error

	// ListSpeechProviderKeys returns orgID's speech provider keys (sealed), ordered by
	// provider; none when it never set one.
	ListSpeechProviderKeys(ctx context.Context, orgID string) ([]SpeechProviderSecret, error)
	// PutSpeechProviderKeys stores the keys of set and deletes those of the providers in
	// remove, in one transaction. Each key's UpdatedAt must be set.
	PutSpeechProviderKeys(ctx context.Context, orgID string, set []SpeechProviderSecret, remove []dialtone.SpeechProviderName) error

	// InsertLedgerEntry stores e in orgID's ledger. Ledger entries are immutable: there is no
	// update or delete.
	InsertLedgerEntry(ctx context.Context, orgID string, e dialtone.LedgerEntry) error
	// Balance returns the sum of orgID's ledger in micro-dollars, 0 when it has no entry.
	Balance(ctx context.Context, orgID string) (int64, error)
	// ListLedgerEntries returns a page of orgID's ledger, newest first, and whether more
	// follow; ErrBadCursor for an unknown cursor.
	ListLedgerEntries(ctx context.Context, orgID string, lp dialtone.ListParams) ([]dialtone.LedgerEntry, bool, error)

	// InsertCall stores a new call of orgID with its events. In one transaction that excludes
	// every other InsertCall and ClaimCall of the organization (PostgreSQL: the organization
	// row is locked; SQLite: write transactions are serialised), it counts the organization's
	// calls, each count up to its cap in caps, and asks decide for the call to store given
	// those counts; an error from decide stores nothing and is returned as is. It returns the
	// call as stored.
	InsertCall(ctx context.Context, orgID string, caps CallCounts, decide func(CallCounts) (dialtone.Call, Effects, error)) (dialtone.Call, error)
	// ClaimCall takes orgID's oldest queued call out of the queue. In one transaction that
	// excludes every other InsertCall and ClaimCall of the organization, it counts the
	// organization's live calls up to maxLive, reads the oldest queued one and asks claim what
	// it becomes (Queued in the counts is 1 when a call is queued); when
	// claim returns false (or nothing is queued) nothing changes and ClaimCall returns false.
	// Only Status, DialedAt, EndedAt, EndedReason, UpdatedAt and NodeID of the claimed call
	// are stored, with its effects.
	ClaimCall(ctx context.Context, orgID string, maxLive int, claim func(CallCounts, *dialtone.Call) (Effects, bool)) (dialtone.Call, bool, error)
	// UpdateCall loads call id (of any organization; deleted calls too), lets mutate change
	// it, and stores the result with its effects, all in one transaction that excludes
	// concurrent updates of the call. An error from mutate aborts the update and is returned
	// as is. Every field but ID, OrganizationID, Direction, numbers, Carrier and CreatedAt is
	// stored. ErrNotFound.
	UpdateCall(ctx context.Context, id string, mutate func(*dialtone.Call) (Effects, error)) (dialtone.Call, error)
	// GetCall returns a call of orgID that is not deleted, or ErrNotFound.
	GetCall(ctx context.Context, orgID, id string) (dialtone.Call, error)
	// CallOrganization returns the organization of call id (deleted calls too), or ErrNotFound.
	CallOrganization(ctx context.Context, id string) (string, error)
	// ListCalls returns a page of orgID's calls that are not deleted, newest first, and
	// whether more follow; ErrBadCursor for an unknown cursor.
	ListCalls(ctx context.Context, orgID string, f dialtone.CallFilter, lp dialtone.ListParams) ([]dialtone.Call, bool, error)
	// DeleteCall erases the content of orgID's ended call id (instructions, variables,
	// metadata) and marks it deleted at t; its billing fields and ledger entries stay.
	// ErrNotFound, or ErrCallNotEnded with nothing changed.
	DeleteCall(ctx context.Context, orgID, id string, t time.Time) error
	// QueuedOrganizations returns the organizations that have queued calls.
	QueuedOrganizations(ctx context.Context) ([]string, error)
	// CallsInProgress returns orgID's answered calls that have not ended.
	CallsInProgress(ctx context.Context, orgID string) ([]dialtone.Call, error)
	// CallUsage sums orgID's calls that ended in [from, to), grouped by the UTC day they
	// ended ("day") or by agent ("agent"), in ascending key order.
	CallUsage(ctx context.Context, orgID string, from, to time.Time, groupBy string) ([]UsageGroup, error)
	// MessageUsage sums orgID's billed messages (outbound ones the carrier took, by the time it
	// did; inbound ones, by the time they arrived) in [from, to), grouped like CallUsage, in
	// ascending key order; only Messages, Segments and CostMicros are set.
	MessageUsage(ctx context.Context, orgID string, from, to time.Time, groupBy string) ([]UsageGroup, error)
	// Heartbeat records that server process node is alive at t.
	Heartbeat(ctx context.Context, node string, t time.Time) error
	// OrphanedCalls returns the live calls (dialing, ringing, in_progress) whose node has not
	// sent a heartbeat since staleBefore (or never did), each with its node's last heartbeat
	// (zero when none).
	OrphanedCalls(ctx context.Context, staleBefore time.Time) ([]OrphanedCall, error)
	// EndedCalls returns which of ids are calls that have ended.
	EndedCalls(ctx context.Context, ids []string) ([]string, error)
	// InsertEvents stores events of orgID that change no object (a live conversation's turns,
	// keys and actions).
	InsertEvents(ctx context.Context, orgID string, events []dialtone.Event) error
	// ListObjectEvents returns orgID's events about object objectID, oldest first.
	ListObjectEvents(ctx context.Context, orgID, objectID string) ([]dialtone.Event, error)
	// GetEvent returns orgID's event id, or ErrNotFound.
	GetEvent(ctx context.Context, orgID, id string) (dialtone.Event, error)
	// ListEvents returns a page of orgID's events matching f, newest first, and whether more
	// follow; ErrBadCursor for an unknown cursor.
	ListEvents(ctx context.Context, orgID string, f dialtone.EventFilter, lp dialtone.ListParams) ([]dialtone.Event, bool, error)
	// DeleteEventsBefore deletes at most limit events (of every organization) created before
	// t, oldest first, and returns how many it deleted.
	DeleteEventsBefore(ctx context.Context, t time.Time, limit int) (int64, error)

	// BeginIdempotent claims (orgID, key) for a new request: when no record exists, or the
	// existing one was created before expiredBefore, it stores rec (in flight) and returns it
	// with claimed true. Otherwise it returns the existing record and false.
	BeginIdempotent(ctx context.Context, rec IdempotencyRecord, expiredBefore time.Time) (IdempotencyRecord, bool, error)
	// GetIdempotent returns the record of (orgID, key), or ErrNotFound.
	GetIdempotent(ctx context.Context, orgID, key string) (IdempotencyRecord, error)
	// CompleteIdempotent stores the response of the in-flight record and marks it done.
	CompleteIdempotent(ctx context.Context, rec IdempotencyRecord) error
	// ReleaseIdempotent deletes an in-flight record so the key can be used again.
	ReleaseIdempotent(ctx context.Context, orgID, key string) error
	// DeleteExpiredIdempotent deletes every record created before t and returns how many.
	DeleteExpiredIdempotent(ctx context.Context, t time.Time) (int64, error)
}

// NumberCredentials are what an imported number keeps of its carrier account: the carrier's id
// of the number and the account's auth token, sealed (the account SID is on the number).
type NumberCredentials struct {
	NumberSID   string
	SealedToken string
}
