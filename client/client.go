package client

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Version is the SDK's version, sent in the User-Agent header as "dialtone-go/<Version>".
const Version = "0.1.0"

// Defaults of the options.
const (
	DefaultMaxRetries  = 2
	DefaultBackoffBase = 500 * time.Millisecond
	DefaultBackoffMax  = 8 * time.Second
	DefaultTimeout     = 60 * time.Second // per attempt, of the default HTTP client
)

// Client calls the Dialtone API. It is safe for concurrent use by multiple goroutines.
type Client struct {
	Agents          *AgentsService
	Billing         *BillingService
	Calls           *CallsService
	Events          *EventsService
	Keys            *KeysService
	PhoneNumbers    *PhoneNumbersService
	Organizations   *OrganizationsService
	Sandbox         *SandboxService
	TelephonyConfig *TelephonyConfigService
	SpeechProviders *SpeechProvidersService
	Voices          *VoicesService

	WebhookEndpoints *WebhookEndpointsService
	Contacts         *ContactsService
	Messages         *MessagesService
	Conversations    *ConversationsService
	Campaigns        *CampaignsService

	baseURL     string
	credential  string
	httpClient  *http.Client
	maxRetries  int
	backoffBase time.Duration
	backoffMax  time.Duration
	userAgent   string
	// sleep waits d or until ctx is done; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a uniformly random duration in [0, n); tests replace it.
	jitter func(n time.Duration) time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests with hc instead of its default, an
// http.Client with a DefaultTimeout per attempt. A nil hc is ignored.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.httpClient = hc
		}
	}
}

// WithMaxRetries sets how many times a failed request is sent again, at most (default 2, so
// at most 3 attempts). Zero disables retries; a negative n counts as zero.
func WithMaxRetries(n int) Option {
	return func(c *Client) { c.maxRetries = max(n, 0) }
}

// WithBackoff sets the exponential backoff between retries: before retry n (from 0) the client
// waits a random duration in [0, min(max, base·2ⁿ)) ("full jitter"), or the server's
// Retry-After when that is longer. The defaults are 500ms and 8s. Non-positive values keep
// the defaults, and max is raised to base when smaller.
func WithBackoff(base, max time.Duration) Option {
	return func(c *Client) {
		if base > 0 {
			c.backoffBase = base
		}
		if max > 0 {
			c.backoffMax = max
		}
		if c.backoffMax < c.backoffBase {
			c.backoffMax = c.backoffBase
		}
	}
}

// WithUserAgent names the application using the SDK: ua is sent at the start of the
// User-Agent header, before "dialtone-go/<Version>", which is always sent.
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua = strings.TrimSpace(ua); ua != "" {
			c.userAgent = ua + " " + defaultUserAgent
		}
	}
}

const defaultUserAgent = "dialtone-go/" + Version

// New returns a client of the server at baseURL (for example "https://dialtone.example.com";
// a trailing slash is ignored) that authenticates with credential, the "key_id:key_secret"
// of an API key, sent as "Authorization: Bearer <credential>" (an empty credential sends no
// Authorization header, and the server answers missing_api_key).
func New(baseURL, credential string, opts ...Option) *Client {
	c := &Client{
		baseURL:     strings.TrimRight(baseURL, "/"),
		credential:  credential,
		httpClient:  &http.Client{Timeout: DefaultTimeout},
		maxRetries:  DefaultMaxRetries,
		backoffBase: DefaultBackoffBase,
		backoffMax:  DefaultBackoffMax,
		userAgent:   defaultUserAgent,
		sleep:       sleepContext,
		jitter:      randomJitter,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	c.Agents = &AgentsService{c: c}
	c.Billing = &BillingService{c: c}
	c.Calls = &CallsService{c: c}
	c.Events = &EventsService{c: c}
	c.Keys = &KeysService{c: c}
	c.PhoneNumbers = &PhoneNumbersService{c: c}
	c.Organizations = &OrganizationsService{c: c}
	c.Sandbox = &SandboxService{c: c}
	c.TelephonyConfig = &TelephonyConfigService{c: c}
	c.SpeechProviders = &SpeechProvidersService{c: c}
	c.Voices = &VoicesService{c: c}
	c.WebhookEndpoints = &WebhookEndpointsService{c: c}
	c.Contacts = &ContactsService{c: c}
	c.Messages = &MessagesService{c: c}
	c.Conversations = &ConversationsService{c: c}
	c.Campaigns = &CampaignsService{c: c}
	return c
}
