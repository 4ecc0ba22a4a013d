package sqlguard

import "strings"

// Case folding of unquoted words, as the engines may do it.
//
// Engines match keywords and built-in function names without regard to
// case, but not all of them fold case the same way. PostgreSQL, Redshift
// and DuckDB fold ASCII letters only. Spark (Databricks) upper-cases the
// text its parser sees with Java's Character.toUpperCase, which turns the
// dotless ı (U+0131) into I and the long ſ (U+017F) into S, so that
// "ınsert ınto" is INSERT INTO to Spark; it resolves function names with
// String.toLowerCase, which turns İ (U+0130) into i and the Kelvin sign
// (U+212A) into k. Java's String.toUpperCase also applies Unicode's full
// case mappings (SpecialCasing.txt), under which ß becomes SS and the
// ligature ﬁ becomes FI, and full case folding (CaseFolding.txt, status F)
// maps ẞ to ss. Snowflake and BigQuery do not document how they fold.
//
// sqlguard cannot know which of these an engine applies, so it reads every
// unquoted word the way the most generous engine could: each character
// below is replaced by the ASCII letters it can become, and the result is
// looked up like any other word. A word that folds to no keyword (straße,
// ılçe, İl) stays an ordinary name; one that folds to a keyword is treated
// as that keyword, in every dialect.
//
// The list is complete for Go's Unicode tables: TestFoldCoversUnicode checks
// that no other character's simple case mapping or case folding reaches an
// ASCII letter. Characters whose full mapping adds a combining mark (ŉ, ǰ,
// ẖ ...) cannot spell a keyword and are left alone.
var foldToASCII = map[rune]string{
	0x0130: "I",   // İ, Latin capital I with dot above: lower case is i
	0x0131: "I",   // ı, Latin small dotless i: upper case is I
	0x017F: "S",   // ſ, Latin small long s: upper case is S
	0x212A: "K",   // K, Kelvin sign: lower case is k
	0x00DF: "SS",  // ß: full upper case SS
	0x1E9E: "SS",  // ẞ: full case folding ss
	0xFB00: "FF",  // ﬀ
	0xFB01: "FI",  // ﬁ
	0xFB02: "FL",  // ﬂ
	0xFB03: "FFI", // ﬃ
	0xFB04: "FFL", // ﬄ
	0xFB05: "ST",  // ﬅ
	0xFB06: "ST",  // ﬆ
}

// foldsToASCII reports whether some engine may read r as ASCII letters.
func foldsToASCII(r rune) bool {
	switch r {
	case 0x0130, 0x0131, 0x017F, 0x212A, 0x00DF, 0x1E9E:
		return true
	}
	return 0xFB00 <= r && r <= 0xFB06
}

// foldWord returns w with every character of foldToASCII replaced by its
// ASCII letters. Other characters, ASCII case included, are kept.
func foldWord(w string) string {
	var b strings.Builder
	b.Grow(len(w) + 4)
	for _, r := range w {
		if s, ok := foldToASCII[r]; ok {
			b.WriteString(s)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
