package client

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/carto-mcp/carto-mcp/cartofake"
)

// rowsText copies a result's rows as text, to compare them after the call.
func rowsText(res *QueryResult) []string {
	out := make([]string, 0, len(res.Rows))
	for _, row := range res.Rows {
		vals := make([]string, len(row))
		for i, v := range row {
			vals[i] = string(v)
		}
		out = append(out, strings.Join(vals, "|"))
	}
	return out
}

// RunFunc hands fn the result Run returns, call after call, while its buffers
// go from one call to the next: the rows of one call never show in another.
func TestRunFuncGivesWhatRunGives(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t)
	cols := []cartofake.Column{{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"}, {Name: "geom", Type: "geometry"}}
	for _, n := range []int{1, 100, 300, 2000} { // within one chunk and block, and past them
		sql := fmt.Sprintf("SELECT %d", n)
		srv.SetQueryGenerator(sql, cols, n, func(i int) []any {
			return []any{n*100000 + i, fmt.Sprintf("row %d of %d", i, n), fmt.Sprintf("POINT(%d %d)", i, n)}
		})
	}
	c := newTestClient(t, srv)
	ctx := testCtx(t)
	for range 3 {
		for _, n := range []int{2000, 1, 300, 100} {
			req := &QueryRequest{SQL: fmt.Sprintf("SELECT %d", n)}
			want, err := c.Queries.Run(ctx, req, QueryLimits{MaxRows: 10000})
			require.NoError(t, err)
			var got []string
			var cols []Column
			err = c.Queries.RunFunc(ctx, req, QueryLimits{MaxRows: 10000}, func(res *QueryResult) error {
				got, cols = rowsText(res), res.Columns
				return nil
			})
			require.NoError(t, err)
			assert.Equal(t, rowsText(want), got, "%d rows", n)
			assert.Equal(t, want.Columns, cols)
		}
	}
}

func TestRunFuncReturnsItsErrors(t *testing.T) {
	t.Parallel()
	srv := cartofake.New(t)
	srv.SetQueryResponse("SELECT 1", 200, `{"rows":[{"a":1}],"schema":[{"name":"a","type":"number"}]}`)
	c := newTestClient(t, srv)
	mine := errors.New("mine")
	err := c.Queries.RunFunc(testCtx(t), &QueryRequest{SQL: "SELECT 1"}, QueryLimits{}, func(*QueryResult) error { return mine })
	assert.ErrorIs(t, err, mine)

	called := false
	err = c.Queries.RunFunc(testCtx(t), &QueryRequest{SQL: "SELECT nothing"}, QueryLimits{}, func(*QueryResult) error {
		called = true
		return nil
	})
	assert.Error(t, err, "the fake knows no such query")
	assert.False(t, called, "fn is called only with a result")
}

// After a call, nothing of it is reachable from the pooled buffers.
func TestRowBuffersForgetTheCall(t *testing.T) {
	t.Parallel()
	body := benchBody(500)
	bufs := &rowBuffers{chunk: make([]byte, 0, minRowChunk)}
	res, err := decodeQueryResultInto(strings.NewReader(string(body)), QueryLimits{}, maxSkippedBytes, bufs)
	require.NoError(t, err)
	require.Len(t, res.Rows, 500)
	bufs.rows = res.Rows[:0]
	bufs.reset()
	assert.LessOrEqual(t, len(bufs.blocks), maxPooledBlocks)
	for _, blk := range bufs.blocks {
		for _, v := range blk {
			require.Nil(t, v)
		}
	}
	for _, r := range bufs.rows[:cap(bufs.rows)] {
		require.Nil(t, r)
	}
}
