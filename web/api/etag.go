package api

import "strings"

// ETagMatches implements the comparison of If-Match / If-None-Match: a
// list of tags or *; weak tags never match strongly.
func ETagMatches(header, tag string, weakOK bool) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		if strings.HasPrefix(t, "W/") {
			if !weakOK {
				continue
			}
			t = t[2:]
		}
		if t == tag {
			return true
		}
	}
	return false
}
