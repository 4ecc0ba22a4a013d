package tools

import (
	"context"
	"log/slog"
	"slices"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// ClientLogHandler wraps next so that a record logged with a tool call's
// context also reaches that call's MCP client as notifications/message, at
// the level the client asked for (logging/setLevel; mcp-go filters per
// session, and sends nothing to a client that never asked on the 2026-07-28
// protocol). Records go to next exactly as before. Our log lines carry no
// token and no SQL, so they are safe to show to the client.
func ClientLogHandler(next slog.Handler) slog.Handler { return &clientLog{next: next} }

type clientLog struct {
	next  slog.Handler
	attrs []slog.Attr // from WithAttrs, keys already prefixed by groups
	group string      // dotted prefix from WithGroup
}

// Enabled is true when next wants the record, or when the calling session may.
func (h *clientLog) Enabled(ctx context.Context, level slog.Level) bool {
	if h.next.Enabled(ctx, level) {
		return true
	}
	s, ok := server.ClientSessionFromContext(ctx).(server.SessionWithLogging)
	return ok && mcpLevel(level).ShouldSendTo(s.GetLogLevel())
}

func (h *clientLog) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if h.next.Enabled(ctx, r.Level) {
		err = h.next.Handle(ctx, r)
	}
	if srv := server.ServerFromContext(ctx); srv != nil {
		data := map[string]any{"message": r.Message}
		for _, a := range h.attrs {
			data[a.Key] = a.Value.Any()
		}
		r.Attrs(func(a slog.Attr) bool {
			data[h.group+a.Key] = a.Value.Resolve().Any()
			return true
		})
		// Best effort: a client that cannot take the notification loses nothing.
		_ = srv.SendLogMessageToClient(ctx, mcp.NewLoggingMessageNotification(mcpLevel(r.Level), ServerName, data))
	}
	return err
}

func (h *clientLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := &clientLog{next: h.next.WithAttrs(attrs), attrs: slices.Clone(h.attrs), group: h.group}
	for _, a := range attrs {
		c.attrs = append(c.attrs, slog.Attr{Key: h.group + a.Key, Value: a.Value.Resolve()})
	}
	return c
}

func (h *clientLog) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &clientLog{next: h.next.WithGroup(name), attrs: h.attrs, group: h.group + name + "."}
}

// mcpLevel maps slog's levels onto MCP's (RFC 5424) names.
func mcpLevel(l slog.Level) mcp.LoggingLevel {
	switch {
	case l >= slog.LevelError:
		return mcp.LoggingLevelError
	case l >= slog.LevelWarn:
		return mcp.LoggingLevelWarning
	case l >= slog.LevelInfo:
		return mcp.LoggingLevelInfo
	default:
		return mcp.LoggingLevelDebug
	}
}
