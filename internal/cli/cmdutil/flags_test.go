package cmdutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOneOrIn(t *testing.T) {
	exact, in := OneOrIn[string](nil)
	assert.Equal(t, "", exact)
	assert.Nil(t, in)
	exact, in = OneOrIn([]string{"run"})
	assert.Equal(t, "run", exact, "one value is the exact filter")
	assert.Nil(t, in)
	exact, in = OneOrIn([]string{"run", "planned"})
	assert.Equal(t, "", exact)
	assert.Equal(t, []string{"run", "planned"}, in, "several are the __in filter")
}

func TestCopyFilters(t *testing.T) {
	assert.Nil(t, CopyFilters(nil))
	assert.Nil(t, CopyFilters(map[string][]string{}))
	in := map[string][]string{"status__in": {"run", "planned"}}
	out := CopyFilters(in)
	assert.Equal(t, in, out)
	out["status__in"][0] = "changed"
	out["x"] = []string{"y"}
	assert.Equal(t, map[string][]string{"status__in": {"run", "planned"}}, in, "the copy shares nothing with the flags' values")
}
