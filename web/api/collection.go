package api

import (
	"encoding/json"
	"strconv"
	"time"
)

// CollectionHead are the members of a GeoJSON FeatureCollection answer
// that come before its features; a member left at its zero value (Matched
// below 0, TimeStamp zero, Links nil) is left out.
type CollectionHead struct {
	Matched   int // numberMatched
	Returned  int // numberReturned
	TimeStamp time.Time
	Links     []Link
}

// AppendFeatureCollection is the one writer of the FeatureCollections the
// API answers with (a page of items, the features a POST made, a
// feature's versions): the head, then n features that feature appends, one
// by one, comma-separated. An error from feature (a client gone, a
// coordinate that does not convert) stops it.
func AppendFeatureCollection(buf []byte, h CollectionHead, n int, feature func(buf []byte, i int) ([]byte, error)) ([]byte, error) {
	buf = append(buf, `{"type":"FeatureCollection"`...)
	if h.Matched >= 0 {
		buf = strconv.AppendInt(append(buf, `,"numberMatched":`...), int64(h.Matched), 10)
	}
	buf = strconv.AppendInt(append(buf, `,"numberReturned":`...), int64(h.Returned), 10)
	if !h.TimeStamp.IsZero() {
		buf = append(h.TimeStamp.UTC().AppendFormat(append(buf, `,"timeStamp":"`...), time.RFC3339), '"')
	}
	if h.Links != nil {
		lb, err := json.Marshal(h.Links)
		if err != nil {
			return nil, err
		}
		buf = append(append(buf, `,"links":`...), lb...)
	}
	buf = append(buf, `,"features":[`...)
	for i := range n {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = feature(buf, i); err != nil {
			return nil, err
		}
	}
	return append(buf, "]}"...), nil
}
