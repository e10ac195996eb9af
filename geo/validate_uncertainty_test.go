package geo_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/geo"
)

// The features are decoded from JSON, not built from fields, so that the
// test reads the same after the feature model stops exporting them.
func TestValidateUncertainty(t *testing.T) {
	const base = `{"type":"Feature","id":"x","geometry":{"type":"Point","coordinates":[23.6,52.07]},
		"properties":{"name":"X","country":"PL","status":"open","confidence":"reported",
		"sources":[{"title":"T","publisher":"P","date":"2025-09-11","url":"https://example.org/a"}]%s}}`
	tests := []struct {
		name, prop string
		ok         bool
	}{
		{"absent", ``, true},
		{"null", `,"uncertainty_m":null`, true},
		{"zero", `,"uncertainty_m":0`, true},
		{"metres", `,"uncertainty_m":1500`, true},
		{"fraction", `,"uncertainty_m":12.5`, true},
		{"the upper bound", `,"uncertainty_m":2000000`, true},
		{"a string", `,"uncertainty_m":"1500"`, false},
		{"negative", `,"uncertainty_m":-1`, false},
		{"over the bound", `,"uncertainty_m":2000001`, false},
		{"an object", `,"uncertainty_m":{"m":5}`, false},
		{"a boolean", `,"uncertainty_m":true`, false},
	}
	c := &geo.Collection{ID: "border-crossings", Statuses: []string{"open"}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := geo.DecodeFeature([]byte(strings.Replace(base, "%s", tc.prop, 1)))
			if err != nil {
				t.Fatalf("DecodeFeature: %v", err)
			}
			err = geo.Validate(f, c)
			if tc.ok {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ve *geo.ValidationError
			if !errors.As(err, &ve) || ve.Field != "properties.uncertainty_m" {
				t.Fatalf("Validate = %v, want an error naming properties.uncertainty_m", err)
			}
		})
	}
}
