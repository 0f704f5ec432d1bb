package twilio

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Twilio error codes the carrier acts on. The full list is Twilio's error dictionary,
// https://www.twilio.com/docs/api/errors; each code's page is
// https://www.twilio.com/docs/errors/<code>.
const (
	CodeAuthenticate         = 20003 // 401: the Account SID and auth token were refused
	CodeNotFound             = 20404 // 404: the requested resource was not found
	CodeTooManyRequests      = 20429 // 429: too many requests (or concurrent requests)
	CodeInternalError        = 20500 // 500: Twilio's own internal error
	CodeInvalidTo            = 21211 // 400: the 'To' number is not a valid phone number
	CodeToUnreachable        = 21214 // 400: the 'To' number cannot be reached
	CodeGeoPermissionCall    = 21215 // 400: the account is not authorised to call that country
	CodeGeoPermissionSMS     = 21408 // 400: the account may not send SMS to that region
	CodeUnsubscribed         = 21610 // 400: the recipient replied STOP to this sender
	CodeGeoPermissionBlocked = 13227 // the geographic permission configuration does not allow the call
)

// ErrTimeout is wrapped by every error of a request that did not complete in time: the
// REST client's per-request timeout, the caller's context deadline, or the HTTP client's own
// timeout. Test for it with errors.Is or IsTimeout. The wrapped error also still matches
// context.DeadlineExceeded when a context deadline caused it.
var ErrTimeout = errors.New("twilio: request timed out")

// ErrNumberNotFound is returned by REST.FindIncomingNumber when the account does not have
// the phone number. (Twilio itself answers such a search with an empty list, not an error.)
var ErrNumberNotFound = errors.New("twilio: phone number not found in the account")

// ErrInvalidArgument is wrapped by errors for arguments the client refuses before any
// request is sent (a malformed resource SID, an update with nothing to change, …).
var ErrInvalidArgument = errors.New("twilio: invalid argument")

// APIError is an error answer from Twilio's REST API: the HTTP status and, when the body is
// Twilio's JSON error document
//
//	{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}
//
// its code, message and more_info. A response that is not that document (an HTML 502 page
// from a proxy, say) gives Code 0 and the HTTP status text as Message. Its text never
// contains request credentials.
type APIError struct {
	Status   int    // HTTP status code
	Code     int    // Twilio error code; 0 if the body did not carry one
	Message  string // Twilio's message, or the HTTP status text
	MoreInfo string // link to the error's documentation, if Twilio gave one
	// RetryAfter is the delay from a Retry-After header (sent with 429 and 503), if any.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "twilio: HTTP %d", e.Status)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", error %d", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.MoreInfo != "" {
		fmt.Fprintf(&b, " (%s)", e.MoreInfo)
	}
	return b.String()
}

// maxErrorMessage bounds the message taken from an error body, so a misbehaving server
// cannot blow up logs.
const maxErrorMessage = 512

// parseAPIError builds the APIError for a non-2xx response with the given body.
func parseAPIError(status int, header http.Header, body []byte) *APIError {
	e := &APIError{Status: status}
	mediaType, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	var doc struct {
		Code     json.Number `json:"code"`
		Message  string      `json:"message"`
		MoreInfo string      `json:"more_info"`
		Status   json.Number `json:"status"`
	}
	if (mediaType == "application/json" || mediaType == "" || strings.HasSuffix(mediaType, "+json")) &&
		json.Unmarshal(body, &doc) == nil {
		if c, err := doc.Code.Int64(); err == nil {
			e.Code = int(c)
		}
		e.Message = truncate(doc.Message, maxErrorMessage)
		e.MoreInfo = truncate(doc.MoreInfo, maxErrorMessage)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if ra := header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && secs >= 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			if d := time.Until(t); d > 0 {
				e.RetryAfter = d
			}
		}
	}
	return e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// AsAPIError returns the APIError in err's chain, if there is one.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Code returns the Twilio error code carried by err, or 0 if it carries none.
func Code(err error) int {
	if e, ok := AsAPIError(err); ok {
		return e.Code
	}
	return 0
}

// IsAuth reports whether Twilio refused the credentials (error 20003, HTTP 401).
func IsAuth(err error) bool {
	e, ok := AsAPIError(err)
	return ok && (e.Code == CodeAuthenticate || e.Status == http.StatusUnauthorized)
}

// IsNotFound reports whether the resource does not exist: Twilio's 20404 / HTTP 404, or
// ErrNumberNotFound from FindIncomingNumber.
func IsNotFound(err error) bool {
	if errors.Is(err, ErrNumberNotFound) {
		return true
	}
	e, ok := AsAPIError(err)
	return ok && (e.Code == CodeNotFound || e.Status == http.StatusNotFound)
}

// IsRateLimited reports whether Twilio answered 429 Too Many Requests (error 20429).
func IsRateLimited(err error) bool {
	e, ok := AsAPIError(err)
	return ok && (e.Code == CodeTooManyRequests || e.Status == http.StatusTooManyRequests)
}

// IsInvalidNumber reports whether Twilio refused the destination as not a valid phone
// number (error 21211).
func IsInvalidNumber(err error) bool {
	return Code(err) == CodeInvalidTo
}

// IsDestinationNotAllowed reports whether the destination is valid but may not be reached
// from this account: geographic permissions (21215 for calls, 21408 for SMS, 13227) or an
// unreachable number (21214).
func IsDestinationNotAllowed(err error) bool {
	switch Code(err) {
	case CodeGeoPermissionCall, CodeGeoPermissionSMS, CodeGeoPermissionBlocked, CodeToUnreachable:
		return true
	}
	return false
}

// IsUnsubscribed reports whether the SMS recipient has opted out of this sender (21610).
func IsUnsubscribed(err error) bool {
	return Code(err) == CodeUnsubscribed
}

// IsServerError reports whether Twilio (or something in front of it) answered with a 5xx.
func IsServerError(err error) bool {
	e, ok := AsAPIError(err)
	return ok && e.Status >= 500
}

// IsTimeout reports whether err is a request that did not complete in time.
func IsTimeout(err error) bool {
	return errors.Is(err, ErrTimeout)
}
