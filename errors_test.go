package tsapi

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/h2non/gock.v1"
)

func TestErrorsAreTypedForBadAnswers(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		ctype    string
		body     string
		sentinel error
		message  string
	}{
		{"empty 404", 404, "", "", ErrNotFound, "Not Found"},
		{"html 404", 404, "text/html", "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>", ErrNotFound, "404 Not Found"},
		{"canned 500", 500, "application/json", `{"error_message": "Sorry, this request could not be processed. Please try again later."}`, ErrServer, "Sorry, this request could not be processed. Please try again later."},
		{"debug 500", 500, "application/json", `{"error_message": "boom", "traceback": "Traceback (most recent call last): ..."}`, ErrServer, "boom"},
		{"400 error string", 400, "application/json", `{"error": "Invalid resource lookup data provided (mismatched type)."}`, ErrBadRequest, "Invalid resource lookup data provided (mismatched type)."},
		{"401 wrong credentials", 401, "", "", ErrUnauthorized, "Unauthorized"},
		{"html 503 maintenance", 503, "text/html", "<!DOCTYPE html><html><head><title>Torrent Server is being upgraded</title></head></html>", ErrUnavailable, "Torrent Server is being upgraded"},
		{"405", 405, "", "", ErrMethodNotAllowed, "Method Not Allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newGockClient(t, WithRetry(0, 0, 0))
			r := gock.New(gockBase).Get(jobsPath + "19/").Reply(tc.status).BodyString(tc.body)
			if tc.ctype != "" {
				r.SetHeader("Content-Type", tc.ctype)
			}
			if tc.name == "401 wrong credentials" {
				r.SetHeader("WWW-Authenticate", `Basic Realm="django-tastypie"`)
			}
			_, _, err := c.PluginResultJobs.Get(context.Background(), 19)
			require.Error(t, err)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, "GET", apiErr.Method)
			assert.Equal(t, gockBase+jobsPath+"19/", apiErr.URL)
			assert.False(t, errors.Is(err, ErrDecode))
		})
	}
}

func TestForbiddenIs401WithoutAuthenticate(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Delete(jobsPath + "19/").Reply(401)
	_, err := c.PluginResultJobs.Delete(context.Background(), 19)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.NotErrorIs(t, err, ErrUnauthorized)
}

func TestFieldErrors(t *testing.T) {
	c := newGockClient(t)
	gock.New(gockBase).Patch(jobsPath + "19/").Reply(400).
		JSON(`{"PluginResultJob": {"state": ["Ensure this value has at most 20 characters (it has 25)."]}}`)
	_, _, err := c.PluginResultJobs.Patch(context.Background(), 19, &PluginResultJobPatch{State: CustomState("a state that is too long!!")})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, map[string][]string{"state": {"Ensure this value has at most 20 characters (it has 25)."}}, apiErr.FieldErrors)
	assert.Contains(t, err.Error(), "state: Ensure this value")
}

func TestConfigErrorIsTheFormerNameOfInvalidArgumentError(t *testing.T) {
	_, err := New("https://ts.example.org", WithRetry(-1, 0, 0))
	var old *ConfigError
	require.ErrorAs(t, err, &old, "code written against the old name still matches")
	var cur *InvalidArgumentError
	require.ErrorAs(t, err, &cur)
	assert.Same(t, old, cur)
	assert.ErrorIs(t, err, ErrInvalidOption)
}
