package cql2

import (
	"errors"
	"fmt"
)

// Limits on one filter, so that a request cannot make the server parse or
// evaluate without end.
const (
	MaxBytes    = 64 << 10 // length of the filter text or JSON
	MaxDepth    = 64       // nesting of expressions
	MaxVertices = 10000    // positions in all geometry literals together
)

// ErrInvalid is what every parse error unwraps to.
var ErrInvalid = errors.New("invalid filter")

// Error is a parse error: where (a byte offset into the text, or a JSON
// path) and what was expected.
type Error struct {
	Pos  int    // byte offset in cql2-text; -1 for cql2-json
	Path string // JSON pointer-like path in cql2-json
	Msg  string
}

func (e *Error) Error() string {
	if e.Pos >= 0 {
		return fmt.Sprintf("at offset %d: %s", e.Pos, e.Msg)
	}
	if e.Path != "" {
		return fmt.Sprintf("at %s: %s", e.Path, e.Msg)
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return ErrInvalid }
