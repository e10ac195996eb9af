package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// scanner cuts a GeoJSON stream into its values without parsing them:
// it finds where each ends (brackets outside strings), which is a tenth of
// what encoding/json's Decoder spends to hand out the same bytes (it
// scans each value twice). What it cuts out is parsed afterwards, features
// by geo.DecodeFeature and members by encoding/json, which reject what is
// not JSON; the scanner itself rejects only what leaves no value to cut.
type scanner struct {
	r      io.Reader
	buf    []byte
	pos    int
	err    error // of the reader, once buf is used up
	shared bool  // values cut out of buf hold parts of it
}

// scanChunk is how much the scanner reads at a time.
const scanChunk = 1 << 20

func newScanner(r io.Reader) *scanner { return &scanner{r: r} }

// errTruncated is a value cut short by the end of the input.
var errTruncated = errors.New("unexpected end of JSON input")

// fill reads more input after what the scanner holds from keep on, and
// returns where keep is now; false at the end of the input.
func (s *scanner) fill(keep int) (int, bool) {
	if s.err != nil {
		return keep, false
	}
	if s.shared { // the values cut out keep the old buffer: a new one
		rest := s.buf[keep:]
		s.buf = append(make([]byte, 0, max(2*len(rest), len(rest)+scanChunk)), rest...)
		s.shared = false
	} else {
		s.buf = s.buf[:copy(s.buf, s.buf[keep:])]
	}
	n := len(s.buf)
	s.pos -= keep
	if cap(s.buf)-n < scanChunk/2 {
		s.buf = append(make([]byte, 0, max(2*cap(s.buf), n+scanChunk)), s.buf...)
	}
	m, err := io.ReadAtLeast(s.r, s.buf[n:cap(s.buf)], 1)
	s.buf = s.buf[:n+m]
	if err != nil {
		s.err = err
	}
	return 0, m > 0
}

// next skips white space and returns the next byte without taking it;
// io.EOF at the end of the input.
func (s *scanner) next() (byte, error) {
	for {
		for ; s.pos < len(s.buf); s.pos++ {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
			default:
				return c, nil
			}
		}
		if _, ok := s.fill(s.pos); !ok {
			if errors.Is(s.err, io.EOF) {
				return 0, io.EOF
			}
			return 0, s.err
		}
	}
}

// expect takes the next byte, which must be one of want.
func (s *scanner) expect(want string) (byte, error) {
	c, err := s.next()
	if errors.Is(err, io.EOF) {
		return 0, errTruncated
	}
	if err != nil {
		return 0, err
	}
	for i := range len(want) {
		if c == want[i] {
			s.pos++
			return c, nil
		}
	}
	return 0, fmt.Errorf("invalid character %q, want one of %q", c, want)
}

// value cuts out the next value: an object, array or string up to its
// closing byte, anything else up to the next delimiter. The bytes are its
// own (the scanner no longer writes where they are).
func (s *scanner) value() ([]byte, error) {
	c, err := s.next()
	if errors.Is(err, io.EOF) {
		return nil, errTruncated
	}
	if err != nil {
		return nil, err
	}
	start, depth, inString, escaped := s.pos, 0, false, false
	switch c {
	case ',', ':', ']', '}':
		return nil, fmt.Errorf("invalid character %q looking for a value", c)
	}
	for {
		for ; s.pos < len(s.buf); s.pos++ {
			c := s.buf[s.pos]
			switch {
			case inString:
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					inString = false
					if depth == 0 {
						s.pos++
						return s.cut(start), nil
					}
				default: // on to the next quote or backslash
					s.pos += plainRun(s.buf[s.pos:]) - 1
				}
			case c == '"':
				inString = true
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']' || c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
				if depth == 0 { // the end of a number or literal
					return s.cut(start), nil
				}
				if c == '}' || c == ']' {
					if depth--; depth == 0 {
						s.pos++
						return s.cut(start), nil
					}
				}
			}
		}
		var ok bool
		if start, ok = s.fill(start); !ok {
			if depth == 0 && !inString && s.pos > start && errors.Is(s.err, io.EOF) {
				return s.cut(start), nil // a number or literal ends the input
			}
			if errors.Is(s.err, io.EOF) {
				return nil, errTruncated
			}
			return nil, s.err
		}
	}
}

// plainRun is the length of b up to its first quote or backslash (all of
// it when none): most of a GeoJSON file is strings, and two searches for a
// byte (vector instructions) pass them in a fraction of the time of a
// look at each byte.
func plainRun(b []byte) int {
	q := bytes.IndexByte(b, '"')
	if q < 0 {
		q = len(b)
	}
	if e := bytes.IndexByte(b[:q], '\\'); e >= 0 {
		return e
	}
	return q
}

// cut is the value from start to pos, a part of the buffer, which the
// scanner then no longer overwrites (fill): not copying every feature's
// text takes a tenth of reading a file.
func (s *scanner) cut(start int) []byte {
	s.shared = true
	return s.buf[start:s.pos:s.pos]
}

// more reports whether an object or array, whose opening byte and n
// elements have been read, has another element: it takes the comma
// before it, or the closing byte end.
func (s *scanner) more(end byte, n int) (bool, error) {
	c, err := s.next()
	if errors.Is(err, io.EOF) {
		return false, errTruncated
	}
	if err != nil {
		return false, err
	}
	if c == end {
		s.pos++
		return false, nil
	}
	if n > 0 {
		if _, err := s.expect(","); err != nil {
			return false, err
		}
	}
	return true, nil
}

// key reads an object member's name and the colon after it.
func (s *scanner) key() (string, error) {
	raw, err := s.value()
	if err != nil {
		return "", err
	}
	var k string
	if err := json.Unmarshal(raw, &k); err != nil {
		return "", fmt.Errorf("a member's name: %w", err)
	}
	if _, err := s.expect(":"); err != nil {
		return "", err
	}
	return k, nil
}
