package store

import (
	"errors"
	"fmt"
)

// Errors every backend returns, so callers can branch on them.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict: a create hit an existing id.
	ErrConflict = errors.New("already exists")
	// ErrVersionMismatch: a replace or delete expected another version.
	ErrVersionMismatch = errors.New("version mismatch")
)

// Error is a failure a client may be told about: Message says what (which
// feature, which version), for the client; Kind is the sentinel callers
// branch on. Backends wrap it with their own context ("postgis: write:
// ..."), which stays in logs: the HTTP layer shows only Message.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Kind }

// Errorf makes an Error of kind with a formatted message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}
