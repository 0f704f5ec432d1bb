package dialtone

import "encoding/json"

// Optional is a field of an update (or create) request that distinguishes three states: absent
// (not sent: leave unchanged), null (sent as JSON null: clear or reset to the default) and a
// value. Use it with the `omitzero` JSON option so that absent fields are not sent.
type Optional[T any] struct {
	Set   bool // the field was present
	Null  bool // the field was JSON null (only when Set)
	Value T    // the value (only when Set and not Null)
}

// Some returns an Optional holding v.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: v} }

// Null returns an Optional that is explicitly null.
func Null[T any]() Optional[T] { return Optional[T]{Set: true, Null: true} }

// IsZero reports whether o is absent; encoding/json's omitzero uses it.
func (o Optional[T]) IsZero() bool { return !o.Set }

// HasValue reports whether o holds a value (present and not null).
func (o Optional[T]) HasValue() bool { return o.Set && !o.Null }

// MarshalJSON encodes null or the value.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if !o.Set || o.Null {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// UnmarshalJSON records presence, null, or the value.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		var zero T
		o.Value = zero
		return nil
	}
	o.Null = false
	return json.Unmarshal(b, &o.Value)
}
