package client

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors for responses that could not be read. Match them with errors.Is.
var (
	// ErrTruncatedResponse means the body ended before the JSON document did:
	// a dropped connection or a proxy that cut the stream.
	ErrTruncatedResponse = errors.New("response body ended early (truncated response)")
	// ErrInvalidResponse means the body was not the JSON document the contract describes.
	ErrInvalidResponse = errors.New("response body is not the JSON the CARTO SQL API returns")
)

// APIError is a non-2xx answer from CARTO. It never holds the token.
type APIError struct {
	// Op is the kind of call: "run query", "create job", "get job", "cancel job", "list jobs".
	Op string
	// Connection is the connection the call was for ("" for list jobs).
	Connection string
	// StatusCode is the HTTP status.
	StatusCode int
	// Message is CARTO's "error" text; for a non-JSON body, a short description of it.
	Message string
	// Hint is CARTO's "hint", when it sent one.
	Hint string
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Response is the HTTP response; its body has been read and closed.
	Response *http.Response
	// CallerToken is true when the call used its caller's own token (a shared
	// server's per-request token) rather than the server's.
	CallerToken bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "carto: %s", e.Op)
	if e.Connection != "" {
		fmt.Fprintf(&b, " on connection %q", e.Connection)
	}
	fmt.Fprintf(&b, " failed with HTTP %d", e.StatusCode)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (hint: %s)", e.Hint)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Temporary reports whether the same call may succeed later unchanged.
func (e *APIError) Temporary() bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// newAPIError builds an APIError from a non-2xx response whose body (at most
// maxErrorBody bytes) has been read.
func newAPIError(op, connection string, resp *http.Response, body []byte, now time.Time) *APIError {
	e := &APIError{Op: op, Connection: connection, StatusCode: resp.StatusCode, Response: redactResponse(resp)}
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)

	var doc struct {
		Error  json.RawMessage `json:"error"`
		Hint   string          `json:"hint"`
		Detail string          `json:"detail"`
	}
	if err := json.Unmarshal(body, &doc); err == nil && len(doc.Error) > 0 {
		var s string
		if json.Unmarshal(doc.Error, &s) != nil {
			s = string(doc.Error) // some proxies send an object; keep its text
		}
		e.Message, e.Hint = s, doc.Hint
		if e.Hint == "" {
			e.Hint = doc.Detail
		}
		return e
	}
	e.Message = describeNonJSON(resp, body)
	return e
}

// redactResponse returns a copy of resp whose Request carries no credentials: the
// request that was sent holds the bearer token in its Authorization header, and an
// *APIError is printed, logged and dumped by callers (e.g. test diffs, %+v of
// nested structs), so the copy it keeps must not have it.
func redactResponse(resp *http.Response) *http.Response {
	if resp == nil || resp.Request == nil {
		return resp
	}
	out := *resp
	req := resp.Request.Clone(resp.Request.Context())
	req.Header.Del("Authorization")
	req.URL.User = nil
	if q := req.URL.Query(); q.Has("access_token") {
		q.Del("access_token")
		req.URL.RawQuery = q.Encode()
	}
	out.Request = req
	return &out
}

// describeNonJSON names what came back when the body is not CARTO's JSON, e.g. a
// proxy's HTML error page, so the reader learns the status and what answered.
func describeNonJSON(resp *http.Response, body []byte) string {
	status := http.StatusText(resp.StatusCode)
	ct := resp.Header.Get("Content-Type")
	text := strings.TrimSpace(string(body))
	switch {
	case len(text) == 0:
		return fmt.Sprintf("%s (empty response body)", status)
	case strings.Contains(ct, "html") || strings.HasPrefix(text, "<"):
		title := between(text, "<title>", "</title>")
		if title == "" {
			title = "no title"
		}
		return fmt.Sprintf("%s (an HTML page, probably from a proxy or load balancer: %q)", status, snippet(title, 120))
	default:
		return fmt.Sprintf("%s (non-JSON body: %q)", status, snippet(text, 200))
	}
}

func between(s, open, close string) string {
	lower := strings.ToLower(s)
	i := strings.Index(lower, open)
	if i < 0 {
		return ""
	}
	j := strings.Index(lower[i+len(open):], close)
	if j < 0 {
		return ""
	}
	return strings.TrimSpace(s[i+len(open) : i+len(open)+j])
}

func snippet(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// parseRetryAfter reads delta-seconds or an HTTP date; 0 when absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var secs int64
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v {
		if secs < 0 {
			return 0
		}
		if secs > int64(math.MaxInt64/time.Second) {
			return time.Duration(math.MaxInt64) // would overflow: "far too long"
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// redactURLError strips the URL from a *url.Error: ours never hold a token, but the
// query string holds the SQL of a GET, which is noise in an error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// ErrTLS marks a failure to speak TLS with a server an https:// URL names: it
// answered in plain HTTP, did not start a TLS handshake, or presented a
// certificate that could not be verified. It is a configuration problem, so
// the call is not repeated.
var ErrTLS = errors.New("TLS (https) failure")

// classifyTransportError marks TLS failures of a request to u with ErrTLS.
func classifyTransportError(err error, u *url.URL) error {
	if err == nil || u == nil {
		return err
	}
	var record tls.RecordHeaderError
	var verify *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("%w: %s answered in plain HTTP, not HTTPS: %v", ErrTLS, u.Host, err)
	case errors.As(err, &record):
		return fmt.Errorf("%w: %s did not answer with a TLS handshake: %v", ErrTLS, u.Host, err)
	case errors.As(err, &verify), errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid):
		return fmt.Errorf("%w: the certificate of %s could not be verified: %v", ErrTLS, u.Host, err)
	}
	return err
}
