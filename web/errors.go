package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/internal/store"
)

// apiError is an error with the HTTP status and OGC exception code it maps
// to. Field names the parameter or property at fault, when there is one.
type apiError struct {
	Status      int
	Code        string
	Description string
	Field       string
}

func (e *apiError) Error() string { return e.Description }

func badRequest(field, description string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "InvalidParameterValue", Description: description, Field: field}
}

func notFound(description string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "NotFound", Description: description}
}

func methodNotAllowed(description string) *apiError {
	return &apiError{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed", Description: description}
}

func notAcceptable(description string) *apiError {
	return &apiError{Status: http.StatusNotAcceptable, Code: "NotAcceptable", Description: description}
}

// unauthorized is a missing or wrong token; the adapter adds WWW-Authenticate.
func unauthorized(description string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: "Unauthorized", Description: description}
}

func unsupportedMediaType(description string) *apiError {
	return &apiError{Status: http.StatusUnsupportedMediaType, Code: "UnsupportedMediaType", Description: description, Field: "Content-Type"}
}

func preconditionFailed(description string) *apiError {
	return &apiError{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed", Description: description, Field: "If-Match"}
}

// statusClientClosed is nginx's 499: the client went away before the
// answer. Nobody reads it, and it is not the server's fault.
const statusClientClosed = 499

func clientClosed() *apiError {
	return &apiError{Status: statusClientClosed, Code: "ClientClosedRequest", Description: "client closed the request"}
}

// classify is the one place where errors become HTTP statuses.
func classify(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ve *geo.ValidationError
	var tooBig *http.MaxBytesError
	var se *store.Error
	if errors.As(err, &se) {
		// The store's message names what failed; its wrapping says how,
		// which is for the log, not the client.
		return storeError(se)
	}
	switch {
	case errors.As(err, &tooBig):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: "PayloadTooLarge",
			Description: fmt.Sprintf("request body is larger than %d bytes", tooBig.Limit)}
	case errors.As(err, &ve):
		field := ve.Field
		if field == "" {
			field = "body"
		}
		return &apiError{Status: http.StatusBadRequest, Code: "InvalidValue", Description: ve.Error(), Field: field}
	case errors.Is(err, geo.ErrInvalid):
		return &apiError{Status: http.StatusBadRequest, Code: "InvalidValue", Description: err.Error()}
	case errors.Is(err, cql2.ErrTimeout):
		return &apiError{Status: http.StatusBadRequest, Code: "InvalidParameterValue", Field: "filter",
			Description: "filter: its evaluation took too long; narrow it with bbox or more terms"}
	case errors.Is(err, geo.ErrTileTooLarge):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "TileTooLarge",
			Description: "the tile holds more than a tile may carry even at its coarsest: ask for a higher zoom or filter it"}
	case errors.Is(err, context.Canceled):
		return clientClosed()
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "ServerError", Description: "internal server error"}
}

// storeError maps each store sentinel; an Error of no known kind is the
// server's fault.
func storeError(se *store.Error) *apiError {
	switch {
	case errors.Is(se.Kind, store.ErrNotFound):
		return notFound(se.Message)
	case errors.Is(se.Kind, store.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: "Conflict", Description: se.Message}
	case errors.Is(se.Kind, store.ErrVersionMismatch):
		return preconditionFailed(se.Message)
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "ServerError", Description: "internal server error"}
}
