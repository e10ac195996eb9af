package postgis

import (
	"strings"
	"testing"
)

// TestPairHash: the hash of a free-text term, made without the term, is
// the term's (termHash, which migration 0014 computes in SQL).
func TestPairHash(t *testing.T) {
	for _, tt := range []struct{ k, v string }{
		{"name", "Town 252 road pt-000000"},
		{"name", ""},
		{"name_local", "Мінск – вуліца"},
		{"description", strings.Repeat("x", 190)},
		{"description", strings.Repeat("x", 200)}, // too long: hashed as a whole
		{"name", "a\x1fb"},
		{"name", "a\x1eb"},
		{"name", "nul\x00"},
		{"name", "bad \xff utf-8"},
		{"name", "surrogate \xed\xa0\x80"},
		{"name", "replacement \uFFFD is text"},
	} {
		var buf [termMax + 1]byte
		if got, want := pairHash(buf[:0], tt.k, tt.v), termHash(term(tt.k, tt.v)); got != want {
			t.Errorf("pairHash(%q, %q) = %d, want %d", tt.k, tt.v, got, want)
		}
	}
}

// TestTermPlain: a term holds its name and value as they are exactly when
// they are short, valid UTF-8 and free of the bytes that separate terms.
func TestTermPlain(t *testing.T) {
	for _, tt := range []struct {
		k, v  string
		plain bool
	}{
		{"status", "open", true},
		{"name", "Мінск", true},
		{"name", "replacement \uFFFD", true},
		{"name", strings.Repeat("x", 196), true},
		{"name", strings.Repeat("x", 197), false},
		{"na\x1fme", "v", false},
		{"name", "a\x1eb", false},
		{"name", "\x00", false},
		{"name", "\xff", false},
		{"name", "\xed\xa0\x80", false},
	} {
		got := term(tt.k, tt.v)
		if plain := got == tt.k+"\x1f"+tt.v; plain != tt.plain {
			t.Errorf("term(%q, %q) = %q: plain %v, want %v", tt.k, tt.v, got, plain, tt.plain)
		}
		if !tt.plain && !strings.HasPrefix(got, "#") {
			t.Errorf("term(%q, %q) = %q, want a hash", tt.k, tt.v, got)
		}
	}
}
