package sqlguard

import (
	"errors"
	"testing"
)

// FuzzCheck checks that Check never panics, that it and Classify agree,
// and the property read-only mode rests on: appending a write to SQL that
// Check allows never yields SQL that Check allows. (If the allowed SQL
// ended inside an unterminated construct the write could hide in it, so
// that must already have been refused.) The write goes on a new line so a
// trailing line comment, which legitimately ends at the end of the input,
// cannot swallow it.
func FuzzCheck(f *testing.F) {
	for _, c := range corpus {
		f.Add(c.sql, uint8(c.d))
	}
	for _, build := range hostileInputs {
		for d := range numDialects {
			f.Add(build(48), uint8(d))
		}
	}
	f.Fuzz(func(t *testing.T, sql string, dialect uint8) {
		d := Dialect(dialect % numDialects)
		err := Check(sql, d)
		stmts, cerr := Classify(sql, d)

		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Check returned %T, want *Error", err)
			}
			if e.Reason == "" || e.Statement < 0 || e.Statement > len(stmts)+1 {
				t.Fatalf("malformed refusal %+v for %d statements", e, len(stmts))
			}
		}
		allowedByClassify := cerr == nil
		for _, s := range stmts {
			allowedByClassify = allowedByClassify && s.Read
		}
		if allowedByClassify != (err == nil) {
			t.Fatalf("Check (%v) and Classify (%v, %+v) disagree on %q", err, cerr, stmts, sql)
		}
		if err != nil {
			return
		}

		for _, write := range []string{"\n;DELETE FROM t", "\n;DROP TABLE t", "\n;INSERT INTO t VALUES (1)"} {
			err2 := Check(sql+write, d)
			var e *Error
			if !errors.As(err2, &e) {
				t.Fatalf("%s: allowed %q and then %q", d, sql, sql+write)
			}
			// Refused as the appended statement, or because the last line of
			// sql, now followed by a line break, reads differently (a
			// Databricks comment ending in a backslash).
			if (e.Statement != len(stmts)+1 || e.Keyword == "") && e.Keyword != "" {
				t.Fatalf("%s: %q: appended write refused for the wrong reason: %v", d, sql+write, err2)
			}
		}
		// Reads before an allowed input do not change how it reads.
		if err := Check("SELECT 1;\n"+sql, d); err != nil {
			t.Fatalf("%s: allowed %q but not after another read: %v", d, sql, err)
		}
	})
}
