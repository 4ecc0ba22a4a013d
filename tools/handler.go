package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/schemas"
)

// callInfo is what a handler reports about its call for the log line.
type callInfo struct {
	connection string
	attrs      []slog.Attr
}

// handle builds a ToolHandlerFunc around fn: it decodes the arguments into In,
// bounds the call with CallTimeout, turns a *callError into an isError result and
// logs one line. It never returns a Go error: those are for server faults, and a
// panic is left to the server's recovery middleware.
func handle[In any](d *Deps, name string, fn func(ctx context.Context, in In, info *callInfo) (*mcp.CallToolResult, *callError)) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := time.Now()
		var in In
		var info callInfo
		res, cerr := func() (*mcp.CallToolResult, *callError) {
			if err := bindArguments(req, &in); err != nil {
				return nil, badArgument("%v. Check the argument names and types against the tool's input schema.", err)
			}
			ctx, cancel := context.WithTimeout(withProgressToken(ctx, &req), d.opts.CallTimeout)
			defer cancel()
			return fn(ctx, in, &info)
		}()
		level, msg := slog.LevelDebug, "tool call"
		if cerr != nil {
			level, msg = slog.LevelInfo, "tool call failed"
		}
		// The line's attributes are built only when it is written: a
		// successful call logs at debug, which servers seldom enable.
		if d.log.Enabled(ctx, level) {
			attrs := append([]slog.Attr{slog.String("tool", name), slog.Duration("elapsed", time.Since(start))}, info.attrs...)
			if info.connection != "" {
				attrs = append(attrs, slog.String("connection", info.connection))
			}
			if cerr != nil {
				attrs = append(attrs, slog.String("error_kind", cerr.kind))
			}
			d.log.LogAttrs(ctx, level, msg, attrs...)
		}
		if cerr != nil {
			return cerr.result(), nil
		}
		return res, nil
	}
}

// bindArguments decodes the call's arguments strictly: the input schema already
// rejects unknown or mistyped arguments when validation is on, and this keeps the
// same promise when a host registers the tools without it. The raw bytes are used
// when the transport kept them, so that big numbers in parameters stay exact.
func bindArguments(req mcp.CallToolRequest, target any) error {
	var raw []byte
	switch {
	case len(req.Params.RawArguments) > 0:
		raw = req.Params.RawArguments
	case req.Params.Arguments == nil:
		return nil
	default:
		if r, ok := req.Params.Arguments.(json.RawMessage); ok {
			raw = r
		} else {
			b, err := json.Marshal(req.Params.Arguments)
			if err != nil {
				return fmt.Errorf("arguments are not JSON: %v", err)
			}
			raw = b
		}
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return fmt.Errorf("the arguments do not match the schema: %v", err)
	}
	return nil
}

// structuredResult marshals out once and uses the bytes as the structured
// content (numbers and raw values kept exactly), with text as the text content.
func structuredResult(out any, text string) (*mcp.CallToolResult, *callError) {
	b, err := json.Marshal(out)
	if err != nil {
		// Only a value that is not JSON (a bug) gets here; say so rather than crash.
		return nil, &callError{kind: "internal", text: "carto-mcp could not encode the result: " + err.Error()}
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(text)},
		StructuredContent: json.RawMessage(b),
	}, nil
}

// newTool builds a tool whose input and output schemas are the embedded files,
// byte for byte.
func newTool(name, title, description string, ann mcp.ToolAnnotation) (mcp.Tool, error) {
	in, err := schemas.Input(name)
	if err != nil {
		return mcp.Tool{}, err
	}
	out, err := schemas.Output(name)
	if err != nil {
		return mcp.Tool{}, err
	}
	ann.Title = title
	t := mcp.NewToolWithRawSchema(name, description, in)
	t.Title = title
	t.RawOutputSchema = out
	t.Annotations = ann
	return t, nil
}

// mustTool is newTool for the constructors: the schemas are embedded at build
// time and checked by tests, so a missing one is a build defect.
func mustTool(name, title, description string, ann mcp.ToolAnnotation) mcp.Tool {
	t, err := newTool(name, title, description, ann)
	if err != nil {
		panic(err)
	}
	return t
}

func annotations(readOnly, destructive, idempotent bool) mcp.ToolAnnotation {
	return mcp.ToolAnnotation{
		ReadOnlyHint:    mcp.ToBoolPtr(readOnly),
		DestructiveHint: mcp.ToBoolPtr(destructive),
		IdempotentHint:  mcp.ToBoolPtr(idempotent),
		OpenWorldHint:   mcp.ToBoolPtr(true),
	}
}
