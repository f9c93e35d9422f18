package tsapi

import "time"

// RequestInfo describes one request the Client sent, for a request hook
// (WithRequestHook). It holds no credential: the URL is redacted and the
// error is the one the caller gets.
type RequestInfo struct {
	// Method is the HTTP method; URL the request's URL, credentials
	// redacted.
	Method string
	URL    string
	// Status is the HTTP status of the last answer, 0 when none came.
	Status int
	// Attempts is how many times the request was sent.
	Attempts int
	// Duration is the time from the first attempt to the end of the last
	// answer, retries and their waits included.
	Duration time.Duration
	// BytesSent is the size of the request body (per attempt);
	// BytesReceived the size of the last answer's body.
	BytesSent     int64
	BytesReceived int64
	// Err is the error the call returns for this request, or nil.
	Err error
}

// WithRequestHook calls h once for every request the Client sends (after
// its last attempt), with what a metrics or tracing system needs; see
// RequestInfo. h runs on the calling goroutine and must be safe for
// concurrent use when the Client is. A nil h sets no hook (in Clone, it
// removes the inherited one).
func WithRequestHook(h func(RequestInfo)) Option {
	return func(c *settings) error {
		c.hook = h
		return nil
	}
}
