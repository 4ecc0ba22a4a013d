// Package viewtest loads the view_map view in headless Chromium the way an
// MCP Apps host does, for tests: host.html puts the view in an
// <iframe sandbox="allow-scripts"> (a null origin, as in Claude) with the
// spec's default content security policy, answers ui/initialize, sends the
// tool's input and result, and records every message, CSP violation and
// script error. Run returns them with a screenshot.
//
// It needs Debian's chromium-headless-shell (or another Chromium): Browser
// finds it.
package viewtest

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

//go:embed host.html
var hostHTML []byte

// Browser returns the path of a headless Chromium, or "" if there is none:
// $CHROMIUM, then Debian's chromium-headless-shell, then chromium.
func Browser() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Rendered is what the view reported after drawing (its
// notifications/message log with event "rendered").
type Rendered struct {
	Features int `json:"features"`
	// Tiles, TileErrors and TileCalls describe a tileset: tiles with data
	// in view, tiles that failed, and get_tileset_tile calls made.
	Tiles      int `json:"tiles"`
	TileErrors int `json:"tileErrors"`
	TileCalls  int `json:"tileCalls"`
	// TileBytes are the tile bytes the view received (after base64),
	// GzipTiles the tiles among them that came gzip-compressed and were
	// decompressed, MVTBytes the tiles decompressed, InflateMs the time
	// spent decompressing (wall clock: for reading, not for asserting).
	TileBytes int        `json:"tileBytes"`
	GzipTiles int        `json:"gzipTiles"`
	MVTBytes  int        `json:"mvtBytes"`
	InflateMs float64    `json:"inflateMs"`
	Status    string     `json:"status"`
	Zoom      float64    `json:"zoom"`
	Center    [2]float64 `json:"center"` // lon, lat
	Size      [2]float64 `json:"size"`   // the map's width and height in CSS pixels
	// Legend is the legend as the view drew it, line by line.
	Legend []LegendEntry `json:"legend"`
}

// LegendEntry is one line of the drawn legend: its text and its swatch's
// computed colour.
type LegendEntry struct {
	Label string `json:"label"`
	Color string `json:"color"` // CSS, e.g. "rgb(243, 231, 155)"
}

// RGBA reads the swatch's colour ("rgb(r, g, b)" or "rgba(r, g, b, a)");
// ok is false for anything else.
func (e LegendEntry) RGBA() (c color.RGBA, ok bool) {
	var r, g, b uint8
	if _, err := fmt.Sscanf(e.Color, "rgb(%d, %d, %d)", &r, &g, &b); err != nil {
		var a float64
		if _, err := fmt.Sscanf(e.Color, "rgba(%d, %d, %d, %g)", &r, &g, &b, &a); err != nil || a != 1 {
			return color.RGBA{}, false
		}
	}
	return color.RGBA{R: r, G: g, B: b, A: 255}, true
}

// Result is what one run saw.
type Result struct {
	Screenshot  []byte // PNG of the host page, 800x600
	Status      string // the view's status line, read from its DOM
	Rendered    Rendered
	Violations  []string // CSP violations, from the view and from Chromium's log
	Errors      []string // script errors and exceptions
	Messages    []json.RawMessage
	SizeChanged json.RawMessage
	// SentBeforeInit counts host notifications sent before
	// ui/notifications/initialized (the spec forbids them: must be 0).
	SentBeforeInit int
	// Teardown is the view's answer to ui/resource-teardown.
	Teardown json.RawMessage
	// Popup is the text of the popup Options.Click opened.
	Popup string
	// ToolCalls are the view's tools/call requests, in order, when
	// Options.CallTool answered them.
	ToolCalls []ToolCall
	// Metrics are Chromium's Performance.getMetrics for the page (the
	// host and the view share its renderer) once the view has drawn, with
	// durations in seconds of thread CPU time (TaskDuration,
	// ScriptDuration...; ProcessTime is the renderer's CPU time): for
	// measuring, not for asserting.
	Metrics map[string]float64
}

// ToolCall is one tools/call the view made through the host.
type ToolCall struct {
	Name      string
	Arguments json.RawMessage
	// Result is the CallToolResult the server returned; Err a failure to
	// get one (sent to the view as a JSON-RPC error).
	Result json.RawMessage
	Err    error
}

// Options of a run.
type Options struct {
	Browser string // path of Chromium; "" for Browser()
	Theme   string // "light" (default) or "dark"
	// Input is the tool call's arguments (ui/notifications/tool-input).
	Input any
	// Dir receives host.html and the browser's profile; it should be a
	// test's temp dir.
	Dir string
	// CallTool, when set, answers the view's tools/call requests (the host
	// then grants serverTools), e.g. by forwarding them to a real server
	// session; it returns the CallToolResult as JSON. Without it the host
	// refuses them, as a host without serverTools does.
	CallTool func(ctx context.Context, name string, args json.RawMessage) (json.RawMessage, error)
	// Click, when set, says where to click once the view has drawn (and
	// the screenshot is taken), in page pixels; Result.Popup is then the
	// text of the popup that opens.
	Click func(Rendered) (x, y float64)
}

// bindingName is the function host.html calls to pass a tools/call to Go.
const bindingName = "viewtestCallTool"

// Run loads html as the view and gives it toolResult (a CallToolResult as
// JSON, as the server sent it). ctx bounds the whole run (pass the test's
// deadline): nothing in it has a time limit of its own.
func Run(ctx context.Context, html string, toolResult json.RawMessage, opts Options) (*Result, error) {
	if opts.Browser == "" {
		opts.Browser = Browser()
	}
	if opts.Browser == "" {
		return nil, errors.New("viewtest: no headless Chromium found (apt-get install chromium-headless-shell)")
	}
	if opts.Theme == "" {
		opts.Theme = "light"
	}
	hostPath := filepath.Join(opts.Dir, "host.html")
	if err := os.WriteFile(hostPath, hostHTML, 0o644); err != nil {
		return nil, err
	}
	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(opts.Browser),
		chromedp.UserDataDir(filepath.Join(opts.Dir, "profile")),
		chromedp.WindowSize(800, 600),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-device-scale-factor", "1"),
		// Keep the sandboxed view in the page's process, so that the DOM
		// queries and the log events reach it. Only our test page is loaded.
		chromedp.Flag("disable-features", "IsolateSandboxedIframes,SitePerProcess,IsolateOrigins"),
		chromedp.Flag("disable-site-isolation-trials", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocOpts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	res := &Result{}
	var mu sync.Mutex
	// The view's tool calls run beside the test, and end before Run does.
	var calls sync.WaitGroup
	callsClosed := false
	callCtx, cancelCalls := context.WithCancel(bctx)
	endCalls := func() {
		mu.Lock()
		callsClosed = true
		mu.Unlock()
		cancelCalls()
		calls.Wait()
	}
	defer endCalls() // before the browser's context is cancelled
	listener := func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventBindingCalled:
			if ev.Name != bindingName || opts.CallTool == nil || callsClosed {
				return
			}
			calls.Add(1)
			go func() {
				defer calls.Done()
				answerToolCall(callCtx, opts.CallTool, ev.Payload, res, &mu)
			}()
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				text += " " + d.Exception.Description
			}
			res.Errors = append(res.Errors, text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				text := ev.Entry.Text
				if strings.Contains(text, "Content Security Policy") {
					res.Violations = append(res.Violations, text)
				} else {
					res.Errors = append(res.Errors, string(ev.Entry.Source)+": "+text)
				}
			}
		}
	}
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		return nil, fmt.Errorf("viewtest: starting %s: %w", opts.Browser, err)
	}
	if err := chromedp.Listen(bctx, listener); err != nil {
		return nil, fmt.Errorf("viewtest: %w", err)
	}
	if _, err := chromedp.Call(bctx, log.Enable, cdp.Empty{}); err != nil {
		return nil, fmt.Errorf("viewtest: %w", err)
	}
	if _, err := chromedp.Call(bctx, performance.Enable, performance.EnableParams{TimeDomain: performance.EnableTimeDomainThreadTicks}); err != nil {
		return nil, fmt.Errorf("viewtest: %w", err)
	}
	if opts.CallTool != nil {
		if _, err := chromedp.Call(bctx, runtime.AddBinding, runtime.AddBindingParams{Name: bindingName}); err != nil {
			return nil, fmt.Errorf("viewtest: %w", err)
		}
	}

	htmlJSON, _ := json.Marshal(html)
	inputJSON, _ := json.Marshal(opts.Input)
	themeJSON, _ := json.Marshal(opts.Theme)
	type hostLog struct {
		Messages       []json.RawMessage `json:"messages"`
		Violations     []string          `json:"violations"`
		Errors         []string          `json:"errors"`
		SentBeforeInit int               `json:"sentBeforeInit"`
		SizeChanged    json.RawMessage   `json:"sizeChanged"`
		Rendered       *Rendered         `json:"rendered"`
		Teardown       json.RawMessage   `json:"teardown"`
	}
	err := chromedp.Do(bctx,
		chromedp.Navigate("file://"+hostPath),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf("start(%s, %s, %s, %s, %t)", htmlJSON, inputJSON, toolResult, themeJSON, opts.CallTool != nil)),
		// No timeout of the poll's own: ctx (the test's deadline) bounds it,
		// since how long the view takes to draw depends on the machine.
		chromedp.Poll[chromedp.Void]("window.hostLog.rendered !== null || window.hostLog.errors.length > 0",
			chromedp.WithPollingTimeout(0)),
	)
	if err != nil {
		return nil, fmt.Errorf("viewtest: %w", err)
	}
	metrics, err := chromedp.Call(bctx, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		return nil, fmt.Errorf("viewtest: %w", err)
	}
	res.Metrics = map[string]float64{}
	for _, m := range metrics.Metrics {
		res.Metrics[m.Name] = m.Value
	}
	// The status line, from the view's own DOM.
	frames, err := chromedp.Run(bctx, chromedp.Nodes(chromedp.CSS("#view")))
	if err != nil {
		return nil, fmt.Errorf("viewtest: %w", err)
	}
	if res.Status, err = chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#status"), chromedp.FromNode(frames[0]))); err != nil {
		return nil, fmt.Errorf("viewtest: reading the view's status: %w", err)
	}
	if res.Screenshot, err = chromedp.Run(bctx, chromedp.CaptureScreenshot()); err != nil {
		return nil, fmt.Errorf("viewtest: %w", err)
	}
	if opts.Click != nil {
		raw, err := chromedp.Run(bctx, chromedp.Evaluate[string]("JSON.stringify(window.hostLog.rendered || {})"))
		if err != nil {
			return nil, fmt.Errorf("viewtest: %w", err)
		}
		var r Rendered
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			return nil, fmt.Errorf("viewtest: the view's rendered event: %w", err)
		}
		x, y := opts.Click(r)
		if err := chromedp.Do(bctx, chromedp.MouseClickXY(x, y)); err != nil {
			return nil, fmt.Errorf("viewtest: clicking at (%.0f, %.0f): %w", x, y, err)
		}
		// Waits for the popup as long as ctx allows.
		if res.Popup, err = chromedp.Run(bctx, chromedp.Text(chromedp.CSS(".leaflet-popup-content"), chromedp.FromNode(frames[0]))); err != nil {
			return nil, fmt.Errorf("viewtest: no popup after clicking at (%.0f, %.0f): %w", x, y, err)
		}
	}
	err = chromedp.Do(bctx,
		chromedp.Evaluate[chromedp.Void]("teardown()"),
		chromedp.Poll[chromedp.Void]("window.hostLog.teardown !== null", chromedp.WithPollingTimeout(0)),
	)
	if err != nil {
		return nil, fmt.Errorf("viewtest: teardown: %w", err)
	}
	endCalls()
	raw, err := chromedp.Run(bctx, chromedp.Evaluate[string]("JSON.stringify(window.hostLog)"))
	if err != nil {
		return nil, fmt.Errorf("viewtest: %w", err)
	}
	var hl hostLog
	if err := json.Unmarshal([]byte(raw), &hl); err != nil {
		return nil, fmt.Errorf("viewtest: the host's log: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	res.Violations = append(res.Violations, hl.Violations...)
	res.Errors = append(res.Errors, hl.Errors...)
	res.Messages, res.SizeChanged, res.SentBeforeInit, res.Teardown = hl.Messages, hl.SizeChanged, hl.SentBeforeInit, hl.Teardown
	if hl.Rendered != nil {
		res.Rendered = *hl.Rendered
	}
	return res, nil
}

// answerToolCall runs one tools/call of the view (payload: {"id", "params"}
// from host.html) and hands the answer back to the host page, which posts
// it to the view.
func answerToolCall(ctx context.Context, callTool func(context.Context, string, json.RawMessage) (json.RawMessage, error),
	payload string, res *Result, mu *sync.Mutex) {
	var req struct {
		ID     json.RawMessage `json:"id"`
		Params struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"params"`
	}
	if err := json.Unmarshal([]byte(payload), &req); err != nil {
		return
	}
	result, err := callTool(ctx, req.Params.Name, req.Params.Arguments)
	mu.Lock()
	res.ToolCalls = append(res.ToolCalls, ToolCall{Name: req.Params.Name, Arguments: req.Params.Arguments, Result: result, Err: err})
	mu.Unlock()
	answer := map[string]any{"jsonrpc": "2.0", "id": req.ID}
	if err != nil {
		answer["error"] = map[string]any{"code": -32603, "message": err.Error()}
	} else {
		answer["result"] = result
	}
	b, err := json.Marshal(answer)
	if err != nil {
		return
	}
	// The page may be gone when the run ends; then nobody waits for it.
	_ = chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("toolAnswer(%s)", b)))
}

// Pixel is where the view drew lon/lat in the screenshot (the iframe sits
// at the page's top-left corner and the map at the iframe's), following
// Leaflet's Web Mercator at the reported zoom and centre.
func (r *Rendered) Pixel(lon, lat float64) (x, y float64) {
	scale := 256 * math.Pow(2, r.Zoom)
	px, py := mercator(lon, lat)
	cx, cy := mercator(r.Center[0], r.Center[1])
	// Leaflet rounds the pixel origin of the view.
	ox, oy := math.Round(cx*scale-r.Size[0]/2), math.Round(cy*scale-r.Size[1]/2)
	return px*scale - ox, py*scale - oy
}

func mercator(lon, lat float64) (float64, float64) {
	const maxLat = 85.0511287798
	lat = math.Max(-maxLat, math.Min(maxLat, lat)) * math.Pi / 180
	return (lon + 180) / 360, (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2
}
