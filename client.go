package tsapi

import (
	"cmp"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

// Version is the version of this library, sent in the default User-Agent.
const Version = "0.1.0"

// DefaultAPIPath is the path of the tastypie API root on a Torrent Server.
const DefaultAPIPath = "/rundb/api/v1/"

// Defaults used by New.
const (
	DefaultUserAgent        = "tsapi-go/" + Version
	DefaultMaxRetries       = 3
	DefaultRetryWaitMin     = 500 * time.Millisecond
	DefaultRetryWaitMax     = 10 * time.Second
	DefaultMaxRetryAfter    = 60 * time.Second
	DefaultMaxResponseBytes = 64 << 20
	DefaultTimeout          = 60 * time.Second // per attempt; see WithTimeout
	maxRedirects            = 5
)

// Client talks to one Torrent Server. It is safe for concurrent use by
// multiple goroutines. Create it with New.
type Client struct {
	baseURL   *url.URL
	cfg       settings // as built, for Clone
	userAgent string
	auth      *credentials
	logger    *slog.Logger
	maxBody   int64
	timeout   time.Duration
	hook      func(RequestInfo)

	concurrency int
	throttle    *throttle // shared wait after a 429 or 503

	inner *http.Client
	base  http.RoundTripper // the transport inner's was built from, for Clone
	retry *retryablehttp.Client

	resources *sync.Map // resource name -> queryChecker, for Do

	root *rootState // what the API root said, once asked

	// PluginResultJobs is the PluginResultJob resource
	// (/rundb/api/v1/PluginResultJob/). It may be replaced by another
	// implementation of the interface, as tests do.
	PluginResultJobs PluginResultJobService
	// PluginResults is the pluginresult resource (/rundb/api/v1/pluginresult/).
	PluginResults PluginResultService
	// Plugins is the plugin resource (/rundb/api/v1/plugin/) and plugin launches.
	Plugins PluginService
	// Results, Experiments and PlannedExperiments are the analysis
	// results, the sequencing runs and the plans (/rundb/api/v1/results/,
	// experiment/, plannedexperiment/), generated from their schemas.
	Results            ResultService
	Experiments        ExperimentService
	PlannedExperiments PlannedExperimentService
}

// New returns a Client for the Torrent Server at baseURL. baseURL may name
// the server (https://ts.example.org), or the API root
// (https://ts.example.org/rundb/api/v1/ or .../rundb/api as a plugin's
// startplugin.json gives it); a server behind a path prefix is also accepted
// (https://host/prefix). New does no I/O.
//
// It returns an error when baseURL has no http or https scheme or no host,
// carries credentials, a query or a fragment, or when an option is invalid
// (for example an unreadable CA file).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	cfg := &settings{
		userAgent:     DefaultUserAgent,
		maxRetries:    DefaultMaxRetries,
		waitMin:       DefaultRetryWaitMin,
		waitMax:       DefaultRetryWaitMax,
		maxRetryAfter: DefaultMaxRetryAfter,
		maxBody:       DefaultMaxResponseBytes,
		cookies:       true,
	}
	return newClient(u, cfg, opts)
}

// newClient applies opts to cfg and builds the Client.
func newClient(u *url.URL, cfg *settings, opts []Option) (*Client, error) {
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	inner, base, err := cfg.buildHTTPClient()
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:        base,
		baseURL:     u,
		cfg:         *cfg,
		userAgent:   cfg.userAgent,
		auth:        cfg.auth,
		logger:      cfg.logger,
		maxBody:     cfg.maxBody,
		timeout:     cfg.timeout,
		hook:        cfg.hook,
		throttle:    &throttle{},
		concurrency: cmp.Or(cfg.concurrency, DefaultConcurrency),
		inner:       inner,
		resources:   &sync.Map{},
		root:        &rootState{},
	}
	if cfg.insecure && c.logger != nil {
		c.logger.Warn("tsapi: TLS certificate verification is disabled", "host", u.Host)
	}
	c.retry = &retryablehttp.Client{
		HTTPClient:     inner,
		RetryWaitMin:   cfg.waitMin,
		RetryWaitMax:   cfg.waitMax,
		RetryMax:       cfg.maxRetries,
		CheckRetry:     c.checkRetry,
		Backoff:        c.backoffShared(cfg.maxRetryAfter),
		ErrorHandler:   giveUp,
		RequestLogHook: c.beforeAttempt,
	}
	if c.logger != nil {
		c.retry.Logger = slogAdapter{c.logger, c.auth}
	}
	c.PluginResultJobs = &PluginResultJobServiceOp{newPluginResultJobResource(c)}
	c.PluginResults = &PluginResultServiceOp{newPluginResultResource(c)}
	c.Plugins = &PluginServiceOp{newPluginResource(c)}
	initGeneratedServices(c)
	return c, nil
}

// Clone returns a new Client for the same server, configured as if New
// had been given this Client's options followed by opts, with these
// exceptions:
//
//   - Credentials are never inherited: the clone has none unless opts give
//     them (so an authentication option in opts is never "given twice").
//   - Cookies are never shared: the clone keeps a session of its own, in a
//     new jar (WithoutCookies, when this Client was made with it, still
//     holds).
//   - The TLS options (WithCAFile, WithCACertPool, WithInsecureSkipVerify)
//     are one concern: when opts hold any of them, they replace this
//     Client's TLS options whole. Clone(WithCAFile(ca)) of a Client made
//     with WithInsecureSkipVerify verifies against ca alone.
//   - WithTransport and WithHTTPClient are one concern too: when opts hold
//     either, this Client's transport and *http.Client are not inherited
//     (the TLS options still are, unless opts replace them as well).
//
// Everything else is inherited unless opts set it again: user agent,
// timeout, retries and their waits, Retry-After cap, response size cap,
// logger, request hook (WithRequestHook(nil) or WithLogger(nil) removes
// it), concurrency, and the base URL, which opts cannot change.
//
// When opts touch neither TLS nor the transport, the clone shares this
// Client's transport and so its connection pool. Clone never changes this
// Client. It returns a *InvalidArgumentError for an invalid option or combination,
// as New does.
func (c *Client) Clone(opts ...Option) (*Client, error) {
	cfg := c.cfg
	cfg.auth = nil
	cfg.shared = nil
	cfg.rootCAs, cfg.insecure = nil, false
	cfg.httpClient, cfg.transport = nil, nil
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	ownTLS, ownTransport := cfg.tlsGiven(), cfg.transportGiven()
	if !ownTLS {
		cfg.rootCAs, cfg.insecure = c.cfg.rootCAs, c.cfg.insecure
	}
	if !ownTransport {
		cfg.httpClient, cfg.transport = c.cfg.httpClient, c.cfg.transport
		if ownTLS {
			// The TLS options apply to the transport this Client's were
			// applied to.
			cfg.transport = c.base
		} else {
			cfg.shared = &sharedTransport{built: c.inner.Transport, base: c.base}
		}
	}
	u := *c.baseURL
	return newClient(&u, &cfg, nil)
}

// BaseURL returns the API root the Client sends requests to, such as
// https://ts.example.org/rundb/api/v1/.
func (c *Client) BaseURL() *url.URL {
	u := *c.baseURL
	return &u
}

// HTTPClient returns the *http.Client the Client sends each attempt through.
// Tests may wrap its Transport (for example with gock.InterceptClient); it
// must not be changed while requests are in flight.
func (c *Client) HTTPClient() *http.Client { return c.inner }

// String describes the Client without any credential.
func (c *Client) String() string {
	return fmt.Sprintf("tsapi.Client{base: %s, auth: %s}", c.baseURL, c.auth.String())
}

// Format makes every fmt verb (%v, %+v, %#v, %s) print String, so that no
// credential is ever printed.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue logs what String says.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }
