package localwarehouse

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// cancelWait is how long DELETE waits for a running job to stop, so that
// the response usually shows the final, cancelled state. DuckDB interrupts
// statements within milliseconds; the bound only matters for a statement
// that ignores interrupts for a while.
const cancelWait = 5 * time.Second

// handleCreateJob serves POST /v3/sql/{connection}/job.
func (w *Warehouse) handleCreateJob(rw http.ResponseWriter, r *http.Request) {
	if !allowMethods(rw, r, http.MethodPost) {
		return
	}
	r.Body = http.MaxBytesReader(rw, r.Body, maxBodyBytes)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(rw, bodyError(err))
		return
	}
	var req struct {
		Query           *string         `json:"query"`
		QueryParameters json.RawMessage `json:"queryParameters"`
		Metadata        json.RawMessage `json:"metadata"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeError(rw, errorf(http.StatusBadRequest, "Invalid JSON body: "+err.Error()))
			return
		}
	}
	if req.Query == nil || strings.TrimSpace(*req.Query) == "" {
		writeError(rw, &apiError{
			Status:  http.StatusBadRequest,
			Message: "Missing query",
			Hint:    `Send {"query": "...", "metadata": {...}}; jobs take "query", not "q"`,
		})
		return
	}
	sqlText, args, err := bindParameters(*req.Query, req.QueryParameters)
	if err != nil {
		writeError(rw, errorf(http.StatusBadRequest, err.Error()))
		return
	}
	metadata := req.Metadata
	if string(bytes.TrimSpace(metadata)) == "null" {
		metadata = nil
	}

	view, err := w.jobs.submit(*req.Query, sqlText, args, metadata)
	if err != nil {
		writeError(rw, errorf(http.StatusServiceUnavailable, err.Error()))
		return
	}
	w.log.Info("job submitted", "job", view.JobID)
	rw.Header().Set("Location", r.URL.Path+"/"+view.JobID)
	writeJSON(rw, http.StatusCreated, view)
}

// handleJob serves GET and DELETE /v3/sql/{connection}/job/{jobId}.
func (w *Warehouse) handleJob(rw http.ResponseWriter, r *http.Request) {
	if !allowMethods(rw, r, http.MethodGet, http.MethodDelete) {
		return
	}
	id := r.PathValue("jobId")
	if r.Method == http.MethodDelete {
		done, ok := w.jobs.cancel(id)
		if !ok {
			writeError(rw, errorf(http.StatusNotFound, "Job not found"))
			return
		}
		w.log.Info("job cancel requested", "job", id)
		timer := time.NewTimer(cancelWait)
		select {
		case <-done:
		case <-timer.C:
		case <-r.Context().Done():
		}
		timer.Stop()
	}
	view, ok := w.jobs.get(id)
	if !ok {
		writeError(rw, errorf(http.StatusNotFound, "Job not found"))
		return
	}
	writeJSON(rw, http.StatusOK, view)
}

// handleListJobs serves GET /v3/sql/jobs: the pending and running jobs, as
// a JSON array.
func (w *Warehouse) handleListJobs(rw http.ResponseWriter, r *http.Request) {
	if !allowMethods(rw, r, http.MethodGet) {
		return
	}
	writeJSON(rw, http.StatusOK, w.jobs.active())
}
