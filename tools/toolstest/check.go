// Package toolstest checks, in tests, that every tool result a client receives
// matches the tool's checked-in output schema (schemas/<tool>.output.json).
//
// The server does not validate its own results in production: the schemas are
// generated from the same Go types the handlers fill, so a check on every call
// would only cost CPU. The tests prove it instead, on every call they make:
// build test clients with the constructors here (NewInProcessClient,
// NewStreamableHTTPClient, NewSSEClient, NewIOClient) or wrap a transport with
// Wrap, and each tools/call and tasks/result answer that goes through the
// client is checked with CheckToolResult. A violation fails the test.
package toolstest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/carto-mcp/carto-mcp/schemas"
)

// CheckToolResult checks the JSON of one CallToolResult of tool (the result
// member of a tools/call or tasks/result answer) against the tool's
// checked-in output schema:
//   - it has a content array (the text form every client can read);
//   - a successful result has structuredContent, valid against the schema;
//   - an isError result may omit structuredContent; when it has one, it too
//     must be valid.
//
// A tool with no checked-in output schema may return no structured content.
func CheckToolResult(tool string, result []byte) error {
	var res struct {
		Content           []json.RawMessage `json:"content"`
		StructuredContent json.RawMessage   `json:"structuredContent"`
		IsError           bool              `json:"isError"`
	}
	if err := json.Unmarshal(result, &res); err != nil {
		return fmt.Errorf("%s: the result is not a CallToolResult: %v", tool, err)
	}
	if res.Content == nil {
		return fmt.Errorf("%s: the result has no content array", tool)
	}
	structured := bytes.TrimSpace(res.StructuredContent)
	if bytes.Equal(structured, []byte("null")) {
		structured = nil
	}
	sch, err := outputSchema(tool)
	switch {
	case errors.Is(err, errNoSchema):
		if len(structured) > 0 {
			return fmt.Errorf("%s: the result has structuredContent but the tool has no checked-in output schema (schemas/%s.output.json)", tool, tool)
		}
		return nil
	case err != nil:
		return err
	}
	if len(structured) == 0 {
		if res.IsError {
			return nil
		}
		return fmt.Errorf("%s: a successful result has no structuredContent, though the tool declares an output schema", tool)
	}
	// UnmarshalJSON keeps numbers as json.Number: a big integer is checked as
	// the exact value that was sent, not as a rounded float.
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(structured))
	if err != nil {
		return fmt.Errorf("%s: structuredContent is not JSON: %v", tool, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%s: structuredContent does not match schemas/%s.output.json: %v\nstructuredContent: %s",
			tool, tool, err, clip(structured, 2000))
	}
	return nil
}

var errNoSchema = errors.New("no output schema")

var compiled sync.Map // tool name -> *jsonschema.Schema

// outputSchema compiles the tool's checked-in output schema once.
func outputSchema(tool string) (*jsonschema.Schema, error) {
	if s, ok := compiled.Load(tool); ok {
		return s.(*jsonschema.Schema), nil
	}
	raw, err := schemas.Output(tool)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", tool, errNoSchema, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: the output schema is not JSON: %v", tool, err)
	}
	c := jsonschema.NewCompiler()
	// Formats (date-time, uri...) are checked too: a test should catch a
	// timestamp a client could not parse.
	c.AssertFormat()
	url := "mem:///" + tool + ".output.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("%s: the output schema: %v", tool, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("%s: the output schema does not compile: %v", tool, err)
	}
	compiled.Store(tool, s)
	return s, nil
}

func clip(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
