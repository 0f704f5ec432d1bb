package twilio

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dialtonehq/dialtone"
)

// Name is the carrier's name, as on its numbers.
const Name = "twilio"

// The paths of the webhooks and of the Media Streams WebSocket, under Options.PublicURL.
const (
	PathVoice        = "/twilio/voice"        // a number's VoiceUrl: calls arriving
	PathVoiceStatus  = "/twilio/voice/status" // a number's StatusCallback: arriving calls' progress
	PathSMS          = "/twilio/sms"          // a number's SmsUrl: texts arriving
	PathCalls        = "/twilio/calls/"       // {call_id}/answer and {call_id}/status of placed calls
	PathMessages     = "/twilio/messages/"    // {message_id}/status of sent texts
	PathStream       = "/twilio/stream"       // the Media Streams WebSocket of every call
	pathAnswerSuffix = "/answer"
	pathStatusSuffix = "/status"
)

// Options configure a Carrier.
type Options struct {
	// PublicURL is how Twilio reaches this server (the operator's --public-url, such as
	// https://dialtone.example.com): webhooks are set to it, and requests are signed over it.
	PublicURL string
	// BaseURL is Twilio's REST API; default DefaultBaseURL (tests point it at twiliotest).
	BaseURL    string
	HTTPClient *http.Client
	// Timeout bounds each REST request; default DefaultTimeout.
	Timeout time.Duration
	// StreamTimeout is how long an answered call may take to open its Media Stream before it
	// is hung up as failed; default 10 s.
	StreamTimeout time.Duration
	Logger        *slog.Logger
}

// Carrier is the Twilio carrier adapter (dialtone.ImportCarrier): numbers are imported from
// the user's own Twilio account, calls are placed with the Calls API and carried over Media
// Streams, texts go through the Messages API, and Twilio's webhooks (Handler) report what
// happens. Every webhook and the stream's upgrade must carry a valid X-Twilio-Signature for
// the account of the number it concerns, or it is answered 403 and changes nothing.
//
// The calls of this process are tracked in memory: a call's webhooks must reach the process
// that placed or answered it (one process, or sticky routing by path).
type Carrier struct {
	opts    Options
	streams string // ws(s):// form of PublicURL
	log     *slog.Logger

	mu      sync.Mutex
	ingress dialtone.CarrierIngress
	calls   map[string]*liveCall // by call_ id: calls placed, and arriving calls once routed
	waiting map[string]*liveCall // by the key in the stream URL: calls whose stream has not started
}

var _ dialtone.ImportCarrier = (*Carrier)(nil)

// New returns a Twilio carrier; Attach must give it core's ingress before Handler serves.
func New(opts Options) *Carrier {
	opts.PublicURL = strings.TrimSuffix(opts.PublicURL, "/")
	opts.StreamTimeout = cmp.Or(opts.StreamTimeout, 10*time.Second)
	streams := opts.PublicURL
	switch {
	case strings.HasPrefix(streams, "https://"):
		streams = "wss://" + strings.TrimPrefix(streams, "https://")
	case strings.HasPrefix(streams, "http://"):
		streams = "ws://" + strings.TrimPrefix(streams, "http://")
	}
	return &Carrier{opts: opts, streams: streams, log: cmp.Or(opts.Logger, slog.Default()),
		calls: map[string]*liveCall{}, waiting: map[string]*liveCall{}}
}

// Attach connects the carrier's webhooks to core.
func (c *Carrier) Attach(ingress dialtone.CarrierIngress) {
	c.mu.Lock()
	c.ingress = ingress
	c.mu.Unlock()
}

func (c *Carrier) core() dialtone.CarrierIngress {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ingress
}

// Name returns "twilio".
func (c *Carrier) Name() string { return Name }

// rest returns a REST client for account.
func (c *Carrier) rest(account dialtone.CarrierAccount) *REST {
	return &REST{BaseURL: c.opts.BaseURL, AccountSID: account.AccountSID, AuthToken: account.AuthToken,
		HTTPClient: c.opts.HTTPClient, Timeout: c.opts.Timeout, UserAgent: "Dialtone"}
}

// errNoAccount is the error of a call or text asked of a number with no Twilio account.
var errNoAccount = errors.New("twilio: the number has no Twilio account")

// ImportNumber finds number in account and points its voice, SMS and status webhooks at this
// server. Errors: carrier_credentials_invalid, number_not_in_carrier_account, and the
// errors of providerError.
func (c *Carrier) ImportNumber(ctx context.Context, account dialtone.CarrierAccount, number string) (dialtone.ImportedNumber, error) {
	rest := c.rest(account)
	n, err := rest.FindIncomingNumber(ctx, number)
	if errors.Is(err, ErrNumberNotFound) {
		return dialtone.ImportedNumber{}, dialtone.Errorf(dialtone.CodeNumberNotInCarrierAccount,
			"The Twilio account %s has no phone number %s.", account.AccountSID, number).
			WithParam("phone_number").WithDetail("provider", Name)
	}
	if err != nil {
		return dialtone.ImportedNumber{}, providerError(err)
	}
	if err := rest.UpdateIncomingNumber(ctx, n.SID, c.webhooks()); err != nil {
		return dialtone.ImportedNumber{}, providerError(err)
	}
	return dialtone.ImportedNumber{CarrierSID: n.SID, FriendlyName: n.FriendlyName,
		Capabilities: dialtone.PhoneNumberCapabilities{Voice: n.Capabilities.Voice, SMS: n.Capabilities.SMS}}, nil
}

// ForgetNumber clears those of the number's voice, SMS and status webhooks at Twilio that
// still point at this server (someone may have pointed some elsewhere since: they stay); the
// number stays in the account. A number no longer in the account is not an error.
func (c *Carrier) ForgetNumber(ctx context.Context, account dialtone.CarrierAccount, number string) error {
	rest := c.rest(account)
	n, err := rest.FindIncomingNumber(ctx, number)
	if errors.Is(err, ErrNumberNotFound) {
		return nil
	}
	if err != nil {
		return providerError(err)
	}
	ours := c.webhooks()
	keep := NumberWebhooks{
		VoiceURL: unless(n.VoiceURL, ours.VoiceURL), VoiceMethod: n.VoiceMethod,
		SMSURL: unless(n.SMSURL, ours.SMSURL), SMSMethod: n.SMSMethod,
		StatusCallback: unless(n.StatusCallback, ours.StatusCallback), StatusCallbackMethod: n.StatusCallbackMethod,
	}
	if keep.VoiceURL == n.VoiceURL && keep.SMSURL == n.SMSURL && keep.StatusCallback == n.StatusCallback {
		return nil // none of them is ours any more
	}
	if err := rest.UpdateIncomingNumber(ctx, n.SID, keep); err != nil {
		return providerError(err)
	}
	return nil
}

// unless returns url, or "" when it is ours.
func unless(url, ours string) string {
	if url == ours {
		return ""
	}
	return url
}

// webhooks are the webhooks an imported number points at.
func (c *Carrier) webhooks() NumberWebhooks {
	return NumberWebhooks{VoiceURL: c.opts.PublicURL + PathVoice, SMSURL: c.opts.PublicURL + PathSMS,
		StatusCallback: c.opts.PublicURL + PathVoiceStatus}
}
