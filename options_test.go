package tsapi

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionsAreTyped(t *testing.T) {
	// A value or another resource's options do not compile; what remains
	// to check is that options embedded by value reach the query.
	c := newTestClient(t, "http://ts.example")
	q, err := c.PluginResultJobs.(*PluginResultJobServiceOp).Query(&PluginResultJobListOptions{
		State:       StateError,
		ListOptions: ListOptions{Filters: url.Values{"run_level": {"block"}}},
	})
	require.NoError(t, err)
	assert.Equal(t, url.Values{"state": {"Error"}, "run_level": {"block"}}, q)
	_, err = c.PluginResultJobs.DeleteAllMatching(context.Background(), &PluginResultJobListOptions{
		ListOptions: ListOptions{Filters: url.Values{"plugin_result": {"5"}}},
	})
	assert.ErrorIs(t, err, ErrInvalidOption)
}

func TestNewRefusesBadOptions(t *testing.T) {
	for name, opts := range map[string][]Option{
		"two auths":        {WithBasicAuth("a", "b"), WithAPIKey("a", "k")},
		"empty password":   {WithBasicAuth("a", "")},
		"colon in user":    {WithBasicAuth("a:b", "c")},
		"plugin id":        {WithPluginKey(0, "k")},
		"newline in key":   {WithAPIKey("u", "k\r\nX-Evil: 1")},
		"missing CA file":  {WithCAFile("testdata/does-not-exist.pem")},
		"CA file not PEM":  {WithCAFile("testdata/pluginresultjob_list.json")},
		"negative retries": {WithRetry(-1, 0, 0)},
		"TLS on odd rt":    {WithTransport(roundTripFunc(nil)), WithInsecureSkipVerify()},
		"zero body cap":    {WithMaxResponseBytes(0)},
	} {
		_, err := New("https://ts.example.org", opts...)
		assert.ErrorIs(t, err, ErrInvalidOption, name)
	}
}
