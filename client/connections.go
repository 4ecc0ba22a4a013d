package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// ConnectionService reads the organization's connections: GET /v3/connections
// (CARTO's Resources API). CARTO answers it for OAuth access tokens; an API
// access token usually gets 401 or 403, which callers should expect.
type ConnectionService struct{ c *Client }

// Connection is one connection as CARTO lists it. Fields CARTO leaves out are
// zero.
type Connection struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	// ProviderID is CARTO's provider: bigquery, snowflake, redshift, postgres,
	// databricks, databricksRest, carto_dw...
	ProviderID string `json:"provider_id,omitempty"`
	// Privacy is private or shared.
	Privacy   string `json:"privacy,omitempty"`
	CartoDW   bool   `json:"carto_dw,omitempty"`
	CreatedAt string `json:"created_at,omitempty"`
	UpdatedAt string `json:"updated_at,omitempty"`
}

// List returns the connections the credentials can see. The answer may be a
// bare array or wrapped ({"data": [...]} as in CARTO's examples); both are read.
func (s *ConnectionService) List(ctx context.Context) ([]*Connection, error) {
	cl := &call{op: "list connections", method: http.MethodGet, idempotent: true, segments: []string{"v3", "connections"}}
	var raw json.RawMessage
	if err := s.c.doJSON(ctx, cl, &raw); err != nil {
		return nil, err
	}
	conns, err := decodeConnectionList(raw)
	if err != nil {
		return nil, s.c.wrap(cl, err)
	}
	return conns, nil
}

func decodeConnectionList(raw json.RawMessage) ([]*Connection, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return []*Connection{}, nil
	}
	if raw[0] == '{' {
		var wrapper map[string]json.RawMessage
		if err := json.Unmarshal(raw, &wrapper); err != nil {
			return nil, fmt.Errorf("%w: the connection list is not JSON: %v", ErrInvalidResponse, err)
		}
		for _, k := range []string{"data", "connections", "results", "items"} {
			if v, ok := wrapper[k]; ok && bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) {
				return decodeConnectionList(v)
			}
		}
		return nil, fmt.Errorf("%w: the connection list object has no array of connections", ErrInvalidResponse)
	}
	var conns []*Connection
	if err := json.Unmarshal(raw, &conns); err != nil {
		return nil, fmt.Errorf("%w: the connection list: %v", ErrInvalidResponse, err)
	}
	named := conns[:0]
	for _, c := range conns {
		if c != nil && c.Name != "" {
			named = append(named, c)
		}
	}
	return named, nil
}
