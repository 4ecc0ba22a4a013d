package tools

import (
	"context"
	"errors"
	"net/http"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
)

// A prompt called with arguments it refuses, and a job resource that does not
// exist, are the caller's mistakes: JSON-RPC invalid params (-32602) and
// "resource not found", not an internal error (-32603). mcp-go (v1.2.1)
// reports every error a prompt or resource handler returns as -32603, and
// has no way for a handler to say otherwise; it does answer an unknown prompt
// name with -32602, and an unknown resource URI with the protocol's "resource
// not found" code (-32002 up to protocol 2025-11-25, -32602 from 2026-07-28).
// The before-hooks below check the request first and, when it is the
// caller's mistake, rename what was asked for so that mcp-go takes that path,
// with the reason in the name, which its error message quotes.

// addRequestHooks installs the checks on h.
func (d *Deps) addRequestHooks(h *server.Hooks) {
	h.AddBeforeGetPrompt(func(ctx context.Context, _ any, req *mcp.GetPromptRequest) {
		handler := d.promptHandler(req.Params.Name)
		if handler == nil {
			return // mcp-go answers an unknown prompt itself
		}
		if _, err := handler(ctx, *req); err != nil {
			req.Params.Name = req.Params.Name + " with these arguments (invalid arguments: " + err.Error() + ")"
		}
	})
	h.AddBeforeReadResource(func(ctx context.Context, _ any, req *mcp.ReadResourceRequest) {
		if reason := d.missingJobResource(ctx, req.Params.URI); reason != "" {
			req.Params.URI = req.Params.URI + " (" + reason + ")"
		}
	})
}

// promptHandler is the handler of the named prompt, or nil.
func (d *Deps) promptHandler(name string) server.PromptHandlerFunc {
	for _, p := range Prompts(d) {
		if p.Prompt.Name == name {
			return p.Handler
		}
	}
	return nil
}

// missingJobResource says why uri names no job: a URI that is not a job URI,
// or a job CARTO does not have. It is "" for a job that exists, and for a
// failure to ask CARTO, which the handler then reports.
func (d *Deps) missingJobResource(ctx context.Context, uri string) string {
	conn, id, err := parseJobURI(uri)
	if err != nil {
		if len(uri) < len(jobURIPrefix) || uri[:len(jobURIPrefix)] != jobURIPrefix {
			return "" // not ours: mcp-go answers it
		}
		return err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.CallTimeout)
	defer cancel()
	_, err = d.carto(ctx).Jobs.Get(ctx, conn, id)
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
		return "No such job " + id + " on connection " + conn + ": check the job id and the connection it was submitted on (list_jobs shows running jobs)"
	}
	return ""
}
