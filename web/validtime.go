package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/sitmap/sitmap/geo"
)

// atInstant shows features as they stood at an instant of valid time (an
// instant datetime): status from the timeline, status_source naming the
// entry (geo.Feature.AsAt). A zero instant leaves them as stored.
func atInstant(fs []*geo.Feature, at time.Time) []*geo.Feature {
	if at.IsZero() {
		return fs
	}
	out := make([]*geo.Feature, len(fs))
	for i, f := range fs {
		out[i] = f.AsAt(at)
	}
	return out
}

// featureParams are the parameters one feature takes besides f.
var featureParams = map[string]bool{"datetime": true, "as_of": true}

// featureDatetime reads one feature's datetime: the instant to show it at
// (an interval leaves it as stored, like items).
func featureDatetime(v url.Values) (time.Time, error) {
	dt := v.Get("datetime")
	if dt == "" {
		return time.Time{}, nil
	}
	_, at, err := geo.ParseDatetimeAt(strings.ReplaceAll(dt, " ", "+"))
	return at, err
}
