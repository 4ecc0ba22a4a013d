package client

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
)

var fakeConns = []cartofake.ConnectionInfo{
	{ID: "c-1", Name: "carto_dw", ProviderID: "bigquery", Privacy: "shared", CartoDW: true},
	{ID: "c-2", Name: "pg prod", ProviderID: "postgres", Privacy: "private"},
}

func TestConnectionsList(t *testing.T) {
	t.Parallel()
	for _, wrapped := range []bool{false, true} {
		opts := []cartofake.Option{cartofake.WithConnectionList(fakeConns...), cartofake.WithAPITokenListsConnections()}
		if wrapped {
			opts = append(opts, cartofake.WithWrappedConnectionList())
		}
		srv := cartofake.New(t, opts...)
		c := newTestClient(t, srv)
		list, err := c.Connections.List(testCtx(t))
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, Connection{ID: "c-1", Name: "carto_dw", ProviderID: "bigquery", Privacy: "shared", CartoDW: true}, *list[0])
		assert.Equal(t, "pg prod", list[1].Name)
		assert.Equal(t, "postgres", list[1].ProviderID)
		reqs := srv.RequestsTo(http.MethodGet, "/v3/connections")
		require.Len(t, reqs, 1)
		assert.Equal(t, "/v3/connections", reqs[0].Path)
	}
}

// An API access token is refused by CARTO's connections API: the caller gets
// the API's error, with its status, to decide to fall back.
func TestConnectionsListRefused(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t, cartofake.WithConnectionList(fakeConns...))
	c := newTestClient(t, srv)
	_, err := c.Connections.List(testCtx(t))
	var apiErr *APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.Equal(t, "list connections", apiErr.Op)
	assert.NotContains(t, err.Error(), cartofake.DefaultToken)
}

func TestDecodeConnectionList(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body string
		want []string
		err  bool
	}{
		{`[]`, nil, false},
		{`null`, nil, false},
		{`[{"name":"a","provider_id":"snowflake"},null,{"id":"x"}]`, []string{"a"}, false},
		{`{"data":[{"name":"b"}],"status":200}`, []string{"b"}, false},
		{`{"connections":[{"name":"c"}]}`, []string{"c"}, false},
		{`{"status":200}`, nil, true},
		{`"nope"`, nil, true},
	} {
		list, err := decodeConnectionList([]byte(tc.body))
		if tc.err {
			assert.ErrorIs(t, err, ErrInvalidResponse, tc.body)
			continue
		}
		require.NoError(t, err, tc.body)
		var names []string
		for _, c := range list {
			names = append(names, c.Name)
		}
		assert.Equal(t, tc.want, names, tc.body)
	}
}
