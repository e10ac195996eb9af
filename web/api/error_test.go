package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
)

// wrap is how a backend adds its context; Classify must never show it.
const wrap = "postgis: write: dsn host=db password=hunter2"

func TestClassify(t *testing.T) {
	ve := &geo.ValidationError{Feature: "#2 (a)", Field: "geometry", Reason: "not a Point"}
	cases := []struct {
		name  string
		err   error
		want  api.Error
		exact bool // the description is exactly want's
	}{
		{"not found", store.Errorf(store.ErrNotFound, "feature places/a not found"),
			api.Error{Status: 404, Code: "NotFound", Description: "feature places/a not found"}, true},
		{"conflict", store.Errorf(store.ErrConflict, "feature places/a exists"),
			api.Error{Status: 409, Code: "Conflict", Description: "feature places/a exists"}, true},
		{"version mismatch", store.Errorf(store.ErrVersionMismatch, "feature places/a is at version 3, not 2"),
			api.Error{Status: 412, Code: "PreconditionFailed", Description: "feature places/a is at version 3, not 2", Field: "If-Match"}, true},
		{"store invalid", store.Errorf(geo.ErrInvalid, `role "root": use editor or admin`),
			api.Error{Status: 400, Code: "InvalidValue", Description: `role "root": use editor or admin`}, true},
		{"store unknown kind", store.Errorf(errors.New("disk full"), "could not write"),
			api.Error{Status: 500, Code: "ServerError", Description: "internal server error"}, true},
		{"bare not found", store.ErrNotFound, api.Error{Status: 404, Code: "NotFound", Description: "not found"}, true},
		{"bare conflict", store.ErrConflict, api.Error{Status: 409, Code: "Conflict", Description: "already exists"}, true},
		{"bare version mismatch", store.ErrVersionMismatch,
			api.Error{Status: 412, Code: "PreconditionFailed", Description: "version mismatch", Field: "If-Match"}, true},
		{"validation", ve, api.Error{Status: 400, Code: "InvalidValue", Description: ve.Error(), Field: "geometry"}, true},
		{"validation without field", &geo.ValidationError{Reason: "empty body"},
			api.Error{Status: 400, Code: "InvalidValue", Description: "empty body", Field: "body"}, true},
		{"bare invalid", geo.ErrInvalid, api.Error{Status: 400, Code: "InvalidValue", Description: "invalid value"}, true},
		{"body too large", &http.MaxBytesError{Limit: 1 << 20},
			api.Error{Status: 413, Code: "PayloadTooLarge", Description: "request body is larger than 1048576 bytes"}, true},
		{"filter timeout", cql2.ErrTimeout, api.Error{Status: 400, Code: "InvalidParameterValue", Field: "filter"}, false},
		{"tile too large", geo.ErrTileTooLarge, api.Error{Status: 422, Code: "TileTooLarge"}, false},
		{"client gone", context.Canceled, api.Error{Status: api.StatusClientClosed, Code: "ClientClosedRequest"}, false},
		{"api error", api.BadRequest("limit", "limit=0 must be from 1"),
			api.Error{Status: 400, Code: "InvalidParameterValue", Description: "limit=0 must be from 1", Field: "limit"}, true},
		{"anything else", errors.New("connection refused"),
			api.Error{Status: 500, Code: "ServerError", Description: "internal server error"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Each error as it comes, and wrapped twice as a backend and
			// a handler would: the answer is the same.
			for _, err := range []error{c.err, fmt.Errorf("handler: %w", fmt.Errorf("%s: %w", wrap, c.err))} {
				got := api.Classify(err)
				if got.Status != c.want.Status || got.Code != c.want.Code || got.Field != c.want.Field {
					t.Errorf("Classify(%v) = %d %s field %q, want %d %s field %q", err, got.Status, got.Code, got.Field, c.want.Status, c.want.Code, c.want.Field)
				}
				if c.exact && got.Description != c.want.Description {
					t.Errorf("Classify(%v).Description = %q, want %q", err, got.Description, c.want.Description)
				}
				if got.Description == "" || strings.Contains(got.Description, "postgis") || strings.Contains(got.Description, "hunter2") ||
					strings.Contains(got.Description, "handler") {
					t.Errorf("Classify(%v).Description = %q: empty, or shows the wrapping", err, got.Description)
				}
			}
		})
	}
}
