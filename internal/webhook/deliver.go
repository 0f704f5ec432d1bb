package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/dialtonehq/dialtone/internal/netguard"
)

// DefaultTimeout bounds one delivery attempt when Deliverer.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// MaxResponseBody is how much of a receiver's response body is read (and discarded); the rest
// is never read: the connection is closed instead.
const MaxResponseBody = 64 << 10

// DefaultUserAgent is sent when Deliverer.UserAgent is empty.
const DefaultUserAgent = "Dialtone"

// Outcome is what an attempt means for the message and its endpoint.
type Outcome string

// The outcomes of an Attempt.
const (
	// Delivered: the receiver answered 2xx.
	Delivered Outcome = "delivered"
	// Retry: a transient failure (408, 429, 5xx, 3xx, a timeout, a network error, a refused
	// or unresolvable destination); try again after RetryDelay.
	Retry Outcome = "retry"
	// Failed: a permanent failure (any other 4xx, or a message that cannot be sent); do not
	// retry.
	Failed Outcome = "failed"
	// Gone: the receiver answered 410 Gone; do not retry, and disable the endpoint.
	Gone Outcome = "gone"
)

// Attempt is the result of one delivery attempt, as the deliveries log shows it.
type Attempt struct {
	Status  int           // the HTTP status, 0 when no response came
	Latency time.Duration // from sending the request to its response headers (or to the failure)
	Error   string        // "" when delivered, else a short reason: "HTTP 500", "timeout after 10s", …
	Outcome Outcome
}

// Deliverer sends signed messages to webhook endpoints. Its zero value is usable: it then
// sends through GuardedTransport with the strict policy (public addresses only) and the
// system resolver. A Deliverer is safe for concurrent use.
type Deliverer struct {
	// Client sends the requests; nil means a new client per attempt with
	// GuardedTransport(netguard.Policy{}, net.DefaultResolver) (fine for a test send, no
	// connection reuse). Its CheckRedirect is ignored: redirects are never followed.
	Client *http.Client
	// UserAgent is the User-Agent header, such as "Dialtone/1.4.0"; "" sends DefaultUserAgent.
	UserAgent string
	// Timeout bounds each attempt, from dialing to reading the response body; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// Now gives the webhook-timestamp; nil means time.Now. Latency is measured with the real
	// clock regardless.
	Now func() time.Time
}

// Deliver POSTs body (JSON) to url once, signed for each of secrets (one v1 signature per
// secret, space-separated, so that during a rotation both the new and the previous secret
// sign), with webhook-id msgID — the same on every retry of one message, so receivers can
// deduplicate — and webhook-timestamp d.Now(). Redirects are not followed (a 3xx is Retry),
// at most MaxResponseBody bytes of the response body are read, and the attempt is bounded by
// d.Timeout. Deliver never panics on a bad URL or receiver: every failure is in the Attempt.
func (d *Deliverer) Deliver(ctx context.Context, url string, secrets []string, msgID string, body []byte) Attempt {
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	ua := d.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	if len(secrets) == 0 {
		return Attempt{Error: "no signing secret", Outcome: Failed}
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Attempt{Error: "invalid URL", Outcome: Failed}
	}
	ts := now()
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sigs[i] = Signature(Key(s), msgID, ts, body)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", ua)
	req.Header.Set(HeaderID, msgID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(HeaderSignature, strings.Join(sigs, " "))

	var c http.Client
	if d.Client != nil {
		c = *d.Client
	} else {
		// No shared default client (no package state): a Deliverer meant to send much is
		// given a Client, whose transport then pools connections.
		c.Transport = GuardedTransport(netguard.Policy{}, net.DefaultResolver)
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Jar = nil

	start := time.Now()
	resp, err := c.Do(req)
	latency := time.Since(start)
	if err != nil {
		return Attempt{Latency: latency, Error: describe(ctx, err, timeout), Outcome: Retry}
	}
	// Read a bounded part of the body so that a small one lets the connection be reused, then
	// close it: the rest, if any, is never read and the connection is dropped.
	_, _ = io.CopyN(io.Discard, resp.Body, MaxResponseBody)
	_ = resp.Body.Close()
	return attemptFor(resp.StatusCode, latency)
}

// attemptFor classifies a response status.
func attemptFor(status int, latency time.Duration) Attempt {
	a := Attempt{Status: status, Latency: latency, Error: fmt.Sprintf("HTTP %d", status)}
	switch {
	case status >= 200 && status <= 299:
		a.Error, a.Outcome = "", Delivered
	case status == http.StatusGone:
		a.Outcome = Gone
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		a.Outcome = Retry
	case status >= 400 && status <= 499:
		a.Outcome = Failed
	default: // 1xx that ended the exchange, 3xx (not followed), 5xx and anything odd
		a.Outcome = Retry
	}
	return a
}

// describe turns a request error into a short human reason.
func describe(ctx context.Context, err error, timeout time.Duration) string {
	var ng *netguard.Error
	if errors.As(err, &ng) {
		switch ng.Reason {
		case netguard.ReasonPrivateAddress:
			return fmt.Sprintf("address not allowed: %s is %s", ng.Addr, addrKind(ng.Addr))
		case netguard.ReasonUnresolvable:
			return "could not resolve host " + ng.Host
		}
		return "address not allowed: " + ng.Error()
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return "timeout after " + timeout.String()
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout: " + innermost(err)
	}
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	case errors.As(err, &dns):
		return "could not resolve host " + dns.Name
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed without a response"
	}
	var (
		cv   *tls.CertificateVerificationError
		ua   x509.UnknownAuthorityError
		host x509.HostnameError
		inv  x509.CertificateInvalidError
		rec  tls.RecordHeaderError
	)
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &host) || errors.As(err, &inv) {
		return "TLS certificate not valid: " + innermost(err)
	}
	if errors.As(err, &rec) {
		return "TLS handshake failed: the server did not answer with TLS"
	}
	return innermost(err)
}

// innermost is the message of err without the "Post \"url\": " prefix of *url.Error.
func innermost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// addrKind names the kind of a non-public address, for error messages.
func addrKind(a netip.Addr) string {
	u := a.WithZone("").Unmap()
	switch {
	case u == netip.AddrFrom4([4]byte{169, 254, 169, 254}):
		return "the cloud metadata address"
	case u.IsLoopback():
		return "loopback"
	case u.IsPrivate():
		return "private"
	case u.IsLinkLocalUnicast():
		return "link-local"
	case u.IsUnspecified():
		return "unspecified"
	case u.IsMulticast():
		return "multicast"
	}
	return "not a public address"
}

// GuardedTransport returns a transport for webhook deliveries that cannot be aimed at the
// server's own network. Its dialer resolves the host itself (through resolver; nil means
// net.DefaultResolver), checks every address with netguard.CheckAddr under policy — one
// non-public address among public ones refuses the destination, as netguard.CheckURL does —
// and then dials the checked IP literals, in order, so that the name cannot resolve elsewhere
// between the check and the connection (DNS rebinding). TLS still verifies, and sends SNI
// for, the URL's host name. With policy.AllowPrivate every address is accepted, but the
// resolver is still the one used.
//
// A refused destination fails the request with a *netguard.Error (ReasonPrivateAddress or
// ReasonUnresolvable) before any connection is made. Deliver reports it as Retry, with an
// Error such as "address not allowed: 127.0.0.1 is loopback": the URL passed the same check
// when the endpoint was created or changed, so a refusal at delivery means its DNS changed,
// which may be temporary (a misconfiguration being fixed) as well as an attack; retrying
// costs a few requests that never leave the server, the retry schedule bounds them, and an
// endpoint that keeps failing is disabled by the caller like any other failing endpoint.
//
// policy.AllowHTTP is not enforced here (a transport sees addresses, not schemes): URLs are
// checked with netguard.CheckURL when endpoints are saved.
//
// Timeouts: dialing 5 s per address, TLS handshake 5 s, response headers DefaultTimeout
// (Deliverer.Timeout bounds the whole attempt). No proxy (the environment's HTTP_PROXY is
// ignored), no transparent compression, HTTP/2 when the receiver offers it over TLS, and at
// most 64 KiB of response headers.
func GuardedTransport(policy netguard.Policy, resolver netguard.Resolver) *http.Transport {
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		host, portText, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		port, err := strconv.ParseUint(portText, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("invalid port %q", portText)
		}
		addrs, err := netguard.Resolve(ctx, resolver, host)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if err := netguard.CheckAddr(a, policy); err != nil {
				e := err.(*netguard.Error)
				e.Host = host
				return nil, e
			}
		}
		var firstErr error
		for _, a := range addrs {
			conn, err := dialer.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
			if err == nil {
				return conn, nil
			}
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				break
			}
		}
		return nil, firstErr
	}
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            dial,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  DefaultTimeout,
		ExpectContinueTimeout:  time.Second,
		ForceAttemptHTTP2:      true,
		DisableCompression:     true,
		MaxIdleConns:           256,
		MaxIdleConnsPerHost:    256, // ≥ jobs.DefaultWebhookWorkers, so bursts reuse connections
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: MaxResponseBody,
	}
}
