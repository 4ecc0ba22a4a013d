package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Jobs as MCP resources: carto://jobs/{connection}/{jobId}, read as the job's
// JSON (the same object get_job returns), and subscribable (see watcher).

const (
	// JobURITemplate is the URI template of job resources.
	JobURITemplate = "carto://jobs/{connection}/{jobId}"
	jobURIPrefix   = "carto://jobs/"
	jobMIMEType    = "application/json"
)

const jobResourceDescription = `A CARTO SQL job, as JSON: status (pending, running, success, failure), done, error, next_step. The same object get_job returns; job results list it as resource_uri.

Subscribe to a job's URI to get notifications/resources/updated when its status changes (the server polls CARTO while someone is subscribed, until the job ends); then read it again.`

// jobURI is the resource URI of a job. Both parts are percent-encoded
// except for unreserved characters, so that any connection name or job id
// round-trips and matches the template.
func jobURI(connection, jobID string) string {
	return jobURIPrefix + escapeSegment(connection) + "/" + escapeSegment(jobID)
}

// parseJobURI splits a job resource URI into its connection and job id.
func parseJobURI(uri string) (connection, jobID string, err error) {
	rest, ok := strings.CutPrefix(uri, jobURIPrefix)
	if !ok {
		return "", "", fmt.Errorf("%q is not a job resource: job URIs look like %s", uri, JobURITemplate)
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", fmt.Errorf("%q is not a job resource: job URIs look like %s", uri, JobURITemplate)
	}
	if connection, err = url.PathUnescape(parts[0]); err == nil {
		jobID, err = url.PathUnescape(parts[1])
	}
	if err != nil {
		return "", "", fmt.Errorf("%q is not a valid job resource URI: %v", uri, err)
	}
	return connection, jobID, nil
}

// escapeSegment percent-encodes everything but RFC 3986 unreserved characters.
func escapeSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// JobResource is the resource template for jobs and its read handler.
func JobResource(d *Deps) server.ServerResourceTemplate {
	return server.ServerResourceTemplate{
		Template: mcp.NewResourceTemplate(JobURITemplate, "CARTO SQL job",
			mcp.WithTemplateDescription(jobResourceDescription),
			mcp.WithTemplateMIMEType(jobMIMEType),
		),
		Handler: d.readJobResource,
	}
}

func (d *Deps) readJobResource(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	conn, id, err := parseJobURI(req.Params.URI)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", mcp.ErrInvalidParams, err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.CallTimeout)
	defer cancel()
	j, err := d.carto(ctx).Jobs.Get(ctx, conn, id)
	if err != nil {
		return nil, errors.New(describeError(opGetJob, err, d.opts.CallTimeout).text)
	}
	job := jobFromClient(j, conn)
	d.jobs.remember(job.JobID, job.Connection)
	job.NextStep = nextStep(j, d.opts.Now(), !d.opts.ReadOnly, d.opts.MaxWaitSeconds)
	b, err := json.Marshal(job)
	if err != nil {
		return nil, err
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: jobMIMEType, Text: string(b)}}, nil
}
