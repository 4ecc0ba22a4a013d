package tools

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/discovery"
)

// ListConnectionsInput is the arguments of list_connections: none.
type ListConnectionsInput struct{}

// ConnectionInfo is one connection.
type ConnectionInfo struct {
	Name           string `json:"name" jsonschema:"required" jsonschema_description:"The connection's name: pass it as connection to the other tools."`
	Provider       string `json:"provider,omitempty" jsonschema:"enum=bigquery,enum=snowflake,enum=redshift,enum=postgres,enum=databricks,enum=duckdb" jsonschema_description:"The warehouse behind the connection, which decides the SQL dialect. Absent when it could not be learned (see provider_error)."`
	ProviderSource string `json:"provider_source,omitempty" jsonschema:"enum=api,enum=config,enum=probe" jsonschema_description:"Where the provider was learned: api (CARTO's connections API), config (the server's settings) or probe (a statement the warehouse answered)."`
	ProviderError  string `json:"provider_error,omitempty" jsonschema_description:"Why the provider is unknown, when it is."`
	Default        bool   `json:"default" jsonschema:"required" jsonschema_description:"True for the server's default connection, used when a call names none."`
	ID             string `json:"id,omitempty" jsonschema_description:"CARTO's id of the connection, when CARTO's API listed it."`
	Privacy        string `json:"privacy,omitempty" jsonschema_description:"private or shared, when CARTO's API listed it."`
	CartoDW        bool   `json:"carto_dw,omitempty" jsonschema_description:"True for the CARTO Data Warehouse (BigQuery SQL)."`
	TableNaming    string `json:"table_naming,omitempty" jsonschema_description:"How to name a table in this warehouse's SQL."`
}

// ListConnectionsOutput is the result of list_connections.
type ListConnectionsOutput struct {
	Connections []ConnectionInfo `json:"connections" jsonschema:"required" jsonschema_description:"The connections, the default first."`
	Count       int              `json:"count" jsonschema:"required,minimum=0" jsonschema_description:"Number of connections."`
	Complete    bool             `json:"complete" jsonschema:"required" jsonschema_description:"True when CARTO listed every connection the credentials can use; false when only the configured and default connections are shown."`
	Notice      string           `json:"notice,omitempty" jsonschema_description:"Present when the list is not complete: why, and how to see every connection."`
}

const listConnectionsDescription = `List the CARTO connections this server can use, with each one's warehouse (provider: bigquery, snowflake, redshift, postgres, databricks, or duckdb for the local warehouse) and which one is the default.

Start here: the provider decides the SQL dialect and how tables are named. Then browse a connection with list_tables, look at a table with describe_table, and only then write SQL for run_query.

With an API access token CARTO does not list the organization's connections: the result then shows the default and configured connections, and notice says how to see all.`

// ListConnections is the list_connections tool.
func ListConnections(d *Deps) server.ServerTool {
	return server.ServerTool{
		Tool:    mustTool(ToolListConnections, "List connections", listConnectionsDescription, annotations(true, false, true)),
		Handler: handle(d, ToolListConnections, d.listConnections),
	}
}

func (d *Deps) listConnections(ctx context.Context, _ ListConnectionsInput, info *callInfo) (*mcp.CallToolResult, *callError) {
	c := d.carto(ctx)
	def := c.DefaultConnection()
	listing, err := d.providers.List(ctx, c, def)
	if err != nil {
		return nil, describeError(opListConnections, err, d.opts.CallTimeout)
	}
	complete, apiErr := listing.Complete, listing.APIErr
	if !complete {
		// Fall back silently only when CARTO declined the API to these
		// credentials; CARTO failing, or refusing the connection itself, is
		// the model's to know.
		if apiErr != nil && !discovery.IsRefusal(apiErr) {
			return nil, describeError(opListConnections, apiErr, d.opts.CallTimeout)
		}
		for _, conn := range listing.Connections {
			if conn.Err != nil && !errors.Is(conn.Err, discovery.ErrUnknownProvider) {
				return nil, describeError(opListConnections, conn.Err, d.opts.CallTimeout)
			}
		}
	}
	out := ListConnectionsOutput{Connections: make([]ConnectionInfo, 0, len(listing.Connections)), Complete: complete}
	for _, conn := range listing.Connections {
		ci := ConnectionInfo{
			Name: conn.Name, Provider: string(conn.Provider), ProviderSource: string(conn.Source),
			Default: conn.Name == def, ID: conn.ID, Privacy: conn.Privacy, CartoDW: conn.CartoDW,
			TableNaming: tableNaming(conn.Provider),
		}
		if conn.Provider == "" {
			ci.ProviderError = "the warehouse could not be learned from CARTO's API, the server's --connection-provider setting, or a probe statement; " +
				"ask the user, or start the server with --connection-provider " + conn.Name + "=<provider>"
		}
		if ci.Default {
			out.Connections = append([]ConnectionInfo{ci}, out.Connections...)
		} else {
			out.Connections = append(out.Connections, ci)
		}
	}
	out.Count = len(out.Connections)
	if !complete {
		why := discovery.APIRefusal(apiErr)
		if why == "" {
			why = "CARTO's connections API could not be reached"
		}
		out.Notice = "Not every connection may be listed: " + why + ". The list shows the server's default and configured connections. " +
			"To see all of them, give the server an OAuth client (CARTO_CLIENT_ID and CARTO_CLIENT_SECRET, created in the CARTO Workspace under Developers) " +
			"instead of an API access token; or ask the user for a connection name (as in the CARTO Workspace, under Connections) and pass it as connection."
		if out.Count == 0 {
			out.Notice += " This server has no default connection."
		}
	}
	info.attrs = append(info.attrs, slog.Int("connections", out.Count), slog.Bool("complete", complete))
	return structuredResult(out, renderJSONText(out))
}

// provider returns conn's provider, or "" when it cannot be learned (logged
// at debug level): callers fall back to what works for every warehouse.
func (d *Deps) provider(ctx context.Context, conn string) discovery.Provider {
	info, err := d.providers.Resolve(ctx, d.carto(ctx), conn)
	if err != nil {
		d.log.DebugContext(ctx, "connection provider unknown", "connection", conn, "error", err)
		return ""
	}
	return info.Provider
}

// tableNaming says how to name a table in p's SQL.
func tableNaming(p discovery.Provider) string {
	switch p {
	case discovery.BigQuery:
		return "`project.dataset.table` (backticks around names with dashes or reserved words)"
	case discovery.Snowflake:
		return `database.schema.table; unquoted names are upper-cased, so quote mixed-case names: "MyTable"`
	case discovery.Redshift, discovery.Postgres:
		return `database.schema.table (or schema.table); unquoted names are lower-cased, so quote mixed-case names and names with spaces: "My Table"`
	case discovery.Databricks:
		return "catalog.schema.table (backticks around names with special characters)"
	case discovery.DuckDB:
		return `database.schema.table, e.g. carto_local.demo.stores (double quotes around special names)`
	}
	return ""
}

// providerList is the providers as prose: "bigquery, snowflake, ...".
func providerList() string {
	names := make([]string, len(discovery.Providers))
	for i, p := range discovery.Providers {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}
