package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"
)

// ParseTextRow reads a run_query text row line back into JSON values, by the
// documented rule: "...", {...} and [...] are JSON; a bare token is a JSON number
// or literal if it spells one, and a string otherwise. Tests use it to prove the
// text form lossless.
func ParseTextRow(line string) ([]json.RawMessage, error) {
	var out []json.RawMessage
	for {
		var v json.RawMessage
		if line != "" && strings.ContainsRune(`"{[`, rune(line[0])) {
			dec := json.NewDecoder(strings.NewReader(line))
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			line = line[dec.InputOffset():]
		} else {
			tok := line
			if i := strings.IndexByte(line, ','); i >= 0 {
				tok = line[:i]
			}
			line = line[len(tok):]
			if tok != "" && isJSONScalar([]byte(tok)) {
				v = json.RawMessage(tok)
			} else {
				v, _ = json.Marshal(tok)
			}
		}
		out = append(out, v)
		if line == "" {
			return out, nil
		}
		if line[0] != ',' {
			return nil, errors.New("values must be separated by commas: " + line)
		}
		line = line[1:]
	}
}

// TextRow is appendTextRow without the newline, for tests.
func TextRow(row []json.RawMessage) string {
	return string(bytes.TrimSuffix(appendTextRow(nil, row), []byte("\n")))
}

// FakeClock is a clock for the waiter whose Sleep returns at once, moving
// Now forward: waits are then deterministic and take no time.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *FakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	return nil
}

// Sleeps returns the sleeps so far, in order.
func (c *FakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// UseFakeClock makes d's waiter use a fake clock. Call it before the server
// serves anything.
func UseFakeClock(d *Deps) *FakeClock {
	c := &FakeClock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	d.clock = c
	return c
}

// NextPoll exposes the waiter's backoff.
func NextPoll(prev time.Duration) time.Duration { return nextPoll(prev) }

// Watching is how many resource subscriptions d is watching.
func Watching(d *Deps) int {
	if d.watch == nil {
		return 0
	}
	return d.watch.watching()
}

// JobURI exposes the job resource URI builder, and ParseJobURI its parser.
func JobURI(connection, jobID string) string { return jobURI(connection, jobID) }

func ParseJobURI(uri string) (string, string, error) { return parseJobURI(uri) }
