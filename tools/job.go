package tools

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/carto-mcp/carto-mcp/client"
)

// Job is a CARTO SQL job as the job tools report it.
type Job struct {
	JobID      string          `json:"job_id" jsonschema:"required" jsonschema_description:"CARTO's job id. Pass it to get_job and cancel_job."`
	Connection string          `json:"connection" jsonschema:"required" jsonschema_description:"Connection the job runs on."`
	Status     string          `json:"status" jsonschema:"required" jsonschema_description:"pending, running, success, failure or cancelled; another value is passed through as CARTO sent it."`
	Done       bool            `json:"done" jsonschema:"required" jsonschema_description:"True when the job has ended (success, failure or cancelled)."`
	Error      *JobError       `json:"error,omitempty" jsonschema_description:"Why the job failed, when it did."`
	CreatedAt  string          `json:"created_at,omitempty" jsonschema_description:"When the job was created (RFC 3339)."`
	UpdatedAt  string          `json:"updated_at,omitempty" jsonschema_description:"When the job last changed (RFC 3339)."`
	Query      string          `json:"query,omitempty" jsonschema_description:"The job's SQL."`
	User       string          `json:"user,omitempty" jsonschema_description:"The CARTO user who submitted it."`
	Provider   json.RawMessage `json:"provider,omitempty" jsonschema_description:"Warehouse-specific details as CARTO sent them (e.g. the warehouse's own job id)."`
	Metadata   json.RawMessage `json:"metadata,omitempty" jsonschema_description:"The metadata the job was submitted with, when CARTO returns it."`
	NextStep   string          `json:"next_step,omitempty" jsonschema_description:"What to do next with this job."`
	// ResourceURI is set by jobFromClient.
	ResourceURI string `json:"resource_uri,omitempty" jsonschema_description:"The job as an MCP resource (carto://jobs/{connection}/{job_id}, JSON): read it with resources/read, or subscribe to it to be notified when its status changes."`
}

// JobError is why a job failed.
type JobError struct {
	Code string `json:"code,omitempty" jsonschema_description:"CARTO's or the warehouse's error code."`
	Msg  string `json:"msg" jsonschema:"required" jsonschema_description:"The error message."`
}

// jobFromClient converts CARTO's job. fallbackConn is used when CARTO's object
// names no connection (it is the one the call went to).
func jobFromClient(j *client.Job, fallbackConn string) Job {
	out := Job{
		JobID:      j.ID,
		Connection: j.Connection,
		Status:     string(j.Status),
		Done:       j.Status.Done(),
		Query:      j.Query,
		User:       j.User,
		Provider:   nonNullRaw(j.Provider),
		Metadata:   nonNullRaw(j.Metadata),
	}
	if out.Connection == "" {
		out.Connection = fallbackConn
	}
	if out.Status == "" {
		out.Status = "unknown"
	}
	if out.JobID != "" && out.Connection != "" {
		out.ResourceURI = jobURI(out.Connection, out.JobID)
	}
	if j.Error != nil {
		out.Error = &JobError{Code: j.Error.Code, Msg: j.Error.Msg}
	}
	if !j.CreatedAt.IsZero() {
		out.CreatedAt = j.CreatedAt.Format(time.RFC3339Nano)
	}
	if !j.UpdatedAt.IsZero() {
		out.UpdatedAt = j.UpdatedAt.Format(time.RFC3339Nano)
	}
	return out
}

func nonNullRaw(r json.RawMessage) json.RawMessage {
	t := strings.TrimSpace(string(r))
	if t == "" || t == "null" {
		return nil
	}
	return r
}

// pollAfter suggests how long to wait before polling a job of this age: often
// at first, rarely for a long job, so that a model neither hammers CARTO nor
// waits minutes for a job that took seconds.
func pollAfter(age time.Duration) time.Duration {
	switch {
	case age < 30*time.Second:
		return 5 * time.Second
	case age < 2*time.Minute:
		return 10 * time.Second
	case age < 10*time.Minute:
		return 30 * time.Second
	default:
		return 60 * time.Second
	}
}

// nextStep is the hint for a job in its current state. canCancel is false in
// read-only mode, where cancel_job is not offered; maxWait is the server's
// maximum wait_seconds (0 when it does not wait).
func nextStep(j *client.Job, now time.Time, canCancel bool, maxWait int) string {
	switch {
	case j.Status == client.JobPending || j.Status == client.JobRunning:
		var age time.Duration
		if !j.CreatedAt.IsZero() {
			age = max(now.Sub(j.CreatedAt), 0)
		}
		s := fmt.Sprintf("The job is still %s", j.Status)
		if age >= time.Second {
			// CARTO's createdAt is when the job was submitted: a pending job
			// has not started.
			s += fmt.Sprintf(" (submitted %s ago)", age.Round(time.Second))
		}
		if maxWait > 0 {
			s += fmt.Sprintf(". Call get_job with this job_id and wait_seconds=%d to wait for it (the call returns as soon as the job ends), "+
				"or call get_job again in about %d s; repeat until done is true. Do not submit it again.", maxWait, int(pollAfter(age).Seconds()))
		} else {
			s += fmt.Sprintf(". Call get_job with this job_id again in about %d s until done is true; do not submit it again.",
				int(pollAfter(age).Seconds()))
		}
		if canCancel {
			s += " cancel_job stops it."
		}
		return s
	case j.Status == client.JobSuccess:
		return "The job finished successfully. If it wrote a table, read it with run_query (e.g. SELECT * FROM <table> LIMIT 10)."
	case j.Status == client.JobFailure && cancelled(j.Error):
		return "The job was cancelled (" + j.Error.Msg + "). Submit it again with submit_job if it is still needed."
	case j.Status == client.JobFailure:
		s := "The job failed"
		if j.Error != nil && j.Error.Msg != "" {
			s += ": " + j.Error.Msg
		}
		s += ". Fix the SQL using this message and submit a new job with submit_job."
		if j.Error != nil && strings.Contains(strings.ToLower(j.Error.Msg), "already exists") {
			s += " The output table already exists: drop it first or choose another name (tileset procedures such as carto.CREATE_TILESET refuse to overwrite)."
		}
		return s
	case j.Status.Done():
		return "The job was cancelled. Submit it again with submit_job if it is still needed."
	default:
		return fmt.Sprintf("CARTO reports the status %q, which this server does not know. Call get_job again in about 10 s; "+
			"it is not done until done is true.", j.Status)
	}
}

// cancelled reports whether a failed job's error says it was cancelled: CARTO
// may report a cancelled job as a failure.
func cancelled(e *client.JobError) bool {
	if e == nil {
		return false
	}
	return strings.Contains(strings.ToLower(e.Code+" "+e.Msg), "cancel")
}

// renderJSONText is the text form of a job result: its JSON, compact. The
// object is small, and JSON keeps it lossless.
func renderJSONText(v any) string {
	return string(marshalNoEscape(v))
}
