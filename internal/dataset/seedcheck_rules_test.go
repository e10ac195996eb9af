package dataset_test

// The rules that keep the seed auditable (issue 14). Each rule returns the
// problems it finds as "<feature id>: <rule>: <detail>", so a failing check
// names the feature and the rule. The rules read the Natural Earth
// polygons and border lines that the basemap embeds.

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/basemap"
)

// Bounds of uncertainty_m (metres). Below 10 m would claim a survey the
// seed never had; above 150 km a point says nothing about where a thing is.
const (
	minUncertainty = 10
	maxUncertainty = 150_000
	// crossingToBorder: a checkpoint lies at the border; 2 km allows for the
	// customs area behind it and for Natural Earth's 1:10m line.
	crossingToBorder = 2_000
	// sideTolerance: Natural Earth 1:10m is quantized to about 250 m, so a
	// checkpoint at the border may fall just on the other side of it.
	sideTolerance = 1_000
	// outlineTolerance: how far an airspace band's vertex may stray outside
	// the country it is drawn from (the same quantization, rounded vertices).
	outlineTolerance = 2_000
)

// seedSource is one entry of a feature's sources. Role says what it backs:
// "" or "claim" the facts, "position" only the position, "claim+position"
// both.
type seedSource struct {
	Title     string `json:"title"`
	Publisher string `json:"publisher"`
	Date      string `json:"date"`
	URL       string `json:"url"`
	Role      string `json:"role"`
}

func (s seedSource) backsClaim() bool    { return s.Role == "" || strings.Contains(s.Role, "claim") }
func (s seedSource) backsPosition() bool { return strings.Contains(s.Role, "position") }

type timelineEntry struct {
	From   string `json:"from"`
	Status string `json:"status"`
	Source string `json:"source"`
}

// prop is a property's value; null counts as absent.
func prop(f *geo.Feature, name string) (json.RawMessage, bool) {
	raw, ok := f.Property(name)
	return raw, ok && string(raw) != "null"
}

// countryMap is the basemap's land polygons by ISO code and its border lines
// by the sorted pair of codes ("BY-PL").
type countryMap struct {
	land    map[string][]orb.Polygon
	borders map[string][]orb.LineString
}

func newCountryMap(bm *basemap.Basemap) *countryMap {
	cm := &countryMap{land: map[string][]orb.Polygon{}, borders: map[string][]orb.LineString{}}
	world := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	for _, l := range bm.Layers {
		for _, f := range l.Features(world) {
			switch g := f.Geometry().(type) {
			case orb.Polygon:
				if l.Name == "land" {
					cm.land[f.String("iso_a2")] = append(cm.land[f.String("iso_a2")], g)
				}
			case orb.LineString:
				if l.Name == "boundaries" {
					cm.borders[f.String("countries")] = append(cm.borders[f.String("countries")], g)
				}
			}
		}
	}
	return cm
}

func (cm *countryMap) inside(cc string, p orb.Point) bool {
	for _, poly := range cm.land[cc] {
		if planar.PolygonContains(poly, p) {
			return true
		}
	}
	return false
}

// distanceToLand is 0 inside the country, else the distance in metres to
// its nearest outline.
func (cm *countryMap) distanceToLand(cc string, p orb.Point) float64 {
	if cm.inside(cc, p) {
		return 0
	}
	best := math.Inf(1)
	for _, poly := range cm.land[cc] {
		for _, r := range poly {
			best = math.Min(best, distanceToLine(p, orb.LineString(r)))
		}
	}
	return best
}

// distanceToBorder is the distance in metres from p to the border line the
// two countries share (+Inf when the basemap has none).
func (cm *countryMap) distanceToBorder(a, b string, p orb.Point) float64 {
	pair := []string{a, b}
	sort.Strings(pair)
	best := math.Inf(1)
	for _, ls := range cm.borders[pair[0]+"-"+pair[1]] {
		best = math.Min(best, distanceToLine(p, ls))
	}
	return best
}

// distanceToLine measures in a local equirectangular projection round p:
// good to well under 1% over the few kilometres the rules care about.
func distanceToLine(p orb.Point, ls orb.LineString) float64 {
	const r = 6371008.8
	kx := r * math.Pi / 180 * math.Cos(p[1]*math.Pi/180)
	ky := r * math.Pi / 180
	best := math.Inf(1)
	for i := 1; i < len(ls); i++ {
		ax, ay := (ls[i-1][0]-p[0])*kx, (ls[i-1][1]-p[1])*ky
		bx, by := (ls[i][0]-p[0])*kx, (ls[i][1]-p[1])*ky
		dx, dy := bx-ax, by-ay
		t := 0.0
		if l2 := dx*dx + dy*dy; l2 > 0 {
			t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l2))
		}
		best = math.Min(best, math.Hypot(ax+t*dx, ay+t*dy))
	}
	return best
}

// seedRule checks one feature of a collection.
type seedRule struct {
	name  string
	check func(cm *countryMap, collection string, f *geo.Feature) []string
}

var seedRules = []seedRule{
	{"source-url-and-date", checkSourceLinks},
	{"confirmed-two-publishers", checkConfirmed},
	{"position-reference", checkPositionReference},
	{"uncertainty", checkUncertainty},
	{"inside-country", checkInsideCountry},
	{"crossing-at-border", checkCrossingAtBorder},
	{"timeline-sourced", checkTimeline},
}

// checkSeedFeature runs every rule and prefixes each problem with the
// feature and the rule.
func checkSeedFeature(cm *countryMap, collection string, f *geo.Feature) []string {
	var out []string
	for _, r := range seedRules {
		for _, p := range r.check(cm, collection, f) {
			out = append(out, fmt.Sprintf("%s: %s: %s", f.ID(), r.name, p))
		}
	}
	return out
}

func sourcesOf(f *geo.Feature) ([]seedSource, error) {
	raw, _ := prop(f, "sources")
	var ss []seedSource
	err := json.Unmarshal(raw, &ss)
	return ss, err
}

func checkSourceLinks(_ *countryMap, _ string, f *geo.Feature) []string {
	ss, err := sourcesOf(f)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for i, s := range ss {
		if u, err := url.Parse(s.URL); s.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			out = append(out, fmt.Sprintf("sources[%d] (%s) has no http(s) url", i, s.Publisher))
		}
		if d, err := geo.ParseTime(s.Date, false); s.Date == "" || err != nil {
			out = append(out, fmt.Sprintf("sources[%d] (%s) has no valid date", i, s.Publisher))
		} else if d.After(time.Now()) {
			out = append(out, fmt.Sprintf("sources[%d] (%s) is dated %s, in the future", i, s.Publisher, s.Date))
		}
		if strings.TrimSpace(s.Publisher) == "" {
			out = append(out, fmt.Sprintf("sources[%d] has no publisher", i))
		}
		text := strings.ToLower(s.Title + " " + s.Publisher)
		if strings.Contains(text, "compiler") || strings.Contains(text, "sitmap project") {
			out = append(out, fmt.Sprintf("sources[%d] is the compiler's own knowledge, not a publication", i))
		}
		if s.Role != "" && s.Role != "claim" && s.Role != "position" && s.Role != "claim+position" {
			out = append(out, fmt.Sprintf("sources[%d] role %q is not claim, position or claim+position", i, s.Role))
		}
	}
	return out
}

// checkConfirmed: "confirmed" needs two publishers backing the claim;
// sources that only give the position do not count.
func checkConfirmed(_ *countryMap, _ string, f *geo.Feature) []string {
	if f.String("confidence") != "confirmed" {
		return nil
	}
	ss, _ := sourcesOf(f)
	pubs := map[string]bool{}
	for _, s := range ss {
		if s.backsClaim() {
			pubs[publisherKey(s.Publisher)] = true
		}
	}
	if len(pubs) < 2 {
		return []string{fmt.Sprintf("confirmed rests on %d publisher(s) backing the claim, needs 2", len(pubs))}
	}
	return nil
}

// publisherKey folds the forms of one publisher together: "BelTA (via
// news.mail.ru)" and "BelTA (German service)" are one publisher, not two.
func publisherKey(p string) string {
	if i := strings.Index(p, " ("); i > 0 {
		p = p[:i]
	}
	return strings.ToLower(strings.TrimSpace(p))
}

// checkPositionReference: every point, and every polygon whose outline is
// stated as approximate, cites where its position comes from.
func checkPositionReference(_ *countryMap, _ string, f *geo.Feature) []string {
	_, isPoint := f.Geometry().(orb.Point)
	if _, hasU := prop(f, "uncertainty_m"); !isPoint && !hasU {
		return nil
	}
	ss, _ := sourcesOf(f)
	for _, s := range ss {
		if s.backsPosition() {
			return nil
		}
	}
	return []string{`no source with role "position" or "claim+position" says where the position comes from`}
}

func checkUncertainty(_ *countryMap, _ string, f *geo.Feature) []string {
	raw, ok := prop(f, "uncertainty_m")
	_, isPoint := f.Geometry().(orb.Point)
	if !ok {
		if isPoint {
			return []string{"a point needs uncertainty_m"}
		}
		return nil
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return []string{fmt.Sprintf("uncertainty_m %s is not a number", raw)}
	}
	if v < minUncertainty || v > maxUncertainty {
		return []string{fmt.Sprintf("uncertainty_m %v is outside [%d, %d] m", v, minUncertainty, maxUncertainty)}
	}
	return nil
}

// checkInsideCountry: a point lies in the country it names (a crossing may
// sit up to sideTolerance over its border line); a polygon's vertices lie
// within outlineTolerance of that country, or, for outlines drawn round an
// estimated centre (training grounds), the centre does.
func checkInsideCountry(cm *countryMap, collection string, f *geo.Feature) []string {
	cc := f.String("country")
	if len(cm.land[cc]) == 0 {
		return []string{fmt.Sprintf("the basemap has no land for country %q", cc)}
	}
	switch g := f.Geometry().(type) {
	case orb.Point:
		if cm.inside(cc, g) {
			return nil
		}
		if a, b, ok := crossingSides(f); ok && collection == "border-crossings" && cm.distanceToBorder(a, b, g) <= sideTolerance {
			return nil
		}
		return []string{fmt.Sprintf("point %.5f,%.5f is %.1f km outside %s", g[1], g[0], cm.distanceToLand(cc, g)/1000, cc)}
	case orb.Polygon, orb.MultiPolygon:
		if collection == "training-grounds" {
			c, _ := planar.CentroidArea(g)
			if !cm.inside(cc, c) {
				return []string{fmt.Sprintf("outline centre %.5f,%.5f is %.1f km outside %s", c[1], c[0], cm.distanceToLand(cc, c)/1000, cc)}
			}
			return nil
		}
		return checkOutline(cm, cc, g)
	}
	return nil
}

func checkOutline(cm *countryMap, cc string, g orb.Geometry) []string {
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	}
	for _, poly := range polys {
		for _, r := range poly {
			for _, p := range r {
				if d := cm.distanceToLand(cc, p); d > outlineTolerance {
					return []string{fmt.Sprintf("vertex %.5f,%.5f is %.1f km outside %s", p[1], p[0], d/1000, cc)}
				}
			}
		}
	}
	return nil
}

func crossingSides(f *geo.Feature) (string, string, bool) {
	raw, ok := prop(f, "countries")
	var cs []string
	if !ok || json.Unmarshal(raw, &cs) != nil || len(cs) != 2 {
		return "", "", false
	}
	return cs[0], cs[1], true
}

func checkCrossingAtBorder(cm *countryMap, collection string, f *geo.Feature) []string {
	if collection != "border-crossings" {
		return nil
	}
	a, b, ok := crossingSides(f)
	if !ok {
		return []string{"a crossing needs countries: the two ISO codes it joins"}
	}
	p, ok := f.Geometry().(orb.Point)
	if !ok {
		return []string{"a crossing must be a point"}
	}
	if d := cm.distanceToBorder(a, b, p); d > crossingToBorder {
		return []string{fmt.Sprintf("point is %.1f km from the %s–%s border line, more than %.0f km", d/1000, a, b, crossingToBorder/1000.0)}
	}
	return nil
}

// checkTimeline: every status change cites, by url, one of the feature's
// sources.
func checkTimeline(_ *countryMap, _ string, f *geo.Feature) []string {
	raw, ok := prop(f, "timeline")
	if !ok {
		return nil
	}
	var tl []timelineEntry
	if err := json.Unmarshal(raw, &tl); err != nil {
		return []string{err.Error()}
	}
	ss, _ := sourcesOf(f)
	cited := map[string]bool{}
	for _, s := range ss {
		cited[s.URL] = true
	}
	var out []string
	for i, e := range tl {
		if e.Source == "" || !cited[e.Source] {
			out = append(out, fmt.Sprintf("timeline[%d] (%s from %s) does not cite one of the feature's source urls", i, e.Status, e.From))
		}
	}
	return out
}
