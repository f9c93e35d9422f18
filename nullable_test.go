package tsapi

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNullableEncodesThreeStates(t *testing.T) {
	type patch struct {
		A Nullable[int64] `json:"a,omitzero"`
		B Nullable[int64] `json:"b,omitzero"`
		C Nullable[int64] `json:"c,omitzero"`
	}
	out, err := json.Marshal(patch{A: Value[int64](0), B: Null[int64]()})
	require.NoError(t, err)
	assert.JSONEq(t, `{"a": 0, "b": null}`, string(out))

	var p patch
	require.NoError(t, json.Unmarshal([]byte(`{"a": 5, "b": null}`), &p))
	v, ok := p.A.Get()
	assert.True(t, ok)
	assert.Equal(t, int64(5), v)
	assert.True(t, p.B.IsNull())
	assert.True(t, p.C.IsZero())
}
