package discovery

import (
	"sort"
	"strings"
)

// Suggest returns up to n of names closest to want: the same name in another
// case first, then names containing it or contained in it, then those within
// a small edit distance.
func Suggest(want string, names []string, n int) []string {
	w := strings.ToLower(want)
	type cand struct {
		name  string
		score int
	}
	var cs []cand
	for _, name := range names {
		l := strings.ToLower(name)
		score := -1
		switch {
		case l == w:
			score = 0
		case strings.Contains(l, w) || strings.Contains(w, l):
			score = 1 + abs(len(l)-len(w))
		default:
			if d := editDistance(l, w); d <= max(2, len(w)/3) {
				score = 100 + d
			}
		}
		if score >= 0 {
			cs = append(cs, cand{name, score})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].score < cs[j].score })
	out := make([]string, 0, n)
	for _, c := range cs {
		if len(out) == n {
			break
		}
		out = append(out, c.name)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// editDistance is the Levenshtein distance over runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
