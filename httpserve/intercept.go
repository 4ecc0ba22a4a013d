package httpserve

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// intercept lets f answer POSTed JSON-RPC requests before next (mcp-go's
// streamable HTTP handler) does. A request f does not handle reaches next
// unchanged, its body included (a body that could not be read whole still
// fails next's read the same way).
func intercept(next http.Handler, f func(ctx context.Context, msg []byte) (any, bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{err}))
			next.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		answer, ok := f(r.Context(), body)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		b, err := json.Marshal(answer)
		if err != nil {
			http.Error(w, "carto-mcp could not encode its answer: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
