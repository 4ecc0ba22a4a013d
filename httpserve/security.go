package httpserve

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// CARTOTokenHeader carries a caller's own CARTO token in per-request-token mode.
const CARTOTokenHeader = "X-Carto-Api-Access-Token"

// Security decides who may talk to the MCP endpoints. Health endpoints stay open.
type Security struct {
	// BearerToken, when set, must arrive as "Authorization: Bearer <token>" on
	// every MCP request (the scheme in any case). It is compared in constant
	// time and never logged.
	BearerToken string
	// AllowedOrigins lists browser origins (scheme://host[:port]) allowed to call.
	// A request with an Origin header not listed, and not a loopback origin, is
	// refused: this stops DNS-rebinding pages from driving a local server. CORS
	// headers are never sent, so browsers cannot read answers cross-origin.
	AllowedOrigins []string
	// PerRequestCARTOToken makes every MCP request bring its own CARTO token in
	// CARTOTokenHeader. WithCARTOToken puts it into the request's context; it is
	// used for that request alone, never stored or logged.
	PerRequestCARTOToken bool
	// WithCARTOToken stores the request's CARTO token in its context (the client
	// package's ContextWithToken). Required with PerRequestCARTOToken.
	WithCARTOToken func(ctx context.Context, token string) context.Context
}

// ErrUnsafeListen is returned by CheckListenAddr for a non-loopback address
// without authentication.
var ErrUnsafeListen = errors.New("refusing to listen on a non-loopback address without authentication")

// CheckListenAddr refuses to expose the MCP endpoints beyond this machine unless
// callers must authenticate (a bearer token, or their own CARTO token each call),
// or the operator explicitly opted out.
func CheckListenAddr(addr string, sec Security, allowUnauthenticatedRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %v", addr, err)
	}
	if isLoopback(host) || sec.BearerToken != "" || sec.PerRequestCARTOToken || allowUnauthenticatedRemote {
		return nil
	}
	return fmt.Errorf("%w: %q is reachable from other machines; set --http-token (or CARTO_MCP_HTTP_TOKEN), "+
		"use --per-request-token, listen on 127.0.0.1, or pass --insecure-allow-unauthenticated-remote", ErrUnsafeListen, addr)
}

func isLoopback(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// middleware wraps the MCP endpoints with the origin check, bearer auth and the
// per-request CARTO token, in that order: the cheapest refusal first.
func (sec Security) middleware() (func(http.Handler) http.Handler, error) {
	if sec.PerRequestCARTOToken && sec.WithCARTOToken == nil {
		return nil, errors.New("per-request CARTO tokens need Security.WithCARTOToken")
	}
	allowed := map[string]bool{}
	for _, o := range sec.AllowedOrigins {
		allowed[strings.ToLower(strings.TrimRight(o, "/"))] = true
	}
	want := []byte(sec.BearerToken)
	return func(next http.Handler) http.Handler {
		return sec.handler(next, allowed, want)
	}, nil
}

// bearerToken is the token of an "Authorization: Bearer <token>" header. The
// scheme is case-insensitive (RFC 9110, 11.1), so "bearer" counts too.
func bearerToken(h string) []byte {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil
	}
	return []byte(strings.TrimSpace(token))
}

func (sec Security) handler(next http.Handler, allowed map[string]bool, want []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !allowed[strings.ToLower(origin)] && !loopbackOrigin(origin) {
			writeJSONError(w, http.StatusForbidden, fmt.Sprintf("origin %q is not allowed (see --allowed-origins)", origin))
			return
		}
		if sec.BearerToken != "" {
			got := bearerToken(r.Header.Get("Authorization"))
			if subtle.ConstantTimeCompare(got, want) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="carto-mcp"`)
				writeJSONError(w, http.StatusUnauthorized, "missing or wrong bearer token: send Authorization: Bearer <the server's --http-token>")
				return
			}
		}
		if sec.PerRequestCARTOToken {
			tok := strings.TrimSpace(r.Header.Get(CARTOTokenHeader))
			if tok == "" {
				writeJSONError(w, http.StatusUnauthorized, "this server needs your CARTO API access token in the "+CARTOTokenHeader+" header of every request")
				return
			}
			r = r.WithContext(sec.WithCARTOToken(r.Context(), tok))
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackOrigin accepts pages served from this machine itself, e.g. the MCP
// Inspector on http://localhost:6274.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && isLoopback(u.Hostname())
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"error\":%q}\n", msg)
}
