package check

import (
	"strings"
	"testing"
)

// TestCompareFold: compareFold orders strings as their lower-case forms do, ASCII or not.
func TestCompareFold(t *testing.T) {
	words := []string{"", "a", "A", "ab", "aB", "b", "/subscriptions/X/rg", "/subscriptions/x/RG", "Ärger", "ärger", "zz", "Z", "É1", "é2", "ab\u00e9", "AB\u00c9c"}
	for _, a := range words {
		for _, b := range words {
			want := strings.Compare(strings.ToLower(a), strings.ToLower(b))
			if got := compareFold(a, b); sign(got) != want {
				t.Errorf("compareFold(%q, %q) = %d, want sign %d", a, b, got, want)
			}
		}
	}
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}
