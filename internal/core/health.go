package core

import (
	"context"

	"github.com/dialtonehq/dialtone"
)

// Health reports whether the service can serve requests.
type Health struct {
	store Store
}

// Ready returns service_unavailable (details.component "database") when the database does not
// answer.
func (h *Health) Ready(ctx context.Context) error {
	if err := h.store.Ping(ctx); err != nil {
		e := dialtone.NewError(dialtone.CodeServiceUnavailable, "The database is unreachable.").
			WithDetail("component", "database")
		e.Cause = err
		return e
	}
	return nil
}
