package client

import (
	"context"
	"errors"
)

type contextTokenKey struct{}

// ContextWithToken returns ctx carrying a CARTO token for the calls made with it.
// A shared server uses it to run each HTTP request with its caller's own token,
// which is never stored beyond that request.
func ContextWithToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, contextTokenKey{}, token)
}

// ErrNoRequestToken is returned when a RequestTokenSource finds no token in the
// call's context.
var ErrNoRequestToken = errors.New("this server uses each caller's own CARTO token, and this request carried none")

// RequestTokenSource uses the token ContextWithToken put in the call's context.
type RequestTokenSource struct{}

// Token returns the context's token or ErrNoRequestToken.
func (RequestTokenSource) Token(ctx context.Context) (string, error) {
	if tok, ok := ctx.Value(contextTokenKey{}).(string); ok && tok != "" {
		return tok, nil
	}
	return "", ErrNoRequestToken
}

// TokenFromContext returns the token ContextWithToken put in ctx, if any.
func TokenFromContext(ctx context.Context) (string, bool) {
	tok, ok := ctx.Value(contextTokenKey{}).(string)
	return tok, ok && tok != ""
}

// PerCaller reports that the tokens are each caller's own, not the server's,
// so that errors can say whose token CARTO refused. A TokenSource of callers'
// tokens implements it.
func (RequestTokenSource) PerCaller() bool { return true }
