package api

import (
	"net/http"
	"strconv"

	"github.com/dialtonehq/dialtone"
)

// listParams reads limit, starting_after and ending_before: invalid_value for a limit outside
// 1..100, parameters_exclusive when both cursors are given.
func listParams(r *http.Request) (dialtone.ListParams, error) {
	q := r.URL.Query()
	lp := dialtone.ListParams{Limit: dialtone.DefaultListLimit,
		StartingAfter: q.Get("starting_after"), EndingBefore: q.Get("ending_before")}
	if v := q.Get("limit"); q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > dialtone.MaxListLimit {
			return lp, dialtone.Errorf(dialtone.CodeInvalidValue, "limit must be an integer from 1 to %d; got %q.",
				dialtone.MaxListLimit, v).WithParam("limit")
		}
		lp.Limit = n
	}
	if lp.StartingAfter != "" && lp.EndingBefore != "" {
		return lp, dialtone.NewError(dialtone.CodeParametersExclusive,
			"Send starting_after or ending_before, not both.").WithParam("ending_before")
	}
	return lp, nil
}
