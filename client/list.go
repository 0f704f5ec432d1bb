package client

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"slices"
	"strconv"

	"github.com/dialtonehq/dialtone"
)

// ListParams selects one page of a list. Lists are newest first. The zero value (or a nil
// *ListParams) asks for the first page of the server's default size (20).
type ListParams struct {
	// Limit is the page size, 1 to 100; 0 means the server's default.
	Limit int
	// StartingAfter is the id of an object of the list: the page holds the objects just older
	// than it. Pass the last id of a page to get the next one.
	StartingAfter string
	// EndingBefore is the id of an object of the list: the page holds the objects just newer
	// than it (still newest first). At most one of StartingAfter and EndingBefore may be set.
	EndingBefore string
	// Name keeps only the agents with exactly this name. Only agent lists accept it; other
	// lists answer unknown_parameter.
	Name string
	// AgentID keeps only the phone numbers attached to this agent. Only phone number lists
	// accept it.
	AgentID string
}

func (p *ListParams) query() url.Values {
	q := url.Values{}
	if p == nil {
		return q
	}
	if p.Limit != 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.StartingAfter != "" {
		q.Set("starting_after", p.StartingAfter)
	}
	if p.EndingBefore != "" {
		q.Set("ending_before", p.EndingBefore)
	}
	if p.Name != "" {
		q.Set("name", p.Name)
	}
	if p.AgentID != "" {
		q.Set("agent_id", p.AgentID)
	}
	return q
}

// all iterates over every object of a list, fetching pages of p.Limit objects as it goes (see
// AgentsService.All). It stops after yielding the first error.
func all[T any](ctx context.Context, p *ListParams, fetch func(context.Context, *ListParams) (*dialtone.List[T], error), id func(T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		page := ListParams{}
		if p != nil {
			page = *p
		}
		if page.StartingAfter != "" && page.EndingBefore != "" {
			yield(zero, errors.New("dialtone: set at most one of StartingAfter and EndingBefore"))
			return
		}
		backward := page.EndingBefore != ""
		for {
			list, err := fetch(ctx, &page)
			if err != nil {
				yield(zero, err)
				return
			}
			data := list.Data
			if backward {
				// Travel away from the cursor: oldest of the newer objects first.
				data = slices.Clone(data)
				slices.Reverse(data)
			}
			for _, v := range data {
				if !yield(v, nil) {
					return
				}
			}
			if !list.HasMore || len(data) == 0 {
				return
			}
			if backward {
				page.EndingBefore = id(data[len(data)-1])
			} else {
				page.StartingAfter = id(data[len(data)-1])
			}
		}
	}
}

// filtered is the params of a list that has filters besides its page.
type filtered[P any] interface {
	*P
	page() *ListParams
	withPage(page *ListParams) *P
}

// allFiltered iterates, like all, over the list that list returns for p (nil: unfiltered),
// fetching each page with p's filters.
func allFiltered[P any, PP filtered[P], T any](ctx context.Context, p PP, list func(context.Context, PP) (*dialtone.List[T], error), id func(T) string) iter.Seq2[T, error] {
	var filter P
	if p != nil {
		filter = *p
	}
	fetch := func(ctx context.Context, page *ListParams) (*dialtone.List[T], error) {
		return list(ctx, PP(&filter).withPage(page))
	}
	return all(ctx, p.page(), fetch, id)
}
