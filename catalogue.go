package dialtone

import (
	"net/http"
	"sort"
	"sync"
)

// Code is a stable, snake_case error code. Clients branch on it; messages may be reworded.
type Code string

// ErrorType is the broad category of an error; each has one usual HTTP status.
type ErrorType string

// The error types. Their usual statuses are given by Status.
const (
	TypeInvalidRequest     ErrorType = "invalid_request"
	TypeAuthentication     ErrorType = "authentication_error"
	TypePaymentRequired    ErrorType = "payment_required"
	TypePermission         ErrorType = "permission_error"
	TypeNotFound           ErrorType = "not_found"
	TypeConflict           ErrorType = "conflict"
	TypeUnprocessable      ErrorType = "unprocessable"
	TypeRateLimit          ErrorType = "rate_limit_error"
	TypeServer             ErrorType = "server_error"
	TypeProvider           ErrorType = "provider_error"
	TypeServiceUnavailable ErrorType = "service_unavailable"
	TypeProviderTimeout    ErrorType = "provider_timeout"
)

// Status returns the usual HTTP status of an error type (0 for an unknown type). A catalogue
// entry may use a more precise status of the same class (413 or 415 for an invalid request).
func (t ErrorType) Status() int {
	switch t {
	case TypeInvalidRequest:
		return http.StatusBadRequest
	case TypeAuthentication:
		return http.StatusUnauthorized
	case TypePaymentRequired:
		return http.StatusPaymentRequired
	case TypePermission:
		return http.StatusForbidden
	case TypeNotFound:
		return http.StatusNotFound
	case TypeConflict:
		return http.StatusConflict
	case TypeUnprocessable:
		return http.StatusUnprocessableEntity
	case TypeRateLimit:
		return http.StatusTooManyRequests
	case TypeServer:
		return http.StatusInternalServerError
	case TypeProvider:
		return http.StatusBadGateway
	case TypeServiceUnavailable:
		return http.StatusServiceUnavailable
	case TypeProviderTimeout:
		return http.StatusGatewayTimeout
	}
	return 0
}

// CatalogEntry describes one error code: what a client receives and what the documentation says.
type CatalogEntry struct {
	Code      Code
	Type      ErrorType
	Status    int
	Message   string // the default message, safe to show to an end user
	Retryable bool   // whether sending the same request again can succeed
	Doc       string // what happened and how to fix it
	// Equivalents names the codes hosted platforms use for the same situation, so users
	// migrating from them can find ours.
	Equivalents []string
}

// Entry returns the catalogue entry of c, or internal_error's entry when c is not catalogued.
func (c Code) Entry() CatalogEntry {
	if e, ok := catalogueIndex()[c]; ok {
		return e
	}
	return catalogueIndex()[CodeInternalError]
}

// Catalogued reports whether c has an entry in the catalogue.
func (c Code) Catalogued() bool {
	_, ok := catalogueIndex()[c]
	return ok
}

// Catalogue returns every catalogued error, sorted by type then code.
func Catalogue() []CatalogEntry {
	out := append([]CatalogEntry(nil), catalogue...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return typeOrder(out[i].Type) < typeOrder(out[j].Type)
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// ErrorTypes returns the error types in documentation order.
func ErrorTypes() []ErrorType {
	return []ErrorType{TypeInvalidRequest, TypeAuthentication, TypePaymentRequired, TypePermission,
		TypeNotFound, TypeConflict, TypeUnprocessable, TypeRateLimit, TypeServer, TypeProvider,
		TypeServiceUnavailable, TypeProviderTimeout}
}

func typeOrder(t ErrorType) int {
	for i, x := range ErrorTypes() {
		if x == t {
			return i
		}
	}
	return len(ErrorTypes())
}

var catalogueIndex = sync.OnceValue(func() map[Code]CatalogEntry {
	m := make(map[Code]CatalogEntry, len(catalogue))
	for _, e := range catalogue {
		m[e.Code] = e
	}
	return m
})
