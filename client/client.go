package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client talks to one CARTO SQL API v3 base URL. It is safe for concurrent use.
type Client struct {
	// Queries runs synchronous SQL: /v3/sql/{connection}/query.
	Queries *QueryService
	// Jobs submits, inspects, cancels and lists long-running SQL jobs.
	Jobs *JobService
	// Connections lists the organization's connections (OAuth tokens only).
	Connections *ConnectionService
	// Maps reads tilesets (TileJSON and tiles) through the Maps API.
	Maps *MapService

	baseURL    *url.URL
	connection string
	token      TokenSource
	httpClient *http.Client
	clientID   string
	userAgent  string
	retry      RetryPolicy
	log        *slog.Logger
	now        func() time.Time
	// sleep waits between attempts (tests replace it to see the wait begin).
	sleep func(ctx context.Context, d time.Duration) error
	slots chan struct{}
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.Token == nil {
		return nil, fmt.Errorf("no CARTO credentials: set %s or %s and %s", EnvAccessToken, EnvClientID, EnvClientSecret)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvBaseURL, err)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = defaultHTTPClient()
	}
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "carto-mcp"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxConcurrentCalls <= 0 {
		cfg.MaxConcurrentCalls = 16
	}
	c := &Client{
		baseURL:    base,
		connection: strings.TrimSpace(cfg.Connection),
		token:      cfg.Token,
		httpClient: cfg.HTTPClient,
		clientID:   cfg.ClientID,
		userAgent:  cfg.UserAgent,
		retry:      cfg.Retry.withDefaults(),
		log:        cfg.Logger,
		now:        time.Now,
		sleep:      sleep,
		slots:      make(chan struct{}, cfg.MaxConcurrentCalls),
	}
	c.Queries = &QueryService{c: c}
	c.Jobs = &JobService{c: c}
	c.Connections = &ConnectionService{c: c}
	c.Maps = &MapService{c: c}
	return c, nil
}

// DefaultConnection is the connection used when a call names none ("" if unset).
func (c *Client) DefaultConnection() string { return c.connection }

// BaseURL is the API base URL the client calls (without a /v3 the
// configuration may have ended with).
func (c *Client) BaseURL() string { return c.baseURL.String() }

// CleartextURLs lists the URLs this client would send a token or client secret
// to over plain http:// on the network (loopback hosts excepted): the API base
// URL, and the OAuth token endpoint when the token source is an OAuth client.
// A server should warn about each at start.
func (c *Client) CleartextURLs() []string {
	var out []string
	if sendsInClear(c.baseURL) {
		out = append(out, c.baseURL.String())
	}
	if o, ok := c.token.(*OAuthTokenSource); ok {
		if u, err := url.Parse(o.endpoint); err == nil && sendsInClear(u) {
			out = append(out, o.endpoint)
		}
	}
	return out
}

// callerTokens reports whether each call brings its caller's own token.
func (c *Client) callerTokens() bool {
	p, ok := c.token.(interface{ PerCaller() bool })
	return ok && p.PerCaller()
}

// defaultHTTPClient bounds connection set-up but not the response: a query may take
// CARTO's full minute, and each call's context carries its own deadline.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	t.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: t}
}

// resolveConnection picks the call's connection or the default.
func (c *Client) resolveConnection(conn string) (string, error) {
	if conn = strings.TrimSpace(conn); conn == "" {
		conn = c.connection
	}
	if conn == "" {
		return "", ErrNoConnection
	}
	if err := checkSegment("connection name", conn); err != nil {
		return "", err
	}
	return conn, nil
}

// ErrInvalidName is returned, before anything is sent, for a connection name or
// job id that cannot be put in a URL path safely.
var ErrInvalidName = errors.New("invalid name")

// checkSegment refuses "." and "..", the only values url.PathEscape leaves as
// dot segments: a proxy or server that normalises paths (RFC 3986 section 5.2.4)
// would remove them and their neighbours, so that cancel_job on job ".." of
// connection ".." became DELETE /v3/. Escaping them as %2E would not help:
// normalisers decode unreserved characters first.
func checkSegment(what, s string) error {
	if s == "." || s == ".." {
		return fmt.Errorf("%w: the %s %q is not a name but a relative path, which would change the CARTO endpoint called", ErrInvalidName, what, s)
	}
	return nil
}

// call is one logical API call, possibly sent several times.
type call struct {
	op         string // for errors and logs: "run query", ...
	connection string
	method     string
	segments   []string // path segments after the base URL, escaped one by one
	query      url.Values
	body       []byte
	bodyType   string
	// acceptEncoding, when set, is sent as Accept-Encoding: the caller then
	// reads the body as the server encoded it (net/http decodes gzip
	// itself only when it asked for it).
	acceptEncoding string
	// idempotent calls may be repeated after any retryable failure; others only when
	// the request certainly never reached the server.
	idempotent bool
}

func (c *Client) url(cl *call) *url.URL {
	u := *c.baseURL
	var raw strings.Builder
	raw.WriteString(strings.TrimRight(u.Path, "/"))
	for _, s := range cl.segments {
		raw.WriteByte('/')
		raw.WriteString(url.PathEscape(s))
	}
	u.RawPath = raw.String()
	u.Path, _ = url.PathUnescape(u.RawPath)
	q := url.Values{}
	for k, v := range cl.query {
		q[k] = v
	}
	q.Set("client", c.clientID)
	u.RawQuery = q.Encode()
	return &u
}

// do sends cl, retrying as its kind allows, and returns a 2xx response whose body
// the caller must close. Any other outcome is an error: *APIError for a non-2xx
// answer, a wrapped context or network error otherwise.
func (c *Client) do(ctx context.Context, cl *call) (*http.Response, error) {
	// Every path segment is checked here too, whatever built the call.
	for _, s := range cl.segments {
		if err := checkSegment("path segment", s); err != nil {
			return nil, c.wrap(cl, err)
		}
	}
	// A free slot is taken even if ctx has ended meanwhile (a select would
	// pick at random): the call then fails with ctx's error as it is sent.
	// ErrBusy is only for a call that really waited for a busy slot.
	select {
	case c.slots <- struct{}{}:
	default:
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, c.wrap(cl, fmt.Errorf("waiting for one of the %d concurrent CARTO call slots: %w (%w)", cap(c.slots), ctx.Err(), ErrBusy))
		}
	}
	resp, err := c.attempts(ctx, cl)
	if err != nil {
		<-c.slots
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: func() { <-c.slots }}
	return resp, nil
}

// ErrBusy marks a call whose context ended while it waited for one of the
// client's concurrent call slots: it was never sent.
var ErrBusy = errors.New("all concurrent call slots were busy, so the call was never sent")

// releasingBody frees the call's slot when its body is closed, once.
type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// attempts sends cl, retrying as its kind allows.
func (c *Client) attempts(ctx context.Context, cl *call) (*http.Response, error) {
	refreshed := false
	for attempt := 1; ; attempt++ {
		resp, reached, err := c.send(ctx, cl, attempt)
		if err != nil {
			if ctx.Err() != nil {
				return nil, c.wrap(cl, ctx.Err())
			}
			var te *tokenError
			if errors.As(err, &te) && !IsRetryable(te.err) || errors.Is(err, ErrTLS) {
				// No token, a rejected OAuth client, or a server that does not
				// speak TLS as the URL says: asking again will not help.
				return nil, c.wrap(cl, err)
			}
			if (cl.idempotent || !reached) && attempt < c.retry.MaxAttempts {
				if werr := c.sleep(ctx, c.backoff(attempt)); werr != nil {
					return nil, c.wrap(cl, werr)
				}
				continue
			}
			return nil, c.wrap(cl, err)
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, nil
		}

		body, readErr := io.ReadAll(io.LimitReader(errorBody(cl, resp), maxErrorBody))
		resp.Body.Close()
		if readErr != nil && ctx.Err() != nil {
			return nil, c.wrap(cl, ctx.Err())
		}
		apiErr := newAPIError(cl.op, cl.connection, resp, body, c.now())
		apiErr.CallerToken = c.callerTokens()

		// A 401 with a refreshable token usually means it expired early: fetch a new
		// one once. CARTO rejected the request before running it, so any call may repeat.
		if resp.StatusCode == http.StatusUnauthorized && !refreshed {
			if rts, ok := c.token.(RefreshableTokenSource); ok {
				refreshed = true
				rts.Invalidate(bearer(resp.Request))
				attempt--
				continue
			}
		}
		if !cl.idempotent || !apiErr.Temporary() || attempt >= c.retry.MaxAttempts {
			return nil, apiErr
		}
		delay := c.backoff(attempt)
		if apiErr.RetryAfter > 0 {
			if apiErr.RetryAfter > c.retry.MaxDelay {
				return nil, apiErr // longer than we are willing to hold a tool call
			}
			delay = apiErr.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && c.now().Add(delay).After(dl) {
			return nil, apiErr // waiting would outlive the caller; report the real cause
		}
		if werr := c.sleep(ctx, delay); werr != nil {
			// Keep both: the caller's cancellation or deadline (errors.Is) and the
			// answer that was being retried (errors.As *APIError).
			return nil, fmt.Errorf("%w (stopped waiting to retry: %w)", apiErr, werr)
		}
	}
}

// send makes one attempt. reached reports whether a connection to the server was
// obtained, i.e. whether the request may have been seen by it.
func (c *Client) send(ctx context.Context, cl *call, attempt int) (resp *http.Response, reached bool, err error) {
	tok, err := c.token.Token(ctx)
	if err != nil {
		return nil, false, &tokenError{err}
	}
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { reached = true }}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), cl.method, c.url(cl).String(), body)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if cl.bodyType != "" {
		req.Header.Set("Content-Type", cl.bodyType)
	}
	if cl.acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", cl.acceptEncoding)
	}

	start := c.now()
	resp, err = c.httpClient.Do(req)
	// Requests are logged at debug: the line is built only when it is written.
	logged := c.log.Enabled(ctx, slog.LevelDebug)
	var attrs []slog.Attr
	if logged {
		attrs = []slog.Attr{
			slog.String("op", cl.op), slog.String("method", cl.method), slog.String("path", req.URL.Path),
			slog.Int("attempt", attempt), slog.Duration("elapsed", c.now().Sub(start)),
		}
	}
	if err != nil {
		err = classifyTransportError(redactURLError(err), req.URL)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// net/http's bare "EOF": the server or a proxy dropped the connection.
			err = fmt.Errorf("the connection was closed before a response arrived: %w", err)
		}
		if logged {
			c.log.LogAttrs(ctx, slog.LevelDebug, "carto request failed", append(attrs, slog.String("error", err.Error()))...)
		}
		return nil, reached, err
	}
	if logged {
		c.log.LogAttrs(ctx, slog.LevelDebug, "carto request", append(attrs, slog.Int("status", resp.StatusCode))...)
	}
	return resp, true, nil
}

// errorBody is resp's body decoded: net/http leaves a gzip body encoded when
// the call set Accept-Encoding itself, and an error is read as text.
func errorBody(cl *call, resp *http.Response) io.Reader {
	if cl.acceptEncoding == "" || !strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") {
		return resp.Body
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		return strings.NewReader("(an undecodable gzip body)")
	}
	return zr
}

// tokenError is a failure of the token source, before any request was sent.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "getting a CARTO token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

func bearer(req *http.Request) string {
	if req == nil {
		return ""
	}
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
}

// backoff is capped exponential with equal jitter: half fixed, half random, so
// retries from many callers spread out but never collapse to zero.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retry.BaseDelay << (attempt - 1)
	if d <= 0 || d > c.retry.MaxDelay {
		d = c.retry.MaxDelay
	}
	half := d / 2
	return half + rand.N(half+1)
}

// sleep waits d, or until ctx is done (then it returns ctx's error).
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wrap prefixes err with the call's operation and connection.
func (c *Client) wrap(cl *call, err error) error {
	if cl.connection != "" {
		return fmt.Errorf("carto: %s on connection %q: %w", cl.op, cl.connection, err)
	}
	return fmt.Errorf("carto: %s: %w", cl.op, err)
}

// IsRetryable reports whether err is a failure that may go away if the same call
// is made again later: a temporary HTTP status, a network error or a timeout.
func IsRetryable(err error) bool {
	if errors.Is(err, ErrTLS) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Temporary()
	}
	var netErr net.Error
	var authErr temporaryAuthError
	return errors.As(err, &netErr) || errors.As(err, &authErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTruncatedResponse) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) // a dropped connection
}
