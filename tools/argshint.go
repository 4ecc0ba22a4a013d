package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/carto-mcp/carto-mcp/schemas"
)

// mcp-go (v1.2.1) answers arguments that fail the input schema with an isError
// result, before any handler runs, whose text is terse, e.g.
//
//	input schema validation failed: /max_rows: &{Got:0/1 Want:1/1}
//
// AddHooks rewrites that text, in place, into plain words plus a summary of the
// arguments the tool expects, keeping mcp-go's original as details:
//
//	Invalid arguments for run_query: `max_rows` is 0, out of range (limit 1).
//	Expected arguments: sql (string, required, ...); ...
//	Fix the arguments and call again. (details: input schema validation failed: ...)

const validationPrefix = "input schema validation failed: "

// AddHooks adds the hooks carto-mcp's tools rely on to h. NewServer does this; a
// host that builds its own server with Register and server.WithHooks should too.
func AddHooks(h *server.Hooks) {
	h.AddAfterCallTool(func(_ context.Context, _ any, req *mcp.CallToolRequest, result any) {
		res, ok := result.(*mcp.CallToolResult)
		if !ok || res == nil || !res.IsError || len(res.Content) != 1 || req == nil {
			return
		}
		tc, ok := res.Content[0].(mcp.TextContent)
		if !ok || !strings.HasPrefix(tc.Text, validationPrefix) {
			return
		}
		res.Content[0] = mcp.NewTextContent(explainValidation(req.Params.Name, tc.Text))
	})
}

// validationPatterns parse mcp-go's validation text.
type validationPatterns struct{ part, missing, unknown, typ, rng, length *regexp.Regexp }

// validationREs compiles the patterns on the first invalid call rather than at
// program start, which a stdio client waits for.
var validationREs = sync.OnceValue(func() (r validationPatterns) {
	r.part = regexp.MustCompile(`^(\S+): &\{(.*)\}$`)
	r.missing = regexp.MustCompile(`^Missing:\[(.*)\]$`)
	r.unknown = regexp.MustCompile(`^Properties:\[(.*)\]$`)
	r.typ = regexp.MustCompile(`^Got:(\S+) Want:\[(.*)\]$`)
	r.rng = regexp.MustCompile(`^Got:(-?[0-9.]+)/1 Want:(-?[0-9.]+)/1$`)
	r.length = regexp.MustCompile(`^Got:([0-9]+) Want:([0-9]+)$`)
	return r
})

// explainValidation turns mcp-go's validation text for tool into advice.
func explainValidation(tool, text string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Invalid arguments for %s: ", tool)
	var said []string
	wantByPath := map[string][]string{} // type alternatives, merged per path
	var order []string
	re := validationREs()
	for _, part := range strings.Split(strings.TrimPrefix(text, validationPrefix), "; ") {
		m := re.part.FindStringSubmatch(part)
		if m == nil {
			said = append(said, part)
			continue
		}
		where := "the arguments"
		if m[1] != "<root>" {
			where = "`" + strings.TrimPrefix(m[1], "/") + "`"
		}
		kind := m[2]
		switch {
		case re.missing.MatchString(kind):
			said = append(said, "missing required argument "+quoteList(re.missing.FindStringSubmatch(kind)[1]))
		case re.unknown.MatchString(kind):
			said = append(said, "unknown argument "+quoteList(re.unknown.FindStringSubmatch(kind)[1]))
		case re.typ.MatchString(kind):
			t := re.typ.FindStringSubmatch(kind)
			verb := " is "
			if m[1] == "<root>" {
				verb = " are "
			}
			key := where + verb + article(t[1]) + ", but must be "
			if _, ok := wantByPath[key]; !ok {
				order = append(order, key)
			}
			wantByPath[key] = append(wantByPath[key], strings.Fields(t[2])...)
		case re.rng.MatchString(kind):
			r := re.rng.FindStringSubmatch(kind)
			said = append(said, fmt.Sprintf("%s is %s, out of range (limit %s)", where, r[1], r[2]))
		case re.length.MatchString(kind):
			r := re.length.FindStringSubmatch(kind)
			said = append(said, fmt.Sprintf("%s has length %s, out of range (limit %s)", where, r[1], r[2]))
		default:
			said = append(said, part)
		}
	}
	for _, key := range order {
		said = append(said, key+strings.Join(articles(wantByPath[key]), " or "))
	}
	b.WriteString(strings.Join(said, "; "))
	b.WriteString(".")
	if summary := argumentSummary(tool); summary != "" {
		b.WriteString("\nExpected arguments: ")
		b.WriteString(summary)
		b.WriteString(". Leave out an optional argument rather than sending null.")
	}
	b.WriteString("\nFix the arguments and call again. (details: ")
	b.WriteString(text)
	b.WriteString(")")
	return b.String()
}

func quoteList(s string) string {
	f := strings.Fields(s)
	for i := range f {
		f[i] = "`" + f[i] + "`"
	}
	return strings.Join(f, ", ")
}

func article(t string) string {
	switch t {
	case "null":
		return "null"
	case "array", "object", "integer":
		return "an " + t
	}
	return "a " + t
}

func articles(ts []string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = article(t)
	}
	return out
}

// argumentSummary describes tool's arguments from its input schema file, in
// schema order: name (type, required, range, default).
func argumentSummary(tool string) string {
	raw, err := schemas.Input(tool)
	if err != nil {
		return ""
	}
	var doc struct {
		Properties json.RawMessage `json:"properties"`
		Required   []string        `json:"required"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return ""
	}
	names, props := orderedProperties(doc.Properties)
	if len(names) == 0 {
		return "none (call it with an empty object)"
	}
	required := map[string]bool{}
	for _, r := range doc.Required {
		required[r] = true
	}
	var parts []string
	for _, name := range names {
		var p struct {
			Type      string                  `json:"type"`
			AnyOf     []struct{ Type string } `json:"anyOf"`
			Minimum   *json.Number            `json:"minimum"`
			Maximum   *json.Number            `json:"maximum"`
			MinLength *int                    `json:"minLength"`
			Default   json.RawMessage         `json:"default"`
		}
		_ = json.Unmarshal(props[name], &p)
		types := []string{p.Type}
		if p.Type == "" {
			types = nil
			for _, a := range p.AnyOf {
				types = append(types, a.Type)
			}
		}
		var attrs []string
		if len(types) > 0 {
			attrs = append(attrs, strings.Join(types, " or "))
		}
		if required[name] {
			attrs = append(attrs, "required")
		} else {
			attrs = append(attrs, "optional")
		}
		if p.MinLength != nil && *p.MinLength > 0 {
			attrs = append(attrs, "not empty")
		}
		switch {
		case p.Minimum != nil && p.Maximum != nil:
			attrs = append(attrs, fmt.Sprintf("%s to %s", *p.Minimum, *p.Maximum))
		case p.Minimum != nil:
			attrs = append(attrs, fmt.Sprintf("at least %s", *p.Minimum))
		}
		if len(p.Default) > 0 {
			attrs = append(attrs, "default "+string(p.Default))
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", name, strings.Join(attrs, ", ")))
	}
	return strings.Join(parts, "; ")
}

// orderedProperties returns a schema's property names in document order.
func orderedProperties(raw json.RawMessage) ([]string, map[string]json.RawMessage) {
	props := map[string]json.RawMessage{}
	if json.Unmarshal(raw, &props) != nil {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var names []string
	if _, err := dec.Token(); err != nil { // {
		return nil, nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil
		}
		name, _ := tok.(string)
		names = append(names, name)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return nil, nil
		}
	}
	return names, props
}
