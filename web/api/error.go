package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/internal/store"
)

// Error is an error with the HTTP status and OGC exception code it maps
// to. Field names the parameter or property at fault, when there is one.
type Error struct {
	Status      int
	Code        string
	Description string
	Field       string
}

func (e *Error) Error() string { return e.Description }

// BadRequest is a 400 naming the parameter or property at fault.
func BadRequest(field, description string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidParameterValue", Description: description, Field: field}
}

// NotFound is a 404.
func NotFound(description string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "NotFound", Description: description}
}

// MethodNotAllowed is a 405; Handler adds the Allow header.
func MethodNotAllowed(description string) *Error {
	return &Error{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed", Description: description}
}

// NotAcceptable is a 406: Accept allows none of the offers.
func NotAcceptable(description string) *Error {
	return &Error{Status: http.StatusNotAcceptable, Code: "NotAcceptable", Description: description}
}

// Unauthorized is a missing or wrong token; the adapter adds WWW-Authenticate.
func Unauthorized(description string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "Unauthorized", Description: description}
}

// UnsupportedMediaType is a 415 naming Content-Type.
func UnsupportedMediaType(description string) *Error {
	return &Error{Status: http.StatusUnsupportedMediaType, Code: "UnsupportedMediaType", Description: description, Field: "Content-Type"}
}

// PreconditionFailed is a 412 naming If-Match.
func PreconditionFailed(description string) *Error {
	return &Error{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed", Description: description, Field: "If-Match"}
}

// StatusClientClosed is nginx's 499: the client went away before the
// answer. Nobody reads it, and it is not the server's fault.
const StatusClientClosed = 499

// ClientClosed is the answer to a request whose client has gone.
func ClientClosed() *Error {
	return &Error{Status: StatusClientClosed, Code: "ClientClosedRequest", Description: "client closed the request"}
}

// Classify is the one place where errors become HTTP statuses.
func Classify(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var ve *geo.ValidationError
	var tooBig *http.MaxBytesError
	var se *store.Error
	if errors.As(err, &se) {
		// The store's message names what failed; its wrapping says how,
		// which is for the log, not the client.
		return storeError(se.Kind, se.Message)
	}
	for _, kind := range []error{store.ErrNotFound, store.ErrConflict, store.ErrVersionMismatch} {
		if errors.Is(err, kind) {
			// A sentinel outside a store.Error says no more than itself.
			return storeError(kind, kind.Error())
		}
	}
	switch {
	case errors.As(err, &tooBig):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "PayloadTooLarge",
			Description: fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)}
	case errors.As(err, &ve):
		field := ve.Field
		if field == "" {
			field = "body"
		}
		return &Error{Status: http.StatusBadRequest, Code: "InvalidValue", Description: ve.Error(), Field: field}
	case errors.Is(err, geo.ErrInvalid):
		// Without a ValidationError nothing says what was wrong, and the
		// error's text is its wrapping: context for the log.
		return &Error{Status: http.StatusBadRequest, Code: "InvalidValue", Description: "invalid value"}
	case errors.Is(err, cql2.ErrTimeout):
		return &Error{Status: http.StatusBadRequest, Code: "InvalidParameterValue", Field: "filter",
			Description: "filter: its evaluation took too long; narrow it with bbox or more terms"}
	case errors.Is(err, geo.ErrTileTooLarge):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "TileTooLarge",
			Description: "the tile holds more than a tile may carry even at its coarsest: ask for a higher zoom or filter it"}
	case errors.Is(err, context.Canceled):
		return ClientClosed()
	}
	return &Error{Status: http.StatusInternalServerError, Code: "ServerError", Description: "internal server error"}
}

// storeError maps each store sentinel, with message for the client; an
// error of no known kind is the server's fault.
func storeError(kind error, message string) *Error {
	switch {
	case errors.Is(kind, store.ErrNotFound):
		return NotFound(message)
	case errors.Is(kind, store.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: "Conflict", Description: message}
	case errors.Is(kind, store.ErrVersionMismatch):
		return PreconditionFailed(message)
	case errors.Is(kind, geo.ErrInvalid):
		return &Error{Status: http.StatusBadRequest, Code: "InvalidValue", Description: message}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "ServerError", Description: "internal server error"}
}
