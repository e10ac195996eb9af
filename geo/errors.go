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

// InFeature names the feature a validation error is about: by its position
// in the input and its id when it has one ("#3 (crossing-x)"); prefix, if
// not empty, goes before the field ("features[3]"). Other errors pass
// through; the original error is never changed.
func InFeature(err error, index int, id, prefix string) error {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	named := *ve
	named.Feature = fmt.Sprintf("#%d", index)
	if id != "" {
		named.Feature = fmt.Sprintf("#%d (%s)", index, id)
	}
	if prefix != "" && named.Field != "" {
		named.Field = prefix + "." + named.Field
	}
	return &named
}

func invalid(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
