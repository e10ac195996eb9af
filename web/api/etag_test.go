package api_test

import (
	"testing"

	"github.com/sitmap/sitmap/web/api"
)

func TestETagMatches(t *testing.T) {
	const tag = `"v7"`
	cases := []struct {
		header string
		weakOK bool
		want   bool
	}{
		{`"v7"`, false, true},
		{`"v6"`, false, false},
		{`"v6", "v7"`, false, true},
		{`"v6",  "v7" `, false, true},
		{`*`, false, true},
		{`W/"v7"`, false, false}, // If-Match compares strongly
		{`W/"v7"`, true, true},   // If-None-Match compares weakly
		{`W/"v6", W/"v7"`, true, true},
		{`v7`, true, false}, // an unquoted tag is another tag
		{``, true, false},
	}
	for _, c := range cases {
		if got := api.ETagMatches(c.header, tag, c.weakOK); got != c.want {
			t.Errorf("ETagMatches(%q, %s, weak %v) = %v, want %v", c.header, tag, c.weakOK, got, c.want)
		}
	}
}
