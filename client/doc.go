// Package client is the one CARTO SQL API v3 client that every carto-mcp tool goes through.
//
// It follows the shape of google/go-github: a Client with one service per resource
// (Queries, Jobs), context first on every call, typed requests and responses, and
// errors (*APIError) that carry the HTTP response.
//
// What it guarantees, because an AI agent sits on the other side:
//   - Queries are POSTed by default. A GET is cached at CARTO's edge for a long time,
//     so an agent that just wrote a table would read stale rows; GET is used only when
//     the caller asks for the cacheable path and the URL fits in 7,000 characters.
//   - Results are decoded as a stream and stop at a caller-given number of rows and
//     bytes; the rest of the body is never read into memory. Numbers stay exact.
//   - Calls that are safe to repeat are retried on 429/502/503/504 and connection
//     errors with capped, jittered exponential backoff that honours Retry-After. A POST
//     that may have reached CARTO is never repeated.
//   - Tokens never go into a URL, a log line or an error string.
package client
