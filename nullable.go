package tsapi

import (
	"bytes"
	"encoding/json"
)

// Nullable is a field of a partial update (PATCH) that can be left out,
// set to a value, or set to an explicit null. The zero value is left out
// (with the omitzero tag option).
type Nullable[T any] struct {
	value T
	set   bool
	null  bool
}

// Value returns a Nullable that sends v.
func Value[T any](v T) Nullable[T] { return Nullable[T]{value: v, set: true} }

// Null returns a Nullable that sends an explicit JSON null.
func Null[T any]() Nullable[T] { return Nullable[T]{set: true, null: true} }

// IsZero reports whether the field is left out.
func (n Nullable[T]) IsZero() bool { return !n.set }

// IsNull reports whether the field sends null.
func (n Nullable[T]) IsNull() bool { return n.set && n.null }

// Get returns the value and whether there is one (false when left out or
// null).
func (n Nullable[T]) Get() (T, bool) { return n.value, n.set && !n.null }

// MarshalJSON encodes the value or null.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.set || n.null {
		return []byte("null"), nil
	}
	return json.Marshal(n.value)
}

// UnmarshalJSON decodes a value or null.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*n = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*n = Value(v)
	return nil
}

// Ptr returns a pointer to v, for the optional fields of structs.
func Ptr[T any](v T) *T { return &v }

// NullableOf returns a Nullable that sends *p, or null when p is nil: the
// patch field for a nullable field of a read model.
func NullableOf[T any](p *T) Nullable[T] {
	if p == nil {
		return Null[T]()
	}
	return Value(*p)
}
