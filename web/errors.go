package web

import (
	"errors"
	"net/http"

	"github.com/sitmap/sitmap/geo"
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

// classify is the one place where errors become HTTP statuses.
func classify(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ve *geo.ValidationError
	switch {
	case errors.As(err, &ve):
		return &apiError{Status: http.StatusBadRequest, Code: "InvalidValue", Description: ve.Error(), Field: ve.Field}
	case errors.Is(err, geo.ErrInvalid):
		return &apiError{Status: http.StatusBadRequest, Code: "InvalidValue", Description: err.Error()}
	case errors.Is(err, store.ErrNotFound):
		return notFound(err.Error())
	case errors.Is(err, store.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: "Conflict", Description: err.Error()}
	case errors.Is(err, store.ErrVersionMismatch):
		return &apiError{Status: http.StatusPreconditionFailed, Code: "PreconditionFailed", Description: err.Error()}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "ServerError", Description: "internal server error"}
}
