package discovery_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/carto-mcp/carto-mcp/internal/testctx"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testCtx bounds a test's calls: a guard against hangs, not a timing assertion.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(testctx.Context(t))
	t.Cleanup(cancel)
	return ctx
}
