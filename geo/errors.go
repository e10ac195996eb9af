package geo

import (
	"errors"
	"fmt"
)

// ErrInvalid is the sentinel every validation error unwraps to, so callers
// (the HTTP layer, the CLI) can branch on "the client sent bad data".
var ErrInvalid = errors.New("invalid")

// ValidationError names what was wrong and where: the feature (its id, or its
// position in the input when it has no id yet) and the field, as a JSON path
// such as "properties.sources[0].title".
type ValidationError struct {
	Feature string
	Field   string
	Reason  string
}

func (e *ValidationError) Error() string {
	switch {
	case e.Feature != "" && e.Field != "":
		return fmt.Sprintf("feature %s: %s: %s", e.Feature, e.Field, e.Reason)
	case e.Field != "":
		return fmt.Sprintf("%s: %s", e.Field, e.Reason)
	case e.Feature != "":
		return fmt.Sprintf("feature %s: %s", e.Feature, e.Reason)
	}
	return e.Reason
}

func (e *ValidationError) Unwrap() error { return ErrInvalid }

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
