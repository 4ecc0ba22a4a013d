package localwarehouse

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkNew measures start-up with the demo data: open DuckDB, create and
// fill the demo schema, close.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		w, err := New(context.Background(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuery10kRows measures a synchronous query of 10,000 rows of mixed
// types end to end: HTTP, DuckDB, encoding and reading the whole body.
func BenchmarkQuery10kRows(b *testing.B) {
	w, err := New(context.Background(), Options{NoDemoData: true})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	q := url.Values{"q": {`SELECT i AS id, i * 1.5 AS value, 'name_' || i AS name,
		DATE '2020-01-01' + i::INTEGER AS day, (i * 100)::DECIMAL(12,2) AS amount,
		'POINT (' || (i % 360 - 180) || ' ' || (i % 180 - 90) || ')' AS geom
		FROM range(10000) t(i)`}}
	target := srv.URL + "/v3/sql/" + DefaultConnection + "/query?" + q.Encode()
	client := srv.Client()

	var size int64
	for b.Loop() {
		resp, err := client.Get(target)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, err %v", resp.StatusCode, err)
		}
		size = n
	}
	b.SetBytes(size)
}
