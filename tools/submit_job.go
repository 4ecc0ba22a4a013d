package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/client"
)

// SubmitJobInput is the arguments of submit_job.
type SubmitJobInput struct {
	SQL         string          `json:"sql" jsonschema:"required,minLength=1" jsonschema_description:"The SQL to run as a job, in the warehouse's dialect: typically CREATE TABLE ... AS SELECT, INSERT, UPDATE, DELETE, or a CALL such as CALL carto.CREATE_TILESET(...). Name tables in full: BigQuery project.dataset.table; Snowflake, Redshift and PostgreSQL database.schema.table."`
	Connection  string          `json:"connection,omitempty" jsonschema_description:"Name of the CARTO connection to run on (case-sensitive). Omit it to use the server's default connection."`
	Parameters  json.RawMessage `json:"parameters,omitempty" jsonschema:"anyof_type=object;array" jsonschema_description:"Values bound by the warehouse: an object with @name placeholders (BigQuery), or an array with $1, $2 (PostgreSQL, Redshift) or :1, :2 (Snowflake)."`
	Metadata    json.RawMessage `json:"metadata,omitempty" jsonschema:"type=object" jsonschema_description:"A JSON object stored with the job as is, e.g. to record why it was submitted."`
	WaitSeconds int             `json:"wait_seconds,omitempty" jsonschema:"minimum=0,maximum=300,default=0" jsonschema_description:"Seconds to wait for the job to end before answering (default 0: answer at once). The call returns as soon as the job ends, or when the wait runs out with done false and next_step saying how to keep waiting. A value above the server's maximum (50 s by default) is lowered to it. Cancelling the call stops the wait, not the job."`
}

// SubmitJobOutput is the job just created, or its state after waiting.
type SubmitJobOutput struct {
	Job
	WaitReport
}

const submitJobDescription = `Submit SQL to run as a job on a CARTO connection, in the background, and return its job_id: at once, or, with wait_seconds, when the job ends or the wait runs out.

Use a job instead of run_query for anything that may take longer than about a minute, for statements that create or change data (CREATE TABLE ... AS SELECT, INSERT, UPDATE, DELETE, MERGE, DROP), and for CALL procedures such as building a tileset (the create_tileset prompt writes the call):
- BigQuery: CALL carto.CREATE_TILESET('project.dataset.source', 'project.dataset.source_tileset', NULL) (the source may also be a (SELECT ...)).
- PostgreSQL, Snowflake: CALL carto.CREATE_SIMPLE_TILESET('schema.source', 'schema.source_tileset', '{"geom_column": "geom", "zoom_min": 0, "zoom_max": 12}').
- Many points (BigQuery, Snowflake, Redshift, PostgreSQL): CALL carto.CREATE_POINT_AGGREGATION_TILESET('schema.points', 'schema.points_agg', '{"zoom_max": 12, "aggregation_resolution": 6, "properties": {"total": {"formula": "COUNT(*)", "type": "Number"}}}') aggregates them into cells per zoom level.
Tileset procedures fail when the output table already exists.

Table names: BigQuery project.dataset.table; Snowflake, Redshift and PostgreSQL database.schema.table. Parameters as in run_query.

Waiting: pass wait_seconds (e.g. 50) to get the outcome in the same call; while it waits the server polls CARTO and, if the request has a progress token, sends progress notifications. If the wait runs out, follow the job with get_job and wait_seconds. Cancelling a waiting call stops only the wait: the job keeps running (list_jobs shows it); cancel_job stops it.

Clients that support MCP tasks may call this tool as a task: the task lasts as long as the job, tasks/result gives the final job, and cancelling the task cancels the job.

A job returns no rows: write results to a table and read it with run_query once the job is done. Follow the job with get_job (this server remembers its connection) until done is true; do not resubmit a job that is still running. Submitting twice runs the SQL twice. Each job is also a resource, resource_uri, that clients can subscribe to.`

// SubmitJob is the submit_job tool. It is left out in read-only mode. When d
// has task support (NewServer), it also serves task-augmented calls.
func SubmitJob(d *Deps) server.ServerTool {
	tool := mustTool(ToolSubmitJob, "Submit a SQL job", d.localize(submitJobDescription), annotations(false, true, false))
	plain := handle(d, ToolSubmitJob, d.submitJob)
	if d.tasks == nil {
		return server.ServerTool{Tool: tool, Handler: plain}
	}
	tool.Execution = &mcp.ToolExecution{TaskSupport: mcp.TaskSupportOptional}
	return server.ServerTool{Tool: tool, Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if req.Params.Task != nil {
			return d.submitJobTask(ctx, req)
		}
		return plain(ctx, req)
	}}
}

func (d *Deps) submitJob(ctx context.Context, in SubmitJobInput, info *callInfo) (*mcp.CallToolResult, *callError) {
	wait, notice, cerr := d.waitGrant(in.WaitSeconds)
	if cerr != nil {
		return nil, cerr
	}
	j, conn, cerr := d.createJob(ctx, in, info)
	if cerr != nil {
		return nil, cerr
	}
	job, report, cerr := d.reportJob(ctx, conn, j, wait, notice, info)
	if cerr != nil {
		return nil, cerr
	}
	out := SubmitJobOutput{Job: job, WaitReport: report}
	return structuredResult(out, renderJSONText(out))
}

// createJob checks submit_job's arguments and creates the job.
func (d *Deps) createJob(ctx context.Context, in SubmitJobInput, info *callInfo) (*client.Job, string, *callError) {
	if strings.TrimSpace(in.SQL) == "" {
		return nil, "", badArgument("`sql` is empty: pass the SQL the job should run.")
	}
	params, cerr := checkParameters(in.Parameters)
	if cerr != nil {
		return nil, "", cerr
	}
	meta := bytes.TrimSpace(in.Metadata)
	if bytes.Equal(meta, []byte("null")) {
		meta = nil
	}
	if len(meta) > 0 && meta[0] != '{' {
		return nil, "", badArgument("`metadata` must be a JSON object.")
	}
	c := d.carto(ctx)
	conn, cerr := d.callConnection(c, in.Connection, opSubmit, info)
	if cerr != nil {
		return nil, "", cerr
	}
	j, err := c.Jobs.Create(ctx, &client.CreateJobRequest{Connection: conn, SQL: in.SQL, Parameters: params, Metadata: meta})
	if err != nil {
		return nil, "", d.describe(opSubmit, err)
	}
	d.jobs.remember(j.ID, conn)
	return j, conn, nil
}
