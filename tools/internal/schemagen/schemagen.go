// Package schemagen generates the JSON Schema files of package schemas from the
// Go input and output types of package tools, with invopop/jsonschema.
//
// Generate is deterministic: the same types give the same bytes. It is used by
// the generator (go generate ./...) and by the drift test, which compares its
// output with the embedded files.
package schemagen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/invopop/jsonschema"

	"github.com/carto-mcp/carto-mcp/tools"
)

// Tool pairs a tool's name with its Go input and output types.
type Tool struct {
	Name          string
	Input, Output any
}

// Tools are the tools whose schemas are generated, one input and one output
// file each.
var Tools = []Tool{
	{tools.ToolRunQuery, tools.RunQueryInput{}, tools.RunQueryOutput{}},
	{tools.ToolSubmitJob, tools.SubmitJobInput{}, tools.SubmitJobOutput{}},
	{tools.ToolGetJob, tools.GetJobInput{}, tools.GetJobOutput{}},
	{tools.ToolCancelJob, tools.CancelJobInput{}, tools.CancelJobOutput{}},
	{tools.ToolListJobs, tools.ListJobsInput{}, tools.ListJobsOutput{}},
	{tools.ToolListConnections, tools.ListConnectionsInput{}, tools.ListConnectionsOutput{}},
	{tools.ToolViewMap, tools.ViewMapInput{}, tools.ViewMapOutput{}},
	{tools.ToolGetTilesetTile, tools.GetTilesetTileInput{}, tools.GetTilesetTileOutput{}},
	{tools.ToolListTables, tools.ListTablesInput{}, tools.ListTablesOutput{}},
	{tools.ToolDescribeTable, tools.DescribeTableInput{}, tools.DescribeTableOutput{}},
}

// Generate returns every schema file, by file name ("run_query.input.json"),
// as indented JSON with a trailing newline.
func Generate() (map[string][]byte, error) {
	files := make(map[string][]byte, 2*len(Tools))
	for _, t := range Tools {
		in, err := Schema(t.Input, true)
		if err != nil {
			return nil, fmt.Errorf("%s input: %w", t.Name, err)
		}
		out, err := Schema(t.Output, false)
		if err != nil {
			return nil, fmt.Errorf("%s output: %w", t.Name, err)
		}
		files[t.Name+".input.json"] = in
		files[t.Name+".output.json"] = out
	}
	return files, nil
}

// Schema reflects v's type into a self-contained schema (no $ref, $id or
// $schema).
// Inputs are closed (an unknown argument is an error the model can fix), and
// outputs are open, so that adding a field later does not break a client that
// validates against an older schema. Only fields tagged required are required.
func Schema(v any, input bool) ([]byte, error) {
	r := &jsonschema.Reflector{
		Anonymous:                  true,
		DoNotReference:             true,
		ExpandedStruct:             true,
		RequiredFromJSONSchemaTags: true,
		AllowAdditionalProperties:  !input,
	}
	s := r.Reflect(v)
	if s.Type != "object" {
		// MCP requires inputSchema and outputSchema to be of type object.
		return nil, fmt.Errorf("%s: the schema of a tool's input or output must be an object, got %q", reflect.TypeOf(v), s.Type)
	}
	if s.Properties == nil {
		s.Properties = jsonschema.NewProperties()
	}
	// No "$schema": MCP (2025-11-25) reads a schema without one as draft 2020-12,
	// and so does mcp-go's validator, while some clients' validators (Ajv set up
	// for draft-07, as in older MCP TypeScript SDKs) fail on a 2020-12 "$schema"
	// they have not loaded. The schemas use no keyword whose meaning differs
	// between draft-07 and 2020-12.
	s.Version = ""
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
