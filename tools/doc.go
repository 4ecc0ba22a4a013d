// Package tools defines carto-mcp's MCP tools: run_query, submit_job, get_job,
// cancel_job and list_jobs, on top of the CARTO SQL API client, and
// get_tileset_tile, an app-only tool (_meta.ui.visibility ["app"]) through
// which map views, which have no network, load a tileset tile by tile from
// the Maps API.
//
// Each tool is one constructor (RunQuery, SubmitJob, ...) returning a
// server.ServerTool, with Go input and output types. Their JSON Schemas are
// generated from those types into package schemas and served from there byte for
// byte; after changing a type, regenerate them from the repository root with
//
//	go generate ./...
//
// NewServer (or NewServerWithDeps, which also returns the Deps to Close)
// builds the whole server, with input and output schema validation on, and
// with the long-work features around the jobs:
//
//   - waiting: submit_job and get_job take wait_seconds (up to
//     Options.MaxWaitSeconds) and poll CARTO through one waiter (waiter.go),
//     sending notifications/progress when the call has a progress token
//     (progress.go); cancelling the call stops the wait, never the job;
//   - MCP tasks: submit_job also runs as a task that lasts as long as its job;
//     tasks/cancel cancels the job (tasks.go);
//   - resources: jobs read as carto://jobs/{connection}/{jobId}, and a
//     subscription is told when the status changes (resources.go,
//     subscriptions.go);
//   - prompts: create_tileset and explore_table (prompts.go).
//
// Every failure a model can act on (a CARTO error, a bad argument, a timeout) is
// an isError result whose text carries CARTO's message and what to try next. A
// handler never returns a Go error; protocol errors are left to real server
// faults.
package tools

//go:generate go run ./internal/genschemas -dir ../schemas
