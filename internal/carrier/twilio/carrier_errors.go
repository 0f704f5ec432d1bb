package twilio

import (
	"errors"
	"math"

	"github.com/dialtonehq/dialtone"
)

// providerError returns the catalogued error for a failed Twilio request made on the user's
// behalf, with Twilio's code, status and message in details:
//   - rejected credentials (20003) → carrier_credentials_invalid;
//   - a destination the account's geographic permissions refuse (21215, 21408, 13227) →
//     destination_not_allowed;
//   - 429 (20429) → provider_rate_limited, with retry_after_seconds when Twilio gave one;
//   - a timeout → provider_timeout;
//   - anything else (5xx, an unexpected answer, a transport failure) → provider_error.
//
// Its text never holds the auth token: the REST client keeps it out of every error.
func providerError(err error) *dialtone.Error {
	var e *dialtone.Error
	switch {
	case IsTimeout(err):
		return dialtone.Errorf(dialtone.CodeProviderTimeout, "Twilio did not answer in time.").
			WithDetail("provider", "twilio")
	case IsAuth(err):
		e = dialtone.Errorf(dialtone.CodeCarrierCredentialsInvalid,
			"Twilio refused this account SID and auth token (error 20003).").WithParam("twilio_auth_token")
	case IsDestinationNotAllowed(err):
		e = dialtone.Errorf(dialtone.CodeDestinationNotAllowed,
			"The Twilio account's geographic permissions do not allow this destination.").
			WithDetail("reason", "carrier_geo_permissions")
	case IsRateLimited(err):
		e = dialtone.Errorf(dialtone.CodeProviderRateLimited, "Twilio is limiting this account's requests; retry shortly.")
		if a, ok := AsAPIError(err); ok && a.RetryAfter > 0 {
			e = e.WithDetail("retry_after_seconds", int(math.Ceil(a.RetryAfter.Seconds())))
		}
	default:
		e = dialtone.Errorf(dialtone.CodeProviderError, "Twilio could not handle the request.")
	}
	e = e.WithDetail("provider", "twilio")
	if a, ok := AsAPIError(err); ok {
		e = e.WithDetail("provider_status", a.Status).WithDetail("provider_message", a.Message)
		if a.Code != 0 {
			e = e.WithDetail("provider_code", a.Code)
		}
	} else if !errors.Is(err, ErrInvalidArgument) {
		e = e.WithDetail("provider_message", "Twilio could not be reached.")
	}
	return e
}
