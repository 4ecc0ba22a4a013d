package tools

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
)

// Progress notifications while a call waits for a job.
//
// When a tools/call request carries _meta.progressToken, a waiting call sends
// notifications/progress to the client: once when the wait starts, after every
// poll of CARTO and at least every heartbeatEvery (2 s) in between, with
//
//	progress: seconds waited so far (one decimal; it only grows)
//	total:    the wait_seconds granted
//	message:  "CARTO job <id> is running (waited 12 s of 50 s)" ("Job <id> ..." on
//	          the local warehouse)
//
// Clients that reset their request timeout on progress (the MCP TypeScript
// SDK's resetTimeoutOnProgress, for one) thereby keep a long wait alive.

type progressTokenKey struct{}

// withProgressToken keeps the call's progress token, if any, for the handler.
func withProgressToken(ctx context.Context, req *mcp.CallToolRequest) context.Context {
	if req.Params.Meta == nil || req.Params.Meta.ProgressToken == nil {
		return ctx
	}
	return context.WithValue(ctx, progressTokenKey{}, req.Params.Meta.ProgressToken)
}

// progress sends one call's progress notifications. A nil *progress (no token,
// or no MCP server in the context) sends nothing.
type progress struct {
	ctx   context.Context
	srv   *server.MCPServer
	token mcp.ProgressToken
	total time.Duration
	jobID string
	noun  string // "CARTO job", or "Job" on the local warehouse
	last  float64
	sent  int
	log   *slog.Logger
}

// newProgress returns the reporter for a wait of total in ctx's call, or nil.
func (d *Deps) newProgress(ctx context.Context, jobID string, total time.Duration) *progress {
	token := ctx.Value(progressTokenKey{})
	if token == nil {
		return nil
	}
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return nil
	}
	return &progress{ctx: ctx, srv: srv, token: token, total: total, jobID: jobID, noun: d.jobNoun(), log: d.log}
}

// report sends a notification for job's status after elapsed, unless the
// rounded elapsed time has not grown since the last one (progress must
// increase).
func (p *progress) report(j *client.Job, elapsed time.Duration) {
	if p == nil {
		return
	}
	v := math.Round(elapsed.Seconds()*10) / 10
	if p.sent > 0 && v <= p.last {
		return
	}
	status := "pending"
	if j != nil && j.Status != "" {
		status = string(j.Status)
	}
	msg := fmt.Sprintf("%s %s is %s (waited %s of %s)", p.noun, p.jobID, status, roundSeconds(elapsed), roundSeconds(p.total))
	err := p.srv.SendNotificationToClient(p.ctx, string(mcp.MethodNotificationProgress), map[string]any{
		"progressToken": p.token,
		"progress":      v,
		"total":         math.Round(p.total.Seconds()),
		"message":       msg,
	})
	if err != nil {
		// A client that cannot take it (a full channel, a session gone) only
		// loses the notification; the wait goes on.
		p.log.Debug("progress notification not sent", "job_id", p.jobID, "error", err.Error())
		return
	}
	p.last = v
	p.sent++
}

// roundSeconds writes d as whole seconds ("12 s").
func roundSeconds(d time.Duration) string {
	return fmt.Sprintf("%d s", int(math.Round(d.Seconds())))
}
