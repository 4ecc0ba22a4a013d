package tools_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/localwarehouse"
	"github.com/carto-mcp/carto-mcp/tools"
)

// The long-work flows end to end, through real MCP client sessions, on the
// embedded warehouse (jobs really run in DuckDB). No test waits for a slow job:
// each one is cancelled. No test asserts on wall-clock time.

// TestLocalWaitWithProgress: submit_job waits on a slow job, sending progress
// notifications; cancelling the job ends the wait at once, with the job's end.
func TestLocalWaitWithProgress(t *testing.T) {
	t.Parallel()
	for _, tr := range []string{inProcess, stdioPipes, streamableHTTP} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			e := newLocalEnv(t, tr, "")
			progress := collectNotes(e.mcp)
			type result struct {
				res *mcp.CallToolResult
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := e.callWith(testContext(t), tools.ToolSubmitJob,
					map[string]any{"sql": slowSQL, "wait_seconds": 50}, &mcp.Meta{ProgressToken: "wait-1"})
				done <- result{res, err}
			}()
			// The start, then the first poll. (Some client transports hand
			// notifications over concurrently: order them by progress.)
			notes := progress.wait(t, "wait-1", 2)
			slices.SortFunc(notes, func(a, b progressNote) int { return cmp.Compare(a.Progress, b.Progress) })
			assert.Equal(t, 0.0, notes[0].Progress)
			assert.Greater(t, notes[1].Progress, notes[0].Progress)
			for _, n := range notes {
				assert.Equal(t, 50.0, n.Total)
				assert.Contains(t, n.Message, "of 50 s")
			}
			assert.Contains(t, notes[1].Message, "is running")

			job := e.runningJob()
			assert.Contains(t, notes[1].Message, "Job "+job.JobID)
			assert.NotContains(t, notes[1].Message, "CARTO", "the local warehouse is not CARTO")
			e.cancelAndCheck(job.JobID)

			r := <-done
			require.NoError(t, r.err)
			var out tools.SubmitJobOutput
			e.ok(r.res, &out)
			assert.Equal(t, job.JobID, out.JobID)
			assert.True(t, out.Done, "the wait ends with the job")
			assert.Equal(t, "failure", out.Status)
			assert.Equal(t, "cancelled", out.Error.Code)
			assert.Positive(t, out.WaitedSeconds)
			assert.Contains(t, out.NextStep, "cancelled")
			seen := map[float64]bool{}
			for _, n := range progress.of("wait-1") {
				assert.False(t, seen[n.Progress], "progress grows with every notification: %v", progress.of("wait-1"))
				seen[n.Progress] = true
			}
		})
	}
}

// TestLocalCancelledWait: the client cancels a waiting get_job; the server
// stops waiting at once, the job keeps running (list_jobs shows it) until
// cancel_job stops it. Over stdio the cancellation travels as
// notifications/cancelled; in process and over HTTP as the request's context.
func TestLocalCancelledWait(t *testing.T) {
	t.Parallel()
	for _, tr := range []string{inProcess, stdioPipes, streamableHTTP} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			e := newLocalEnv(t, tr, "")
			var sub tools.SubmitJobOutput
			e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": slowSQL}), &sub)
			require.False(t, sub.Done)

			progress := collectNotes(e.mcp)
			ctx, cancel := context.WithCancel(testContext(t))
			defer cancel()
			type result struct {
				res *mcp.CallToolResult
				err error
			}
			done := make(chan result, 1)
			go func() {
				res, err := e.callWith(ctx, tools.ToolGetJob, map[string]any{"job_id": sub.JobID, "wait_seconds": 50}, &mcp.Meta{ProgressToken: "wait-2"})
				done <- result{res, err}
			}()
			progress.wait(t, "wait-2", 1) // the server is waiting
			cancel()
			if r := <-done; r.err != nil {
				requireCancelledByClient(t, tr, r.err)
			} else {
				// In process the call shares the client's context, and the
				// server's answer to the cancelled wait comes back as is.
				text := e.failed(r.res)
				assert.Empty(t, missing(text, "wait for job "+sub.JobID+" was cancelled", "does not cancel the job", "list_jobs", "cancel_job"))
			}

			// The server's handler saw the cancellation and stopped waiting.
			waitFor(t, "the server to stop waiting", func() bool {
				return strings.Contains(e.logs.String(), "error_kind=wait_cancelled")
			})
			// Cancelling the wait did not cancel the work.
			job := e.runningJob()
			assert.Equal(t, sub.JobID, job.JobID)
			assert.Equal(t, "running", job.Status)
			e.cancelAndCheck(sub.JobID)
		})
	}
}

// requireCancelledByClient checks the error of a call the test cancelled.
//
// Over streamable HTTP, mcp-go's client (v1.2.1) may report such a call as
// "unexpected nil response" rather than context.Canceled: cancelling closes
// the HTTP request's context, the transport then breaks the SSE response
// stream, and the stream's reader can see the broken stream before the
// cancellation has reached its own (child) context. It then ends the stream as
// broken, closing the channel handleSSEResponse waits on, which takes it for
// a stream that ended without an answer. A busy machine (the canceller
// descheduled between the two contexts) makes this likely; it is the client
// library's report of our cancel, not a server fault.
func requireCancelledByClient(t *testing.T, transportName string, err error) {
	t.Helper()
	if transportName == streamableHTTP && !errors.Is(err, context.Canceled) {
		require.ErrorContains(t, err, "unexpected nil response", "a cancelled call ends with the cancellation")
		return
	}
	require.ErrorIs(t, err, context.Canceled)
}

// TestLocalCancelNotification: a notifications/cancelled naming a waiting
// call's request id stops the wait, over the HTTP transports too (mcp-go's Go
// client does not send one over HTTP, other clients do: it is sent by hand).
func TestLocalCancelNotification(t *testing.T) {
	t.Parallel()
	for _, tr := range []string{sseHTTP, streamableHTTP} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			e := newLocalEnv(t, tr, mcp.LATEST_LEGACY_PROTOCOL_VERSION)
			var sub tools.SubmitJobOutput
			e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": slowSQL}), &sub)

			progress := collectNotes(e.mcp)
			id := mcp.NewRequestId(int64(1 << 41))
			type result struct {
				resp *transport.JSONRPCResponse
				err  error
			}
			done := make(chan result, 1)
			go func() {
				resp, err := e.mcp.GetTransport().SendRequest(testContext(t), transport.JSONRPCRequest{
					JSONRPC: mcp.JSONRPC_VERSION, ID: id, Method: string(mcp.MethodToolsCall),
					Params: map[string]any{"name": tools.ToolGetJob, "arguments": map[string]any{"job_id": sub.JobID, "wait_seconds": 50},
						"_meta": map[string]any{"progressToken": "wait-3"}},
				})
				done <- result{resp, err}
			}()
			progress.wait(t, "wait-3", 1) // the server is waiting
			require.NoError(t, e.mcp.GetTransport().SendNotification(testContext(t), mcp.JSONRPCNotification{
				JSONRPC:      mcp.JSONRPC_VERSION,
				Notification: mcp.Notification{Method: string(mcp.MethodNotificationCancelled), Params: mcp.NotificationParams{AdditionalFields: map[string]any{"requestId": 1 << 41, "reason": "test"}}},
			}))
			waitFor(t, "the server to stop waiting", func() bool {
				return strings.Contains(e.logs.String(), "error_kind=wait_cancelled")
			})
			if r := <-done; r.err == nil && r.resp.Error == nil {
				res, err := mcp.ParseCallToolResult(&r.resp.Result)
				require.NoError(t, err)
				assert.Contains(t, e.failed(res), "does not cancel the job")
			}
			assert.Equal(t, sub.JobID, e.runningJob().JobID, "the job runs on")
			e.cancelAndCheck(sub.JobID)
		})
	}
}

// TestLocalFailedJob: a job with bad SQL fails; the wait returns at once with
// the error and what to do.
func TestLocalFailedJob(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")
	out := e.runJob("CREATE TABLE t AS SELECT * FROM no_such_table")
	assert.Equal(t, "failure", out.Status)
	require.NotNil(t, out.Error)
	assert.Equal(t, "query_error", out.Error.Code)
	assert.Contains(t, out.Error.Msg, "no_such_table")
	assert.Empty(t, missing(out.NextStep, "The job failed", "no_such_table", "Fix the SQL", "submit a new job"))

	// And get_job with a wait on an ended job answers at once too.
	var got tools.GetJobOutput
	e.ok(e.call(tools.ToolGetJob, map[string]any{"job_id": out.JobID, "wait_seconds": 50}), &got)
	assert.Equal(t, "failure", got.Status)
	assert.Zero(t, got.WaitedSeconds)
}

// TestLocalJobSucceeds: a short job, waited for, then its table read.
func TestLocalJobSucceeds(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")
	out := e.runJob("CREATE TABLE big AS SELECT range AS n FROM range(1000) WHERE range % 10 = 0")
	assert.Equal(t, "success", out.Status)
	assert.Contains(t, out.NextStep, "finished successfully")
	var q tools.RunQueryOutput
	e.ok(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT count(*) AS n FROM big"}), &q)
	require.Equal(t, 1, q.RowCount)
	assert.Equal(t, `"100"`, string(q.Rows[0][0]), "a bigint, as a string in structured content")
}

// TestLocalJobResource: a job reads as a resource, the same object get_job
// returns.
func TestLocalJobResource(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")
	out := e.runJob("SELECT 1")
	require.Equal(t, "carto://jobs/carto_local/"+out.JobID, out.ResourceURI)

	templates, err := e.mcp.ListResourceTemplates(testContext(t), mcp.ListResourceTemplatesRequest{})
	require.NoError(t, err)
	require.Len(t, templates.ResourceTemplates, 1)
	assert.Equal(t, tools.JobURITemplate, templates.ResourceTemplates[0].URITemplate.Raw())
	assert.Equal(t, "application/json", templates.ResourceTemplates[0].MIMEType)

	job := readJob(t, e, out.ResourceURI)
	assert.Equal(t, out.JobID, job.JobID)
	assert.Equal(t, "success", job.Status)
	assert.True(t, job.Done)
	assert.Equal(t, out.ResourceURI, job.ResourceURI)

	_, err = e.mcp.ReadResource(testContext(t), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "carto://jobs/carto_local/no-such-job"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "No such job")
	_, err = e.mcp.ReadResource(testContext(t), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "carto://jobs/carto_local"}})
	require.Error(t, err)
}

func readJob(t *testing.T, e *env, uri string) tools.Job {
	t.Helper()
	res, err := e.mcp.ReadResource(testContext(t), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: uri}})
	require.NoError(t, err)
	require.Len(t, res.Contents, 1)
	tc, ok := res.Contents[0].(mcp.TextResourceContents)
	require.True(t, ok, "%T", res.Contents[0])
	assert.Equal(t, uri, tc.URI)
	assert.Equal(t, "application/json", tc.MIMEType)
	var job tools.Job
	require.NoError(t, json.Unmarshal([]byte(tc.Text), &job))
	return job
}

// TestLocalSubscription: a client subscribed to a job's URI is told when its
// status changes; unsubscribing, or closing the stream, ends the watch.
func TestLocalSubscription(t *testing.T) {
	t.Parallel()
	t.Run("resources/subscribe (2025-11-25)", func(t *testing.T) {
		t.Parallel()
		e := newLocalEnv(t, inProcess, mcp.LATEST_LEGACY_PROTOCOL_VERSION)
		updates := collectNotes(e.mcp)
		var sub tools.SubmitJobOutput
		e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": slowSQL}), &sub)
		require.NoError(t, e.mcp.Subscribe(testContext(t), mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: sub.ResourceURI}}))
		assert.Equal(t, 1, tools.Watching(e.deps))
		assert.Equal(t, "running", readJob(t, e, sub.ResourceURI).Status)

		e.cancelAndCheck(sub.JobID)
		updates.waitUpdated(t, sub.ResourceURI)
		job := readJob(t, e, sub.ResourceURI)
		assert.True(t, job.Done)
		assert.Equal(t, "failure", job.Status)
		waitFor(t, "the watch to end with the job", func() bool { return tools.Watching(e.deps) == 0 })

		// Unsubscribing ends a watch.
		e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": slowSQL}), &sub)
		require.NoError(t, e.mcp.Subscribe(testContext(t), mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: sub.ResourceURI}}))
		require.NoError(t, e.mcp.Subscribe(testContext(t), mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: "file:///not-a-job"}}))
		assert.Equal(t, 1, tools.Watching(e.deps), "only job URIs are watched, once")
		require.NoError(t, e.mcp.Unsubscribe(testContext(t), mcp.UnsubscribeRequest{Params: mcp.UnsubscribeParams{URI: sub.ResourceURI}}))
		waitFor(t, "the watch to end on unsubscribe", func() bool { return tools.Watching(e.deps) == 0 })
		e.cancelAndCheck(sub.JobID)
		assert.Zero(t, updates.updates(sub.ResourceURI), "no update after unsubscribing")
	})
	t.Run("subscriptions/listen (2026-07-28)", func(t *testing.T) {
		t.Parallel()
		e := newLocalEnv(t, inProcess, mcp.ProtocolVersion20260728)
		updates := collectNotes(e.mcp)
		var sub tools.SubmitJobOutput
		e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": slowSQL}), &sub)
		require.NoError(t, e.mcp.Subscribe(testContext(t), mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: sub.ResourceURI}}))
		stop, err := e.mcp.ListenAsync(testContext(t), e.mcp.PendingSubscriptionFilter(), nil)
		require.NoError(t, err)
		waitFor(t, "the watch to start", func() bool { return tools.Watching(e.deps) == 1 })

		e.cancelAndCheck(sub.JobID)
		updates.waitUpdated(t, sub.ResourceURI)
		assert.True(t, readJob(t, e, sub.ResourceURI).Done)

		// Closing the stream ends its watches.
		stop()
		require.NoError(t, e.mcp.Unsubscribe(testContext(t), mcp.UnsubscribeRequest{Params: mcp.UnsubscribeParams{URI: sub.ResourceURI}}))
		e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": slowSQL}), &sub)
		require.NoError(t, e.mcp.Subscribe(testContext(t), mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: sub.ResourceURI}}))
		stop, err = e.mcp.ListenAsync(testContext(t), e.mcp.PendingSubscriptionFilter(), nil)
		require.NoError(t, err)
		waitFor(t, "the new stream's watch", func() bool { return tools.Watching(e.deps) == 1 })
		stop()
		waitFor(t, "the watch to end with the stream", func() bool { return tools.Watching(e.deps) == 0 })
		e.cancelAndCheck(sub.JobID)
	})
	t.Run("session end", func(t *testing.T) {
		t.Parallel()
		e := newLocalEnv(t, inProcess, mcp.LATEST_LEGACY_PROTOCOL_VERSION)
		var sub tools.SubmitJobOutput
		e.ok(e.call(tools.ToolSubmitJob, map[string]any{"sql": slowSQL}), &sub)
		require.NoError(t, e.mcp.Subscribe(testContext(t), mcp.SubscribeRequest{Params: mcp.SubscribeParams{URI: sub.ResourceURI}}))
		assert.Equal(t, 1, tools.Watching(e.deps))
		require.NoError(t, e.mcp.Close())
		waitFor(t, "the watch to end with the session", func() bool { return tools.Watching(e.deps) == 0 })
	})
}

// On --local the model is taught DuckDB: the instructions, the tool
// descriptions and the advice for rejected SQL name DuckDB, the connection
// and the demo tables, and the placeholders the local warehouse accepts; never
// :1, which is a DuckDB syntax error.
func TestLocalTeachesDuckDB(t *testing.T) {
	t.Parallel()
	c := localClient(t, localwarehouse.Options{NoDemoData: true})
	srv, deps, err := tools.NewServerWithDeps(tools.Options{Client: c, Local: true})
	require.NoError(t, err)
	t.Cleanup(deps.Close)
	mc := connect(t, srv, inProcess)
	ctx := testContext(t)
	var init mcp.InitializeRequest
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "tools-local-test", Version: "1"}
	res, err := mc.Initialize(ctx, init)
	require.NoError(t, err)
	for _, want := range []string{"DuckDB", "carto_local.demo.cities", "carto_local.demo.stores", "$1", "@name", "cancelled when the server stops", "CREATE_TILESET"} {
		assert.Contains(t, res.Instructions, want)
	}
	for _, bad := range []string{":1, :2", "$1 or :1", "BigQuery project.dataset.table", "CARTO organization"} {
		assert.NotContains(t, res.Instructions, bad)
	}

	list, err := mc.ListTools(ctx, mcp.ListToolsRequest{})
	require.NoError(t, err)
	for _, tl := range list.Tools {
		if tl.Name != tools.ToolRunQuery && tl.Name != tools.ToolSubmitJob {
			continue
		}
		assert.Contains(t, tl.Description, "DuckDB", tl.Name)
		assert.NotContains(t, tl.Description, ":1, :2", tl.Name)
		assert.NotContains(t, tl.Description, "BigQuery project.dataset.table", tl.Name)
	}

	e := &env{t: t, mcp: mc, deps: deps}
	text := e.failed(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELECT * FROM no_such_table"}))
	assert.Empty(t, missing(text, "no_such_table", "DuckDB rejected the SQL", "SHOW ALL TABLES", "$1", "@name"))
	assert.NotContains(t, text, "$1 or :1")
}

// The same server on CARTO keeps CARTO's words: the local wording is chosen by
// Options.Local alone.
func TestCARTOKeepsWarehouseWording(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	text := e.failed(e.call(tools.ToolRunQuery, map[string]any{"sql": "SELEC 1"}))
	assert.NotContains(t, text, "DuckDB")
	assert.Contains(t, tools.Instructions(false), "BigQuery")
}

// On --local, a JSON column's numbers are never rounded: the text form has
// them as they are, structuredContent as strings where a float would change
// them (issue 15 items 5 and 21).
func TestLocalJSONNumbersAreExact(t *testing.T) {
	t.Parallel()
	e := newLocalEnv(t, inProcess, "")
	var out tools.RunQueryOutput
	text := e.ok(e.call(tools.ToolRunQuery, map[string]any{
		"sql": `SELECT '{"big": 9007199254740993, "small": 2}'::JSON AS j, 9007199254740993 AS n`}), &out)
	assert.Contains(t, text, "\n"+`{"big":9007199254740993,"small":2},9007199254740993`+"\n")
	require.Equal(t, 1, out.RowCount)
	assert.Equal(t, `{"big":"9007199254740993","small":2}`, string(out.Rows[0][0]))
	assert.Equal(t, `"9007199254740993"`, string(out.Rows[0][1]))
	assert.Equal(t, []tools.Column{{Name: "j", Type: "object", NumbersAsStrings: true},
		{Name: "n", Type: "bigint", NumbersAsStrings: true}}, out.Columns)
}
