package dialtone

// List limits.
const (
	DefaultListLimit = 20
	MaxListLimit     = 100
)

// ListParams selects one page of a list, newest first. At most one of StartingAfter and
// EndingBefore is set; each is the id of an object of the same list.
type ListParams struct {
	Limit         int    // 1..MaxListLimit
	StartingAfter string // return objects older than this one
	EndingBefore  string // return objects newer than this one
}

// List is one page of a list, newest first.
type List[T any] struct {
	Object  string `json:"object"` // always "list"
	Data    []T    `json:"data"`
	HasMore bool   `json:"has_more"`
}

// NewList returns a page holding data.
func NewList[T any](data []T, hasMore bool) List[T] {
	if data == nil {
		data = []T{}
	}
	return List[T]{Object: "list", Data: data, HasMore: hasMore}
}
