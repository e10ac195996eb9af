package cql2

import (
	"encoding/json"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// The evaluator reads features only here.

func propertyOf(f *geo.Feature, name string) (json.RawMessage, bool) { return f.Property(name) }

func geometryOf(f *geo.Feature) orb.Geometry { return f.Geometry() }

func extentOf(f *geo.Feature) geo.Interval { return f.Extent() }
