package client

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
)

// TestDotSegmentsAreRefused: "." and ".." are left alone by url.PathEscape,
// and a proxy that normalises paths would turn DELETE /v3/sql/../job/.. into
// DELETE /v3/. They are refused before anything is sent (issue 15.3).
func TestDotSegmentsAreRefused(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t)
	c := newTestClient(t, srv)
	ctx := testCtx(t)

	for _, name := range []string{".", ".."} {
		_, err := c.Queries.Run(ctx, &QueryRequest{Connection: name, SQL: "SELECT 1"}, QueryLimits{})
		require.ErrorIs(t, err, ErrInvalidName, "run_query on %q", name)
		assert.Contains(t, err.Error(), `connection name "`+name+`"`)

		_, err = c.Queries.Run(ctx, &QueryRequest{Connection: " " + name + " ", SQL: "SELECT 1", Cached: true}, QueryLimits{})
		assert.ErrorIs(t, err, ErrInvalidName, "cached run_query on %q", name)

		_, err = c.Jobs.Create(ctx, &CreateJobRequest{Connection: name, SQL: "SELECT 1"})
		assert.ErrorIs(t, err, ErrInvalidName, "create job on %q", name)

		_, err = c.Jobs.Get(ctx, name, "job1")
		assert.ErrorIs(t, err, ErrInvalidName, "get job on connection %q", name)
		_, err = c.Jobs.Get(ctx, "", name)
		require.ErrorIs(t, err, ErrInvalidName, "get job %q", name)
		assert.Contains(t, err.Error(), `job id "`+name+`"`)

		_, err = c.Jobs.Cancel(ctx, name, name)
		assert.ErrorIs(t, err, ErrInvalidName, "cancel job %q on %q", name, name)
		_, err = c.Jobs.Cancel(ctx, "conn", name)
		assert.ErrorIs(t, err, ErrInvalidName, "cancel job %q", name)
	}
	assert.Empty(t, srv.Requests(), "nothing may reach the server")

	// A default connection named ".." is refused the same way.
	bad := newTestClient(t, srv, func(c *Config) { c.Connection = ".." })
	_, err := bad.Queries.Run(ctx, &QueryRequest{SQL: "SELECT 1"}, QueryLimits{})
	assert.ErrorIs(t, err, ErrInvalidName)
	assert.Empty(t, srv.Requests())

	// Names that merely contain dots are escaped as usual and sent.
	for _, name := range []string{"...", "a..b", ".hidden", "x/.."} {
		_, err := c.Jobs.Get(ctx, name, "job.1")
		assert.False(t, errors.Is(err, ErrInvalidName), "%q: %v", name, err)
	}
	assert.Len(t, srv.Requests(), 4)
}
