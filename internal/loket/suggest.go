package loket

import "sort"

// Nearest returns the known words closest to a mistyped one (at most two edits, or
// a word that starts the same way), best first, at most two: what a "did you mean"
// offers, for flags and for fields alike.
func Nearest(word string, known []string) []string {
	type cand struct {
		word string
		d    int
	}
	var cs []cand
	for _, k := range known {
		d := EditDistance(word, k)
		if d <= 2 || (len(word) >= 3 && len(k) > len(word) && k[:len(word)] == word) {
			cs = append(cs, cand{k, d})
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].d < cs[j].d || (cs[i].d == cs[j].d && cs[i].word < cs[j].word) })
	var out []string
	for i := 0; i < len(cs) && i < 2; i++ {
		out = append(out, cs[i].word)
	}
	return out
}

// EditDistance is the Levenshtein distance between a and b (in bytes).
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
