package tools

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/carto-mcp/carto-mcp/client"
)

// callError describes a failed call for the model: what went wrong, in CARTO's
// words when CARTO said something, and what to try next. It becomes an isError
// result, never a protocol error.
type callError struct {
	kind string // for logs: "carto_400", "timeout", "bad_argument", ...
	text string
}

func (e *callError) result() *mcp.CallToolResult { return mcp.NewToolResultError(e.text) }

// badArgument is an argument the handler rejects after schema validation.
func badArgument(format string, a ...any) *callError {
	return &callError{kind: "bad_argument", text: "Invalid arguments: " + fmt.Sprintf(format, a...)}
}

// opKind names the operation a failure came from, to pick the advice.
type opKind int

const (
	opQuery opKind = iota
	opSubmit
	opGetJob
	opCancelJob
	opListJobs
	opListConnections
	opDiscover
	opTileset
)

// describeError turns an error from the client (or the call's context) into
// advice. timeout is the call's own deadline, for the message.
func describeError(op opKind, err error, timeout time.Duration) *callError {
	var apiErr *client.APIError
	var authErr *client.AuthServerError
	// Failures before anything reached CARTO did not create a job.
	notSubmitted := ""
	if op == opSubmit {
		notSubmitted = " The job was not submitted."
	}
	switch {
	case errors.Is(err, client.ErrNoConnection):
		return &callError{kind: "no_connection", text: "No CARTO connection given: pass the `connection` argument " +
			"(the name of a connection in the CARTO Workspace, under Connections), or start the server with " +
			client.EnvConnection + " set to a default connection."}
	case errors.Is(err, client.ErrInvalidName):
		return badArgument("%v. Pass the connection's name as the CARTO Workspace shows it (under Connections) "+
			"and the job_id that submit_job or list_jobs returned.", err)
	case errors.Is(err, client.ErrNoRequestToken):
		return &callError{kind: "no_token", text: "This server runs each call with its caller's own CARTO token, and this request carried none: " +
			"the MCP client must send it in the X-Carto-Api-Access-Token header. Retrying without it will not help: tell the user to " +
			"configure their MCP client with their CARTO token." + notSubmitted}
	case errors.As(err, &authErr) && authErr.Rejected():
		return &callError{kind: "auth_rejected", text: "CARTO's OAuth server refused this server's OAuth client: " + err.Error() +
			". This is a credentials problem, not a temporary one: retrying will not help. Tell the user to check " +
			client.EnvClientID + " and " + client.EnvClientSecret + " (and " + client.EnvAuthURL + ") of this MCP server, " +
			"or to use " + client.EnvAccessToken + " instead." + notSubmitted}
	case errors.As(err, &authErr) && errors.Is(err, client.ErrTLS):
		return &callError{kind: "auth_tls", text: "Could not speak HTTPS with the OAuth server: " + err.Error() +
			". This is a configuration problem, not a temporary one: retrying will not help. Tell the user to check " +
			client.EnvAuthURL + " (default " + client.DefaultAuthURL + ") and any proxy in between." + notSubmitted}
	case errors.As(err, &authErr) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled):
		return &callError{kind: "auth_unavailable", text: "Could not get a CARTO token from the OAuth server: " + err.Error() +
			". Retry in a little while; if it keeps failing, tell the user to check " + client.EnvAuthURL +
			" (default " + client.DefaultAuthURL + ") and the server's network." + notSubmitted}
	case errors.Is(err, client.ErrTLS):
		return &callError{kind: "tls", text: "Could not speak HTTPS with CARTO: " + err.Error() +
			". This is a configuration problem, not a temporary one: retrying will not help. Tell the user to check " +
			client.EnvBaseURL + " (CARTO's regional API URL, such as " + client.DefaultBaseURL + ") and any proxy in between." + notSubmitted}
	case errors.As(err, &apiErr):
		return describeAPIError(op, apiErr)
	case errors.Is(err, client.ErrBusy) && errors.Is(err, context.DeadlineExceeded):
		return &callError{kind: "busy", text: fmt.Sprintf("The call timed out after %s waiting for a free slot among this server's "+
			"concurrent calls to CARTO (other calls, such as long queries or job waits, held them all), so it was never sent: "+
			"nothing ran in the warehouse.%s Retry once other calls have finished, or make fewer calls at once.",
			timeout.Round(time.Second), notSubmitted)}
	case errors.Is(err, context.DeadlineExceeded):
		msg := fmt.Sprintf("The call timed out after %s without an answer from CARTO (%v). ", timeout.Round(time.Second), err)
		switch op {
		case opQuery:
			msg += "The query may still be running in the warehouse. For work that takes longer than about a minute, " +
				"use submit_job and follow it with get_job. Otherwise make the query cheaper (filter, aggregate, add a LIMIT) or retry later."
		case opSubmit:
			msg += "The job may or may not have been created: check list_jobs before submitting it again, so it does not run twice."
		default:
			msg += "CARTO may be slow or unreachable; retry in a little while."
		}
		return &callError{kind: "timeout", text: msg}
	case errors.Is(err, context.Canceled):
		return &callError{kind: "cancelled", text: "The call was cancelled before CARTO answered (" + err.Error() + ")."}
	case errors.Is(err, client.ErrTruncatedResponse):
		return &callError{kind: "truncated_response", text: "CARTO's response ended early (the connection dropped or a proxy cut it): " +
			err.Error() + ". Retry; if it keeps happening, ask for less (a LIMIT, fewer columns) or write the result to a table with submit_job."}
	case errors.Is(err, client.ErrUnknownShape):
		what := "CARTO's answer"
		if op == opListJobs {
			what = "CARTO's list of jobs"
		}
		return &callError{kind: "unknown_shape", text: what + " came in a shape this server does not understand (" + err.Error() +
			"), so it cannot tell what the answer says: this does not mean there is nothing to report. Retrying will give the same answer. " +
			"Check jobs you know with get_job, and tell the user: this server may need an update for CARTO's current API."}
	case errors.Is(err, client.ErrInvalidResponse):
		return &callError{kind: "invalid_response", text: "CARTO's answer could not be read: " + err.Error() +
			". This is usually a proxy or a temporary fault in front of CARTO: retry later. If it persists, the server's " +
			client.EnvBaseURL + " may point at the wrong host."}
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		msg := "Could not reach CARTO, or the connection dropped before it answered: " + err.Error() +
			". Retry in a little while; if it persists, the server's network or " + client.EnvBaseURL + " needs checking (tell the user)."
		if op == opSubmit {
			msg += " Check list_jobs before submitting again: the job may have been created."
		}
		return &callError{kind: "network", text: msg}
	}
	msg := "The call to CARTO failed: " + err.Error() + ". This may be temporary: retry in a little while; if it keeps failing, tell the user."
	if op == opSubmit {
		msg += " Check list_jobs before submitting again: the job may have been created."
	}
	return &callError{kind: "error", text: msg}
}

// cartoSQLAdvice is the advice for SQL a warehouse rejected (the local
// warehouse has its own, localSQLAdvice).
const cartoSQLAdvice = "CARTO or the warehouse rejected the SQL: fix it using the message above and try again. Check the table names " +
	"(BigQuery `project.dataset.table`; Snowflake, Redshift, PostgreSQL `database.schema.table`), the column names, " +
	"the warehouse's SQL dialect, and that `parameters` match the placeholders (@name for BigQuery; $1 or :1 for the others)."

func describeAPIError(op opKind, e *client.APIError) *callError {
	var advice string
	where := "connection"
	if e.Connection != "" {
		where = fmt.Sprintf("connection %q", e.Connection)
	}
	switch code := e.StatusCode; {
	case code == http.StatusBadRequest:
		switch op {
		case opQuery, opSubmit:
			advice = cartoSQLAdvice
		case opCancelJob:
			advice = "CARTO refused to cancel the job; it may have ended already: check it with get_job."
		default:
			advice = "Check the arguments and try again."
		}
	case code == http.StatusUnauthorized && e.CallerToken:
		advice = "The CARTO token your MCP client sent in the X-Carto-Api-Access-Token header was rejected (missing, expired or revoked). " +
			"Retrying will not help: tell the user to configure their MCP client with a valid CARTO token."
	case code == http.StatusUnauthorized:
		advice = "The CARTO credentials of this call were rejected (missing, expired or revoked token). Retrying will not help: " +
			"tell the user to check " + client.EnvAccessToken + " (or the OAuth client " + client.EnvClientID + "/" + client.EnvClientSecret + ") of this MCP server, " +
			"or, on a shared server, the CARTO token their MCP client sends in the X-Carto-Api-Access-Token header."
	case code == http.StatusForbidden:
		whose := "The server's CARTO token"
		if e.CallerToken {
			whose = "The CARTO token your MCP client sent (X-Carto-Api-Access-Token header)"
		}
		advice = whose + " is not allowed to do this on " + where + ". Check that the connection name is right " +
			"(names are case-sensitive), and that the token grants access to it and to the tables the SQL uses; another connection may work. " +
			"Otherwise tell the user which permission is missing."
	case code == http.StatusNotFound:
		switch op {
		case opGetJob, opCancelJob:
			advice = "No such job on " + where + ". Check the job id, and pass the connection the job was submitted on " +
				"(list_jobs shows running jobs with their connection)."
		case opListJobs:
			advice = "The jobs endpoint was not found: the server's " + client.EnvBaseURL + " may be wrong (tell the user)."
		case opTileset:
			advice = "No such tileset on " + where + ". Check the name (fully qualified, as the output_table of the tileset job), " +
				"and that the job that creates it has succeeded (get_job)."
		default:
			advice = "Check the connection name (case-sensitive; see the CARTO Workspace under Connections). " +
				"If the message names a table, check the table name and that it exists."
		}
	case code == http.StatusTooManyRequests:
		advice = "CARTO is rate limiting this account. Wait"
		if e.RetryAfter > 0 {
			advice += " at least " + e.RetryAfter.Round(time.Second).String()
		}
		advice += " and retry; make fewer calls (batch work into one query, or use a job)."
	case code == http.StatusRequestTimeout || code == http.StatusGatewayTimeout:
		advice = "The request took too long for CARTO. For work over about a minute use submit_job and poll it with get_job; " +
			"otherwise make the query cheaper or retry later."
	case code >= 500 && e.Hint != "":
		// The server said what to do (the local warehouse does for a failure
		// that lasts); a generic "retry" would contradict it.
		advice = "CARTO or the warehouse failed: follow the hint in the message above."
		if op == opSubmit {
			advice += " Check list_jobs before resubmitting: the job may have been created."
		}
	case code >= 500:
		advice = "CARTO or the warehouse had a temporary failure. Retry in a little while"
		if e.RetryAfter > 0 {
			advice += " (after " + e.RetryAfter.Round(time.Second).String() + ")"
		}
		advice += "; for long work use submit_job."
		if op == opSubmit {
			advice += " Check list_jobs before resubmitting: the job may have been created."
		}
	default:
		advice = "Check the arguments and try again."
	}
	msg := strings.TrimSpace(e.Error())
	return &callError{kind: fmt.Sprintf("carto_%d", e.StatusCode), text: msg + ".\n" + advice}
}
