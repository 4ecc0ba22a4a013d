// Package inproc is an http.RoundTripper that serves each request by calling an
// http.Handler in the same process: no socket, no port, no network.
//
// carto-mcp uses it to put the embedded local warehouse behind the real CARTO
// client, so --local runs exactly the code path a CARTO account does. Unlike
// httptest.ResponseRecorder it streams: the response is returned as soon as the
// handler writes its header, and the body flows through a pipe, so a handler
// writing a large result is paced by the reader and stops when the reader closes.
package inproc

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// Transport calls Handler for every request.
type Transport struct {
	Handler http.Handler
}

// New returns a Transport serving requests with h.
func New(h http.Handler) *Transport { return &Transport{Handler: h} }

// RoundTrip runs the handler on its own goroutine and returns once the response
// header is written. Closing the response body, or cancelling the request's
// context, cancels the context the handler sees and fails its further writes.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	sreq := req.Clone(ctx)
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "inproc:0"
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}

	pr, pw := io.Pipe()
	w := &responseWriter{header: http.Header{}, body: pw, ready: make(chan struct{})}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					pw.CloseWithError(io.ErrUnexpectedEOF)
				} else {
					w.fail(fmt.Errorf("inproc: handler panicked: %v", p))
				}
				return
			}
			w.WriteHeader(http.StatusOK) // no-op if already written
			pw.Close()
		}()
		t.Handler.ServeHTTP(w, sreq)
	}()

	select {
	case <-w.ready:
	case <-ctx.Done():
		cancel()
		pr.CloseWithError(ctx.Err())
		return nil, ctx.Err()
	}
	if w.err != nil {
		cancel()
		return nil, w.err
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sent,
		Body:          &body{PipeReader: pr, cancel: cancel},
		ContentLength: -1,
		Request:       req,
	}, nil
}

type body struct {
	*io.PipeReader
	cancel context.CancelFunc
}

// Close stops the handler: its context is cancelled and its next write fails.
func (b *body) Close() error {
	b.cancel()
	return b.PipeReader.Close()
}

type responseWriter struct {
	header http.Header
	body   *io.PipeWriter

	once   sync.Once
	ready  chan struct{}
	status int
	sent   http.Header
	err    error
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	w.once.Do(func() {
		w.status = code
		w.sent = w.header.Clone()
		close(w.ready)
	})
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

// Flush is a no-op: every Write already reaches the reader through the pipe.
func (w *responseWriter) Flush() {}

// fail reports a handler that died before answering as a transport error, and
// one that died mid-body as a broken body.
func (w *responseWriter) fail(err error) {
	w.once.Do(func() {
		w.err = err
		close(w.ready)
	})
	w.body.CloseWithError(err)
}
