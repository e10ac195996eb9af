package geo

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Limits on what one feature may hold, so that nothing stored is
// unbounded or unreadable for the clients that read it back (Python's
// JSON parser gives up at about 1,000 levels of nesting; a page with a
// megabyte-long name is no use to anyone).
const (
	// MaxNameLength bounds name and name_local, in characters.
	MaxNameLength = 500
	// MaxTextLength bounds description and every other string in the
	// properties (nested ones too), in characters.
	MaxTextLength = 20_000
	// MaxDepth bounds the nesting of arrays and objects in a property value.
	MaxDepth = 32
	// MaxTimeline and MaxSources bound those lists.
	MaxTimeline = 1_000
	MaxSources  = 100
)

// validateLimits checks every property: its name is text without control
// characters, its value valid UTF-8 (escapes included), nested at most
// MaxDepth deep, with strings within their length; timeline and sources
// within their counts; name and name_local free of control characters.
func validateLimits(f *Feature, _ *Collection) error {
	// The values are read in place: an import checks every property of
	// every feature.
	for k, raw := range f.rawProps() {
		if r, bad := controlChar(k); bad || !utf8.ValidString(k) {
			return invalid("properties", "property name %q holds a control character (%U) or invalid UTF-8", k, r)
		}
		maxLen := MaxTextLength
		if k == "name" || k == "name_local" {
			maxLen = MaxNameLength
		}
		if reason := scanValue(raw, maxLen); reason != "" {
			return invalid("properties."+k, "%s", reason)
		}
	}
	for _, list := range []struct {
		name string
		max  int
	}{{"timeline", MaxTimeline}, {"sources", MaxSources}} {
		if raw, ok := f.raw(list.name); ok {
			if n, ok := arrayLen(raw); ok && n > list.max {
				return invalid("properties."+list.name, "has %d entries: at most %d", n, list.max)
			}
		}
	}
	for _, name := range []string{"name", "name_local"} {
		raw, _ := f.raw(name)
		s, ok := decodeString(raw)
		if !ok {
			continue // not a string: validateName and validateText say so
		}
		if r, bad := controlChar(s); bad {
			return invalid("properties."+name, "holds the control character %U: names are plain text", r)
		}
	}
	return nil
}

// arrayLen is the number of elements of raw, a compact JSON value; false
// when it is not an array.
func arrayLen(raw string) (int, bool) {
	if len(raw) < 2 || raw[0] != '[' {
		return 0, false
	}
	if raw[1] == ']' {
		return 0, true
	}
	for n, i := 1, 1; ; n++ {
		j := skipValue(raw, i)
		switch {
		case j < 0 || j >= len(raw):
			return 0, false
		case raw[j] == ']':
			return n, true
		case raw[j] != ',':
			return 0, false
		}
		i = j + 1
	}
}

// controlChar finds a control character (C0, DEL, C1), a line or
// paragraph separator, or a bidirectional override or isolate (which
// can make a name display as something else) in s.
func controlChar(s string) (rune, bool) {
	for _, r := range s {
		switch {
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == '\u061c', r == '\u200e', r == '\u200f',
			r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return r, true
		}
	}
	return 0, false
}

// CheckText reports, as a ValidationError, the first place where a JSON
// document is not valid UTF-8 or holds a \u escape of half a surrogate
// pair: encoding/json would silently turn either into U+FFFD, and the
// feature would not be stored as sent.
func CheckText(doc []byte) error {
	if utf8.Valid(doc) && !bytes.Contains(doc, []byte(`\u`)) {
		return nil // the usual case, at the speed of utf8.Valid
	}
	text := string(doc) // seldom: the document has \u escapes or is not UTF-8
	for i := 0; i < len(text); i++ {
		if text[i] != '"' {
			continue
		}
		end, _, reason := scanString(text, i+1)
		if reason != "" {
			return invalid("", "%s (at byte %d)", reason, i)
		}
		i = end
	}
	return nil
}

// scanValue checks one JSON value (valid JSON, as decoding made sure):
// nesting depth, strings' UTF-8 and length. It returns what is wrong, or "".
func scanValue(raw string, maxLen int) string {
	depth := 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '[', '{':
			if depth++; depth > MaxDepth {
				return fmt.Sprintf("nests arrays and objects deeper than %d levels", MaxDepth)
			}
		case ']', '}':
			depth--
		case '"':
			end, n, reason := scanString(raw, i+1)
			if reason != "" {
				return reason
			}
			if n > maxLen {
				return fmt.Sprintf("holds a string of %d characters: at most %d", n, maxLen)
			}
			i = end
		}
	}
	return ""
}

// scanString reads a JSON string whose first byte after the quote is at
// i: the index of its closing quote, its length in characters, and what
// is wrong with it, if anything.
func scanString(b string, i int) (end, chars int, reason string) {
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			return i, chars, ""
		case c == '\\':
			if i+1 < len(b) && b[i+1] == 'u' {
				next, ok := unicodeEscape(b, i)
				if !ok {
					return i, chars, fmt.Sprintf("holds the escape %s, half of a surrogate pair", b[i:min(i+6, len(b))])
				}
				i = next
			} else {
				i += 2
			}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, chars, "is not valid UTF-8"
			}
			i += size
		}
		chars++
	}
	return i, chars, "ends inside a string"
}

// unicodeEscape reads \uXXXX (and its low half, for a high surrogate)
// at b[i]: the index after it, and false for half a pair.
func unicodeEscape(b string, i int) (int, bool) {
	r1, ok := hex4(b, i+2)
	if !ok {
		return i + 2, true // encoding/json has rejected such a document already
	}
	switch {
	case r1 >= 0xdc00 && r1 <= 0xdfff:
		return i, false
	case r1 >= 0xd800 && r1 <= 0xdbff:
		if i+12 <= len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
			if r2, ok := hex4(b, i+8); ok && r2 >= 0xdc00 && r2 <= 0xdfff {
				return i + 12, true
			}
		}
		return i, false
	}
	return i + 6, true
}

func hex4(b string, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for j := i; j < i+4; j++ {
		c := b[j]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}
