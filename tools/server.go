package tools

import (
	"github.com/mark3labs/mcp-go/server"
)

// ServerName is the name the server reports to clients.
const ServerName = "carto-mcp"

// The tool names.
const (
	ToolRunQuery        = "run_query"
	ToolSubmitJob       = "submit_job"
	ToolGetJob          = "get_job"
	ToolCancelJob       = "cancel_job"
	ToolListJobs        = "list_jobs"
	ToolListConnections = "list_connections"
	ToolListTables      = "list_tables"
	ToolDescribeTable   = "describe_table"
	ToolViewMap         = "view_map"
	// ToolGetTilesetTile is app-only: map views load tilesets through it.
	ToolGetTilesetTile = "get_tileset_tile"
)

// ToolNames lists every tool this package defines, whatever the mode.
var ToolNames = []string{ToolListConnections, ToolListTables, ToolDescribeTable, ToolRunQuery, ToolSubmitJob, ToolGetJob, ToolCancelJob, ToolListJobs, ToolViewMap, ToolGetTilesetTile}

const instructions = `carto-mcp runs SQL in the data warehouses connected to a CARTO organization (BigQuery, Snowflake, Redshift, PostgreSQL, Databricks) through the CARTO SQL API.

- Every call runs on a named CARTO connection. Omit connection to use this server's default; if there is none, ask the user which connection to use.
- Start with list_connections: it gives each connection's warehouse (provider), which decides the SQL dialect. Then browse with list_tables (one level at a time) instead of guessing project, dataset, schema or table names, look at a table with describe_table (columns, geometry, statistics), and only then query.
- Write SQL in the connection's warehouse dialect, and name tables in full: BigQuery project.dataset.table; Snowflake, Redshift and PostgreSQL database.schema.table.
- run_query is for reads that finish within about a minute. Results are capped in rows and bytes: when truncated is true, read notice for how to get the rest. Add a LIMIT when exploring.
- submit_job is for anything longer, for statements that create or change data, and for CALL procedures such as carto.CREATE_TILESET. Follow a job with get_job until done is true; cancel_job stops it; list_jobs shows running jobs.
- To wait for a job, pass wait_seconds (e.g. 50) to submit_job or get_job: the call returns as soon as the job ends, or when the wait runs out with done false (then call get_job with wait_seconds again). Prefer this to calling get_job repeatedly. Cancelling a waiting call stops only the wait: the job keeps running until it ends or cancel_job stops it.
- Clients that support MCP tasks may call submit_job as a task: the task lasts as long as the job, and cancelling the task cancels the job.
- Every job is also a resource, carto://jobs/{connection}/{job_id} (the job's JSON; results give it as resource_uri): subscribe to it to be notified when its status changes.
- view_map shows query results (or given rows / GeoJSON) on an interactive map in the chat, with a PNG picture for clients that cannot show it; its text summarises the features. Use it when the user wants to see where things are.
- The prompts create_tileset (the exact Analytics Toolbox call for a tileset) and explore_table (schema, row count, sample) guide common tasks.
- Pass values in parameters instead of splicing them into SQL.
- When a call fails, the error says what to change; fix the SQL or arguments rather than retrying unchanged.`

const readOnlyInstructions = `

This server is read-only: run_query accepts only statements that read data, and jobs cannot be submitted or cancelled (get_job, with wait_seconds, list_jobs and the job resources still work; the create_tileset prompt is not offered).`

// maxTasks bounds the task-augmented calls running at once.
const maxTasks = 100

// Tools returns the tools for d's options, in a stable order: all eight, or in
// read-only mode list_connections, run_query, get_job, list_jobs, view_map and
// get_tileset_tile.
func Tools(d *Deps) []server.ServerTool {
	if d.opts.ReadOnly {
		return []server.ServerTool{ListConnections(d), ListTables(d), DescribeTable(d), RunQuery(d), GetJob(d), ListJobs(d), ViewMap(d), GetTilesetTile(d)}
	}
	return []server.ServerTool{ListConnections(d), ListTables(d), DescribeTable(d), RunQuery(d), SubmitJob(d), GetJob(d), CancelJob(d), ListJobs(d), ViewMap(d), GetTilesetTile(d)}
}

// Register adds the tools, the job resource template and the prompts for opts
// to s, and returns the shared dependencies they use. s should have input
// schema validation enabled and the hooks of AddHooks, as NewServer does.
// Task-augmented calls and resource subscriptions need hooks installed when
// the server is built: use NewServer (or NewServerWithDeps) for them.
func Register(s *server.MCPServer, opts Options) (*Deps, error) {
	d, err := NewDeps(opts)
	if err != nil {
		return nil, err
	}
	s.AddTools(Tools(d)...)
	s.AddResourceTemplates(JobResource(d))
	s.AddResources(MapViewResource())
	s.AddPrompts(Prompts(d)...)
	return d, nil
}

// Instructions returns the text the server gives the model at initialization.
func Instructions(readOnly bool) string {
	if readOnly {
		return instructions + readOnlyInstructions
	}
	return instructions
}

// NewServer returns the carto-mcp MCP server; see NewServerWithDeps. Its
// background work (task runs, subscription watches) stops when
// Options.Context is done, or by itself when the jobs it follows end.
func NewServer(opts Options) (*server.MCPServer, error) {
	s, _, err := NewServerWithDeps(opts)
	return s, err
}

// NewServerWithDeps returns the carto-mcp MCP server with its tools,
// resources and prompts registered, and the Deps whose Close stops its
// background work; call it once the transports have stopped.
//
// The server validates arguments against the input schemas (a violation is
// an isError result, explained by AddHooks); structured results match the
// output schemas by construction, which the tests check (package toolstest).
// It recovers a panic in a handler as a protocol error, serves job resources
// (carto://jobs/{connection}/{jobId}) with subscriptions, the prompts, and,
// unless read-only, task-augmented submit_job calls.
// Transports (stdio, SSE, streamable HTTP) are up to the caller.
func NewServerWithDeps(opts Options) (*server.MCPServer, *Deps, error) {
	d, err := NewDeps(opts)
	if err != nil {
		return nil, nil, err
	}
	if d.opts.ReadOnly && d.opts.QueryGuard == nil {
		d.log.Warn("read-only mode without a query guard: run_query does not check that statements only read")
	}
	hooks := &server.Hooks{}
	AddHooks(hooks)
	d.addRequestHooks(hooks)
	d.watch = newWatcher(d)
	d.watch.addHooks(hooks)
	serverOpts := []server.ServerOption{
		server.WithToolCapabilities(false),
		server.WithResourceCapabilities(true, false),
		server.WithPromptCapabilities(false),
		// Log lines reach clients that ask for them through ClientLogHandler.
		server.WithLogging(),
		server.WithHooks(hooks),
		server.WithInputSchemaValidation(),
		// No output validation: the output schemas are generated from the
		// very Go types the handlers fill, so checking each result again
		// costs CPU (a fifth of a 100-row run_query's) and proves nothing
		// new. The tests check every result a test client receives against
		// the checked-in schema instead (package toolstest).
		server.WithRecovery(),
		server.WithInstructions(d.instructions()),
		// MCP Apps: view_map's results open in its map view.
		server.WithExtensions(MapAppsExtension()),
	}
	if !d.opts.ReadOnly {
		taskHooks := &server.TaskHooks{}
		d.tasks = newTaskRuns(d)
		d.tasks.addHooks(hooks, taskHooks)
		serverOpts = append(serverOpts,
			// Stateless tasks cannot be listed: none is kept.
			server.WithTaskCapabilities(!d.opts.StatelessTasks, true, true),
			server.WithTaskHooks(taskHooks),
			server.WithMaxConcurrentTasks(maxTasks),
		)
	}
	s := server.NewMCPServer(ServerName, d.opts.Version, serverOpts...)
	s.AddTools(Tools(d)...)
	s.AddResourceTemplates(JobResource(d))
	s.AddResources(MapViewResource())
	s.AddPrompts(Prompts(d)...)
	return s, d, nil
}
