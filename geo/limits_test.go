package geo_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/geo"
)

// limitFeature is a valid feature as JSON with its properties replaced
// or added by props (each value raw JSON).
func limitFeature(t *testing.T, props map[string]string) *geo.Feature {
	t.Helper()
	base := map[string]string{
		"name": `"Terespol – Brest"`, "country": `"PL"`, "status": `"closed"`, "confidence": `"confirmed"`,
		"sources": `[{"title":"Poland closes the border","publisher":"Reuters","date":"2025-09-11"}]`,
	}
	for k, v := range props {
		base[k] = v
	}
	var sb strings.Builder
	sb.WriteString(`{"type":"Feature","id":"terespol-brest","geometry":{"type":"Point","coordinates":[23.6,52.07]},"properties":{`)
	first := true
	for k, v := range base {
		if !first {
			sb.WriteByte(',')
		}
		first = false
		q, _ := json.Marshal(k)
		fmt.Fprintf(&sb, "%s:%s", q, v)
	}
	sb.WriteString("}}")
	f, err := geo.DecodeFeature([]byte(sb.String()))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return f
}

func quoted(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func nested(depth int) string {
	return strings.Repeat("[", depth) + "1" + strings.Repeat("]", depth)
}

func listOf(n int, item string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
}

func TestValidateLimits(t *testing.T) {
	entry := `{"from":"2025-09-12","status":"closed"}`
	source := `{"title":"a report"}`
	tests := []struct {
		name  string
		props map[string]string
		field string // "" when the feature is within the limits
	}{
		{"name of 500 characters", map[string]string{"name": quoted(strings.Repeat("я", 500))}, ""},
		{"name of 501 characters", map[string]string{"name": quoted(strings.Repeat("я", 501))}, "properties.name"},
		{"name of a million characters", map[string]string{"name": quoted(strings.Repeat("x", 1_000_000))}, "properties.name"},
		{"local name of 501 characters", map[string]string{"name_local": quoted(strings.Repeat("я", 501))}, "properties.name_local"},
		{"description of 20,000 characters", map[string]string{"description": quoted(strings.Repeat("d", 20_000))}, ""},
		{"description of 20,001 characters", map[string]string{"description": quoted(strings.Repeat("d", 20_001))}, "properties.description"},
		{"escapes count as one character", map[string]string{"name": quoted(strings.Repeat("\"", 500))}, ""},
		{"long string nested in an unknown property", map[string]string{"notes": `{"a":[` + quoted(strings.Repeat("n", 20_001)) + `]}`}, "properties.notes"},
		{"unknown property nested 32 deep", map[string]string{"deep": nested(32)}, ""},
		{"unknown property nested 33 deep", map[string]string{"deep": nested(33)}, "properties.deep"},
		{"unknown property nested 9,000 deep", map[string]string{"deep": nested(9000)}, "properties.deep"},
		{"timeline of 1,000 entries", map[string]string{"timeline": listOf(1000, entry)}, ""},
		{"timeline of 1,001 entries", map[string]string{"timeline": listOf(1001, entry)}, "properties.timeline"},
		{"timeline of 200,000 entries", map[string]string{"timeline": listOf(200_000, entry)}, "properties.timeline"},
		{"100 sources", map[string]string{"sources": listOf(100, source)}, ""},
		{"101 sources", map[string]string{"sources": listOf(101, source)}, "properties.sources"},
		{"NUL in the name", map[string]string{"name": `"Brest\u0000"`}, "properties.name"},
		{"BEL in the name", map[string]string{"name": `"Brest\u0007"`}, "properties.name"},
		{"right-to-left override in the name", map[string]string{"name": `"Brest\u202egpj.exe"`}, "properties.name"},
		{"isolate in the local name", map[string]string{"name_local": `"Брэст\u2066"`}, "properties.name_local"},
		{"line separator in the name", map[string]string{"name": `"Brest\u2028"`}, "properties.name"},
		{"control character in a property name", map[string]string{"bad\u0001key": `1`}, "properties"},
		{"newlines stay allowed in a description", map[string]string{"description": `"line one\nline two\ttab"`}, ""},
		{"a surrogate pair is one character", map[string]string{"name": quoted(strings.Repeat("😀", 500))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := geo.Validate(limitFeature(t, tt.props), testCollection())
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var ve *geo.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("Validate = %v (field %q), want an error naming %s", err, fieldOf(err), tt.field)
			}
		})
	}
}

func TestCheckText(t *testing.T) {
	for _, tt := range []struct {
		doc string
		ok  bool
	}{
		{`{"a":"plain"}`, true},
		{`{"a":"\ud83d\ude00 pair","b":"\u00e9 \\u escaped backslash"}`, true},
		{"{\"a\":\"caf\xc3\xa9\"}", true},
		{"{\"a\":\"caf\xe9\"}", false},
		{`{"a":"\ude00"}`, false},
		{`{"a":"\ud83d"}`, false},
		{`{"a":"\ud83d\u0041"}`, false},
		{"{\"k\xff\":1}", false},
	} {
		err := geo.CheckText([]byte(tt.doc))
		if (err == nil) != tt.ok {
			t.Errorf("CheckText(%q) = %v, want ok=%v", tt.doc, err, tt.ok)
		}
	}
}
