package tsapi

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadCappedWithAndWithoutALength(t *testing.T) {
	body := strings.Repeat("x", 100)
	for _, tc := range []struct {
		name        string
		size, limit int64
		want        string
		err         error
	}{
		{"length known", 100, 1000, body, nil},
		{"no length", -1, 1000, body, nil},
		{"more than announced", 10, 1000, body, nil},
		{"over the limit with a length", 100, 50, body[:50], ErrResponseTooLarge},
		{"over the limit without one", -1, 50, body[:50], ErrResponseTooLarge},
		{"more than announced, over the limit", 10, 50, body[:50], ErrResponseTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := readCapped(strings.NewReader(body), tc.limit, tc.size)
			assert.Equal(t, tc.want, string(b))
			if tc.err == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.err)
			}
		})
	}
	// Shorter than announced: a read error, not a short body.
	_, err := readCapped(strings.NewReader(body), 1000, 200)
	var re *bodyReadError
	assert.ErrorAs(t, err, &re)
}
