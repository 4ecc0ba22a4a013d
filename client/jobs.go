package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// JobService manages long-running SQL jobs: /v3/sql/{connection}/job and /v3/sql/jobs.
type JobService struct{ c *Client }

// JobStatus is a job's state as CARTO reports it. Unknown values are kept as sent.
type JobStatus string

// The statuses of the contract, plus "cancelled", which some backends report for a
// cancelled job (CARTO's own docs leave that detail open).
const (
	JobPending   JobStatus = "pending"
	JobRunning   JobStatus = "running"
	JobSuccess   JobStatus = "success"
	JobFailure   JobStatus = "failure"
	JobCancelled JobStatus = "cancelled"
)

// Done reports whether the job has ended. An unknown status counts as not ended,
// so callers keep polling within their own deadline rather than stop on a guess.
func (s JobStatus) Done() bool {
	switch s {
	case JobSuccess, JobFailure, JobCancelled, "canceled":
		return true
	}
	return false
}

// Known reports whether s is one of the statuses above.
func (s JobStatus) Known() bool {
	switch s {
	case JobPending, JobRunning, JobSuccess, JobFailure, JobCancelled:
		return true
	}
	return false
}

// Job is CARTO's job object. Every Job the JobService returns has an ID.
type Job struct {
	ID         string    `json:"jobId"`
	Connection string    `json:"connection,omitempty"`
	User       string    `json:"user,omitempty"`
	Query      string    `json:"query,omitempty"`
	Status     JobStatus `json:"status"`
	Error      *JobError `json:"error,omitempty"`
	CreatedAt  time.Time `json:"createdAt,omitzero"`
	UpdatedAt  time.Time `json:"updatedAt,omitzero"`
	// Provider is warehouse-specific detail (e.g. the warehouse's own job id), opaque.
	Provider json.RawMessage `json:"provider,omitempty"`
	// Metadata is what the job was created with, when CARTO echoes it.
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// JobError is why a job failed.
type JobError struct {
	// Code is CARTO's error code as text (it may be sent as a number or a string).
	Code string `json:"code,omitempty"`
	Msg  string `json:"msg"`
}

// UnmarshalJSON accepts a numeric or string code, and "message" for "msg".
func (e *JobError) UnmarshalJSON(b []byte) error {
	var raw struct {
		Code    json.RawMessage `json:"code"`
		Msg     string          `json:"msg"`
		Message string          `json:"message"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		// A bare string error is kept as the message.
		var s string
		if json.Unmarshal(b, &s) == nil {
			*e = JobError{Msg: s}
			return nil
		}
		return err
	}
	e.Code = strings.Trim(string(raw.Code), `"`)
	if e.Code == "null" {
		e.Code = ""
	}
	e.Msg = raw.Msg
	if e.Msg == "" {
		e.Msg = raw.Message
	}
	return nil
}

// UnmarshalJSON tolerates timestamps that are not RFC 3339 (they are left zero)
// rather than failing the whole job over a cosmetic field.
func (j *Job) UnmarshalJSON(b []byte) error {
	type plain Job
	var raw struct {
		plain
		CreatedAt json.RawMessage `json:"createdAt"`
		UpdatedAt json.RawMessage `json:"updatedAt"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*j = Job(raw.plain)
	j.CreatedAt = parseTimestamp(raw.CreatedAt)
	j.UpdatedAt = parseTimestamp(raw.UpdatedAt)
	return nil
}

func parseTimestamp(raw json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// CreateJobRequest describes a job to submit.
type CreateJobRequest struct {
	// Connection is the CARTO connection name; "" uses the client's default.
	Connection string
	// SQL is the statement, typically DDL/DML or a CALL such as carto.CREATE_TILESET.
	SQL string
	// Parameters as in QueryRequest.
	Parameters json.RawMessage
	// Metadata is attached to the job as is (a JSON object), e.g. to tag its origin.
	Metadata json.RawMessage
}

// maxJobBody bounds a job or job-list response.
const maxJobBody = 4 << 20

// Create submits a job. It is never retried once the request may have reached
// CARTO: a second POST would start a second job.
func (s *JobService) Create(ctx context.Context, req *CreateJobRequest) (*Job, error) {
	conn, err := s.c.resolveConnection(req.Connection)
	if err != nil {
		return nil, fmt.Errorf("carto: create job: %w", err)
	}
	if err := checkParameters(req.Parameters); err != nil {
		return nil, fmt.Errorf("carto: create job on connection %q: %w", conn, err)
	}
	if len(req.Metadata) > 0 && !bytes.HasPrefix(bytes.TrimSpace(req.Metadata), []byte("{")) {
		return nil, fmt.Errorf("carto: create job on connection %q: metadata must be a JSON object", conn)
	}
	body, err := json.Marshal(struct {
		Query           string          `json:"query"`
		QueryParameters json.RawMessage `json:"queryParameters,omitempty"`
		Metadata        json.RawMessage `json:"metadata,omitempty"`
	}{req.SQL, req.Parameters, req.Metadata})
	if err != nil {
		return nil, fmt.Errorf("carto: create job on connection %q: %w", conn, err)
	}
	cl := &call{op: "create job", connection: conn, method: http.MethodPost,
		segments: []string{"v3", "sql", conn, "job"}, body: body, bodyType: "application/json"}
	return s.doJob(ctx, cl)
}

// Get returns the job's current state.
func (s *JobService) Get(ctx context.Context, connection, jobID string) (*Job, error) {
	cl, err := s.jobCall(http.MethodGet, "get job", connection, jobID)
	if err != nil {
		return nil, err
	}
	return s.doJob(ctx, cl)
}

// doJob sends cl and decodes the job it answers with. An answer without a jobId
// is not a job, so every job the service returns has an ID.
func (s *JobService) doJob(ctx context.Context, cl *call) (*Job, error) {
	var job Job
	if err := s.c.doJSON(ctx, cl, &job); err != nil {
		return nil, err
	}
	if job.ID == "" {
		return nil, s.c.wrap(cl, fmt.Errorf("%w: the answer is not a job (no jobId)", ErrInvalidResponse))
	}
	return &job, nil
}

// Cancel asks CARTO to cancel the job. CARTO's answer body is not fixed by the
// contract: the job is returned when the body is one, nil otherwise; call Get to
// learn the state it ended in.
func (s *JobService) Cancel(ctx context.Context, connection, jobID string) (*Job, error) {
	cl, err := s.jobCall(http.MethodDelete, "cancel job", connection, jobID)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := s.c.doJSON(ctx, cl, &raw); err != nil {
		if errors.Is(err, ErrInvalidResponse) {
			// A 2xx whose body is not JSON ("OK", an HTML page): CARTO accepted
			// the cancel; the body is just not a job.
			return nil, nil
		}
		return nil, err
	}
	var job Job
	if json.Unmarshal(raw, &job) == nil && job.ID != "" {
		return &job, nil
	}
	return nil, nil
}

func (s *JobService) jobCall(method, op, connection, jobID string) (*call, error) {
	conn, err := s.c.resolveConnection(connection)
	if err != nil {
		return nil, fmt.Errorf("carto: %s: %w", op, err)
	}
	if strings.TrimSpace(jobID) == "" {
		return nil, fmt.Errorf("carto: %s on connection %q: %w: empty job id", op, conn, ErrInvalidName)
	}
	if err := checkSegment("job id", jobID); err != nil {
		return nil, fmt.Errorf("carto: %s on connection %q: %w", op, conn, err)
	}
	// Cancelling twice is harmless, so DELETE is as safe to repeat as a GET.
	return &call{op: op, connection: conn, method: method, idempotent: true,
		segments: []string{"v3", "sql", conn, "job", jobID}}, nil
}

// List returns the account's running jobs, across all connections. CARTO's body
// may be a bare array or an object wrapping one under a usual name (jobs, data,
// results, items, rows); any other shape is ErrUnknownShape, never "no jobs".
func (s *JobService) List(ctx context.Context) ([]*Job, error) {
	cl := &call{op: "list jobs", method: http.MethodGet, idempotent: true, segments: []string{"v3", "sql", "jobs"}}
	var raw json.RawMessage
	if err := s.c.doJSON(ctx, cl, &raw); err != nil {
		return nil, err
	}
	jobs, err := decodeJobList(raw, 0)
	if err != nil {
		return nil, s.c.wrap(cl, err)
	}
	return jobs, nil
}

// ErrUnknownShape is an answer that is valid JSON but not in a shape the client
// understands, so it cannot tell what it says (for a job list: which jobs run).
var ErrUnknownShape = fmt.Errorf("%w: its shape was not understood", ErrInvalidResponse)

// jobListKeys are the names a job list may be wrapped under, in order of
// preference.
var jobListKeys = []string{"jobs", "data", "results", "items", "rows"}

func decodeJobList(raw json.RawMessage, depth int) ([]*Job, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return []*Job{}, nil
	}
	var jobs []*Job
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &jobs); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidResponse, err)
		}
		// Keep only real jobs: a null or id-less entry is nothing a caller can act on.
		real := jobs[:0]
		for _, j := range jobs {
			if j != nil && j.ID != "" {
				real = append(real, j)
			}
		}
		return real, nil
	}
	var wrapper map[string]json.RawMessage
	if err := json.Unmarshal(raw, &wrapper); err != nil {
		return nil, fmt.Errorf("%w: the job list is neither an array nor an object", ErrInvalidResponse)
	}
	// Only the usual names, in a fixed order: guessing at another field (the
	// first array found) depended on map order and could report "no jobs" for
	// an answer that listed some.
	for _, k := range jobListKeys {
		v, ok := wrapper[k]
		if !ok {
			continue
		}
		switch t := bytes.TrimSpace(v); {
		case len(t) > 0 && (t[0] == '[' || string(t) == "null"):
			return decodeJobList(v, depth+1)
		case len(t) > 0 && t[0] == '{' && depth == 0:
			return decodeJobList(v, depth+1) // {"data": {"jobs": [...]}}
		}
	}
	keys := make([]string, 0, len(wrapper))
	for k := range wrapper {
		keys = append(keys, strconv.Quote(k))
	}
	slices.Sort(keys)
	return nil, fmt.Errorf("%w: the job list is an object with keys [%s], none of them %s holding an array of jobs",
		ErrUnknownShape, strings.Join(keys, ", "), strings.Join(jobListKeys, "/"))
}

// doJSON sends cl and decodes a bounded JSON body into out. An empty body leaves
// out untouched.
func (c *Client) doJSON(ctx context.Context, cl *call, out any) error {
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJobBody+1))
	if err != nil {
		if ctx.Err() != nil {
			return c.wrap(cl, ctx.Err())
		}
		return c.wrap(cl, fmt.Errorf("%w: %v", ErrTruncatedResponse, err))
	}
	if len(body) > maxJobBody {
		return c.wrap(cl, fmt.Errorf("%w: the body is over %d MiB", ErrInvalidResponse, maxJobBody>>20))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) && strings.Contains(err.Error(), "unexpected end of JSON input") {
			return c.wrap(cl, fmt.Errorf("%w: %v", ErrTruncatedResponse, err))
		}
		if !json.Valid(body) {
			return c.wrap(cl, fmt.Errorf("%w (HTTP %d, %s): %s", ErrInvalidResponse, resp.StatusCode,
				resp.Header.Get("Content-Type"), describeNonJSON(resp, body)))
		}
		return c.wrap(cl, fmt.Errorf("%w: %v", ErrInvalidResponse, err))
	}
	return nil
}
