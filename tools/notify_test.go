package tools_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
)

// notes records the notifications a client session receives.
type notes struct {
	mu       sync.Mutex
	progress []progressNote
	updated  []string // notifications/resources/updated URIs
	changed  chan struct{}
}

type progressNote struct {
	Token    any
	Progress float64
	Total    float64
	Message  string
}

func collectProgress(c *mcpclient.Client) *notes { return collectNotes(c) }

func collectNotes(c *mcpclient.Client) *notes {
	n := &notes{changed: make(chan struct{}, 1)}
	c.OnNotification(func(msg mcp.JSONRPCNotification) {
		f := msg.Params.AdditionalFields
		n.mu.Lock()
		switch msg.Method {
		case string(mcp.MethodNotificationProgress):
			p := progressNote{Token: f["progressToken"]}
			p.Progress, _ = f["progress"].(float64)
			p.Total, _ = f["total"].(float64)
			p.Message, _ = f["message"].(string)
			n.progress = append(n.progress, p)
		case mcp.MethodNotificationResourceUpdated:
			uri, _ := f["uri"].(string)
			n.updated = append(n.updated, uri)
		}
		n.mu.Unlock()
		select {
		case n.changed <- struct{}{}:
		default:
		}
	})
	return n
}

// until waits, within the test's deadline, for cond to hold over n.
func (n *notes) until(t *testing.T, what string, cond func(n *notes) bool) {
	t.Helper()
	ctx := testContext(t)
	for {
		n.mu.Lock()
		ok := cond(n)
		n.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-n.changed:
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// wait returns the first count progress notifications for token.
func (n *notes) wait(t *testing.T, token string, count int) []progressNote {
	t.Helper()
	var out []progressNote
	n.until(t, "progress notifications", func(n *notes) bool {
		out = out[:0]
		for _, p := range n.progress {
			if p.Token == token {
				out = append(out, p)
			}
		}
		return len(out) >= count
	})
	return out[:count]
}

func (n *notes) all() []progressNote {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.progress)
}

// of returns the progress notifications for token.
func (n *notes) of(token string) []progressNote {
	var out []progressNote
	for _, p := range n.all() {
		if p.Token == token {
			out = append(out, p)
		}
	}
	return out
}

// waitUpdated waits for a notifications/resources/updated for uri.
func (n *notes) waitUpdated(t *testing.T, uri string) {
	t.Helper()
	n.until(t, "resources/updated for "+uri, func(n *notes) bool { return slices.Contains(n.updated, uri) })
}

func (n *notes) updates(uri string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, u := range n.updated {
		if u == uri {
			c++
		}
	}
	return c
}

// waitFor polls cond until it holds, within the test's deadline (a hang
// guard, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx := testContext(t)
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
