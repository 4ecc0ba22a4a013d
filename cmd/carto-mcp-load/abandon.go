package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// abandonSessions measures what sessions a client never ends cost the server:
// it starts n streamable HTTP sessions (initialize only, never DELETE, as a
// client that crashes or is closed would leave them) and reports the server's
// resident memory before, right after, and once settle has passed (run the
// server with a --session-idle-timeout shorter than settle to see idle
// sessions freed).
func abandonSessions(ctx context.Context, endpoint string, pid, n int, settle time.Duration) error {
	before, err := currentRSS(pid)
	if err != nil {
		return err
	}
	const body = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"carto-mcp-load","version":"1"}}}`
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed int
	var firstErr error
	sem := make(chan struct{}, 32)
	for range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				var resp *http.Response
				if resp, err = http.DefaultClient.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || resp.Header.Get("Mcp-Session-Id") == "" {
						err = fmt.Errorf("initialize answered %s", resp.Status)
					}
				}
			}
			if err != nil {
				mu.Lock()
				failed++
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	http.DefaultClient.CloseIdleConnections()
	after, err := currentRSS(pid)
	if err != nil {
		return err
	}
	fmt.Printf("abandoned sessions=%d refused=%d\n", n-failed, failed)
	if firstErr != nil {
		fmt.Printf("first refusal: %v\n", firstErr)
	}
	fmt.Printf("server RSS before=%.1f MiB after %d sessions=%.1f MiB\n", mib(before), n, mib(after))
	select {
	case <-time.After(settle):
	case <-ctx.Done():
		return ctx.Err()
	}
	later, err := currentRSS(pid)
	if err != nil {
		return err
	}
	fmt.Printf("server RSS %s later=%.1f MiB\n", settle, mib(later))
	return nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// currentRSS is the process's resident set size now (VmRSS), in bytes.
func currentRSS(pid int) (int64, error) { return procStatus(pid, "VmRSS:") }
