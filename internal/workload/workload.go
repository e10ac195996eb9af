package workload

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// Full-scale counts (scale 1).
const (
	Points   = 200_000
	Polygons = 20_000
	Lines    = 2_000
)

// Collection ids.
const (
	PointsID   = "points"
	PolygonsID = "polygons"
	LinesID    = "lines"
)

// Bound is the area the features lie in.
var Bound = orb.Bound{Min: orb.Point{14, 49}, Max: orb.Point{33, 58}}

const (
	seed   = 2025
	nTowns = 300
)

// Statuses is the status vocabulary of the three collections.
var Statuses = []string{"active", "inactive", "unknown"}

// Collections returns the three collections the features go into.
func Collections() []geo.Collection {
	mk := func(id, title, typ string) geo.Collection {
		return geo.Collection{
			ID:          id,
			Title:       title,
			Description: "generated benchmark workload",
			Geometry:    []string{typ},
			Statuses:    Statuses,
			Queryables: map[string]geo.Queryable{
				"kind": {Type: "string", Description: "generated category"},
			},
		}
	}
	return []geo.Collection{
		mk(PointsID, "Points", "Point"),
		mk(PolygonsID, "Polygons", "Polygon"),
		mk(LinesID, "Lines", "LineString"),
	}
}

// Town is a cluster centre and how far its features spread (degrees of
// latitude, one standard deviation).
type Town struct {
	Name   string
	Center orb.Point
	Spread float64
}

// Towns returns the cluster centres, the same on every call. Benchmarks use
// them to aim queries where the data is.
func Towns() []Town {
	r := rand.New(rand.NewPCG(seed, 1))
	towns := make([]Town, nTowns)
	for i := range towns {
		towns[i] = Town{
			Name: fmt.Sprintf("Town %03d", i),
			Center: orb.Point{
				14.5 + r.Float64()*18, // keep the centres a little inside the area
				49.5 + r.Float64()*8,
			},
			Spread: 0.03 + r.Float64()*0.2,
		}
	}
	return towns
}

// Generate makes the workload. Scale 1 gives the full 222,000 features;
// smaller scales give proportionally fewer (at least one of each kind).
// Features come in collection order (points, polygons, lines) with ids that
// sort in the same order.
func Generate(scale float64) []*geo.Feature {
	count := func(n int) int {
		if scale <= 0 {
			return 0
		}
		return max(1, int(math.Round(float64(n)*scale)))
	}
	g := &gen{r: rand.New(rand.NewPCG(seed, 2)), towns: Towns()}
	np, npoly, nl := count(Points), count(Polygons), count(Lines)
	fs := make([]*geo.Feature, 0, np+npoly+nl)
	for i := range np {
		t := g.town()
		fs = append(fs, g.feature(PointsID, fmt.Sprintf("pt-%06d", i), t, g.near(t)))
	}
	for i := range npoly {
		t := g.town()
		fs = append(fs, g.feature(PolygonsID, fmt.Sprintf("pg-%05d", i), t, g.polygon(g.near(t))))
	}
	for i := range nl {
		t := g.town()
		fs = append(fs, g.feature(LinesID, fmt.Sprintf("ln-%04d", i), t, g.line(g.near(t))))
	}
	return fs
}

type gen struct {
	r     *rand.Rand
	towns []Town
}

func (g *gen) town() Town { return g.towns[g.r.IntN(len(g.towns))] }

// near is a gaussian draw round the town, kept inside Bound.
func (g *gen) near(t Town) orb.Point {
	lat := t.Center[1] + g.r.NormFloat64()*t.Spread
	lon := t.Center[0] + g.r.NormFloat64()*t.Spread/math.Cos(t.Center[1]*math.Pi/180)
	return clampPoint(orb.Point{lon, lat}, 0)
}

// clampPoint keeps p at least margin degrees inside Bound.
func clampPoint(p orb.Point, margin float64) orb.Point {
	p[0] = math.Min(math.Max(p[0], Bound.Min[0]+margin), Bound.Max[0]-margin)
	p[1] = math.Min(math.Max(p[1], Bound.Min[1]+margin), Bound.Max[1]-margin)
	return p
}

const kmPerDegree = 111.32

// polygon is a star-shaped (so simple) polygon of 5–12 vertices, 0.5–5 km
// across, round c.
func (g *gen) polygon(c orb.Point) orb.Polygon {
	c = clampPoint(c, 0.05)
	n := 5 + g.r.IntN(8)
	radius := (0.25 + g.r.Float64()*2.25) / kmPerDegree // degrees of latitude
	cos := math.Cos(c[1] * math.Pi / 180)
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * (float64(i) + 0.8*g.r.Float64()) / float64(n)
		rr := radius * (0.6 + 0.4*g.r.Float64())
		ring = append(ring, orb.Point{round6(c[0] + rr*math.Cos(a)/cos), round6(c[1] + rr*math.Sin(a))})
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}

// line is a random walk of 5–40 vertices, 1–3 km a step, from c.
func (g *gen) line(c orb.Point) orb.LineString {
	n := 5 + g.r.IntN(36)
	ls := make(orb.LineString, 0, n)
	heading := g.r.Float64() * 2 * math.Pi
	p := c
	for range n {
		ls = append(ls, orb.Point{round6(p[0]), round6(p[1])})
		heading += g.r.NormFloat64() * 0.4
		step := (1 + 2*g.r.Float64()) / kmPerDegree
		p = clampPoint(orb.Point{
			p[0] + step*math.Cos(heading)/math.Cos(p[1]*math.Pi/180),
			p[1] + step*math.Sin(heading),
		}, 0)
	}
	return ls
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

var (
	kinds       = []string{"depot", "checkpoint", "camp", "bridge", "antenna", "range", "road"}
	publishers  = []string{"Reuters", "AP", "Notes from Poland", "LSM", "Belsat"}
	confidences = geo.Confidences
)

// country is a rough guess of the territory, enough to be plausible and
// valid.
func country(p orb.Point) string {
	lon, lat := p[0], p[1]
	switch {
	case lat >= 56 && lon < 28:
		return "LV"
	case lat >= 56:
		return "RU"
	case lon < 23.5 && lat < 54.4:
		return "PL"
	case lon < 26.5 && lat >= 54:
		return "LT"
	case lon >= 31.5:
		return "RU"
	case lat < 51.5:
		return "UA"
	}
	return "BY"
}

func (g *gen) feature(cid, id string, t Town, geom orb.Geometry) *geo.Feature {
	c := geom.Bound().Center()
	kind := kinds[g.r.IntN(len(kinds))]
	day := 1 + g.r.IntN(28)
	date := fmt.Sprintf("2025-%02d-%02d", 1+g.r.IntN(12), day)
	props := map[string]json.RawMessage{
		"name":       str(fmt.Sprintf("%s %s %s", t.Name, kind, id)),
		"name_local": str(fmt.Sprintf("%s %s", kind, id)),
		"country":    str(country(c)),
		"status":     str(Statuses[g.r.IntN(len(Statuses))]),
		"confidence": str(confidences[g.r.IntN(len(confidences))]),
		"kind":       str(kind),
		"sources": json.RawMessage(`[{"title":"Generated report ` + id + `","publisher":"` +
			publishers[g.r.IntN(len(publishers))] + `","date":"` + date +
			`","url":"https://example.org/reports/` + id + `"}]`),
	}
	// A third of the features have a temporal extent; a few have a timeline.
	switch g.r.IntN(3) {
	case 0:
		props["valid_from"] = str(date)
		if g.r.IntN(2) == 0 {
			props["valid_to"] = str(fmt.Sprintf("2026-%02d-%02d", 1+g.r.IntN(12), day))
		}
	}
	if g.r.IntN(50) == 0 {
		props["timeline"] = json.RawMessage(`[{"from":"2025-09-12T00:00:00+02:00","to":"2025-09-25","status":"inactive","note":"closed"}]`)
	}
	if g.r.IntN(4) == 0 {
		props["description"] = str("Generated feature near " + t.Name + ".")
	}
	f, err := geo.NewFeature(id, geom, props)
	if err != nil {
		panic(fmt.Sprintf("workload: %v", err)) // the generator makes valid JSON
	}
	return f.WithCollection(cid)
}

func str(s string) json.RawMessage { return json.RawMessage(strconv.Quote(s)) }

// WriteGeoJSON writes the features as one GeoJSON FeatureCollection, each
// with a "collection" property naming its collection (unless it has one),
// so `sitmap import` puts every feature where it belongs.
func WriteGeoJSON(w io.Writer, fs []*geo.Feature) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	var buf []byte
	for i, f := range fs {
		out := f
		if !f.Has("collection") && f.Collection() != "" {
			out = f.WithString("collection", f.Collection())
		}
		buf = out.AppendJSON(buf[:0])
		sep := ",\n"
		if i == 0 {
			sep = "\n"
		}
		if _, err := bw.WriteString(sep); err != nil {
			return err
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("\n]}\n"); err != nil {
		return err
	}
	return bw.Flush()
}
