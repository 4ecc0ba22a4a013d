package tools

import (
	"context"
	"log/slog"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// ListJobsInput is the arguments of list_jobs: none.
type ListJobsInput struct{}

// ListJobsOutput is the account's running jobs.
type ListJobsOutput struct {
	Jobs  []Job `json:"jobs" jsonschema:"required" jsonschema_description:"The jobs CARTO lists: the account's running jobs, across all connections."`
	Count int   `json:"count" jsonschema:"required,minimum=0" jsonschema_description:"Number of jobs."`
}

const listJobsDescription = `List the CARTO account's running SQL jobs, across all connections, with their job_id, connection and status.

Use it to find a job whose id was lost, or to check that a job is not already running before submitting it again. Finished jobs are not listed: read those with get_job.`

// ListJobs is the list_jobs tool.
func ListJobs(d *Deps) server.ServerTool {
	return server.ServerTool{
		Tool:    mustTool(ToolListJobs, "List running SQL jobs", listJobsDescription, annotations(true, false, true)),
		Handler: handle(d, ToolListJobs, d.listJobs),
	}
}

func (d *Deps) listJobs(ctx context.Context, _ ListJobsInput, info *callInfo) (*mcp.CallToolResult, *callError) {
	list, err := d.carto(ctx).Jobs.List(ctx)
	if err != nil {
		return nil, describeError(opListJobs, err, d.opts.CallTimeout)
	}
	out := ListJobsOutput{Jobs: make([]Job, 0, len(list))}
	for _, j := range list {
		if j == nil {
			continue
		}
		job := jobFromClient(j, "")
		d.jobs.remember(job.JobID, job.Connection)
		out.Jobs = append(out.Jobs, job)
	}
	out.Count = len(out.Jobs)
	info.attrs = append(info.attrs, slog.Int("jobs", out.Count))
	return structuredResult(out, renderJSONText(out))
}
