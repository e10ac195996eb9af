package geo

import (
	"regexp"
	"strings"

	"github.com/paulmach/orb"
)

// Collection describes a layer: its rules (geometry kinds, status
// vocabulary, extra queryable properties) and, filled in by stores, what is
// in it now.
type Collection struct {
	ID          string               `json:"id"`
	Title       string               `json:"title"`
	Description string               `json:"description,omitempty"`
	Geometry    []string             `json:"geometry,omitempty"` // allowed GeoJSON types; empty allows all
	Statuses    []string             `json:"statuses,omitempty"` // status vocabulary; empty allows any
	Queryables  map[string]Queryable `json:"queryables,omitempty"`
	// Temporal declares the period the collection is about, as two
	// RFC 3339 times: the seed covers September 2025. Open-ended features
	// leave the interval computed from the data unbounded, which tells an
	// analyst's time slider nothing.
	Temporal []string `json:"temporal,omitempty"`

	// Computed by the store.
	Count   int       `json:"-"`
	Bound   orb.Bound `json:"-"` // valid only when Count > 0
	Time    Interval  `json:"-"`
	Version int64     `json:"-"` // grows with every change to the collection
}

// TimeExtent is the declared period when there is one, else the interval
// computed from the features.
func (c *Collection) TimeExtent() Interval {
	if len(c.Temporal) != 2 {
		return c.Time
	}
	var iv Interval
	iv.Start, _ = ParseTime(c.Temporal[0], false)
	iv.End, _ = ParseTime(c.Temporal[1], true)
	return iv
}

// Queryable is a property that /items can filter on by equality.
type Queryable struct {
	Type        string   `json:"type"`             // JSON Schema type: string, number, integer, boolean
	Format      string   `json:"format,omitempty"` // JSON Schema format: date-time, geometry-any
	Description string   `json:"description,omitempty"`
	Enum        []string `json:"enum,omitempty"`
}

// Confidences is the vocabulary of the confidence property.
var Confidences = []string{"confirmed", "reported", "suspected"}

// CommonQueryables are filterable in every collection.
func (c *Collection) CommonQueryables() map[string]Queryable {
	q := map[string]Queryable{
		"country":    {Type: "string", Description: "ISO 3166-1 alpha-2 code of the territory"},
		"confidence": {Type: "string", Description: "how sure the claim is", Enum: Confidences},
		"status":     {Type: "string", Description: "status from the collection's vocabulary", Enum: c.Statuses},
	}
	for k, v := range c.Queryables {
		q[k] = v
	}
	return q
}

var idRE = regexp.MustCompile(`^[a-z0-9-]{1,128}$`)

// ValidID reports whether s is a valid feature or collection id.
func ValidID(s string) bool { return idRE.MatchString(s) }

// NewCollection is the collection made on the fly when features are
// imported into an id that does not exist yet: any status, any geometry.
func NewCollection(id string) Collection {
	words := strings.Split(id, "-")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return Collection{ID: id, Title: strings.Join(words, " ")}
}

// AllowsGeometry reports whether the collection accepts the geometry type.
func (c *Collection) AllowsGeometry(typ string) bool {
	return len(c.Geometry) == 0 || contains(c.Geometry, typ)
}

// AllowsStatus reports whether status is in the vocabulary.
func (c *Collection) AllowsStatus(status string) bool {
	return len(c.Statuses) == 0 || contains(c.Statuses, status)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
