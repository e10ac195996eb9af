package geo

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"

	"github.com/paulmach/orb"
)

// MaxVertices bounds the size of one feature's geometry.
const MaxVertices = 1_000_000

// Validate checks a feature against the data model and the collection's
// rules. The error is a *ValidationError naming the field; the caller adds
// which feature it was.
func Validate(f *Feature, c *Collection) error {
	if f.ID() != "" && !ValidID(f.ID()) {
		return invalid("id", "%q must be 1 to 128 characters of a-z, 0-9 and -", f.ID())
	}
	if err := validateGeometry(f.Geometry(), c); err != nil {
		return err
	}
	for _, check := range []func(*Feature, *Collection) error{
		validateLimits, validateName, validateCountry, validateStatus, validateConfidence,
		validateSources, validateValidity, validateTimeline, validateText,
		validateUncertainty,
	} {
		if err := check(f, c); err != nil {
			return err
		}
	}
	return nil
}

// ValidateAll validates a batch and names the failing feature by id, or by
// its position when it has none.
func ValidateAll(fs []*Feature, c func(f *Feature) *Collection) error {
	for i, f := range fs {
		if err := Validate(f, c(f)); err != nil {
			return InFeature(err, i, f.ID(), "")
		}
	}
	return nil
}

func validateGeometry(g orb.Geometry, c *Collection) error {
	if g == nil {
		return invalid("geometry", "is required")
	}
	if !c.AllowsGeometry(g.GeoJSONType()) {
		return invalid("geometry.type", "%s is not allowed in %s (allowed: %s)", g.GeoJSONType(), c.ID, strings.Join(c.Geometry, ", "))
	}
	n := 0
	var bad func(path string) error // why the walk stopped, once it knows where
	path, stopped := walkPoints(g, func(p orb.Point) bool {
		n++
		switch {
		case math.IsNaN(p[0]) || math.IsInf(p[0], 0) || p[0] < -180 || p[0] > 180:
			bad = func(path string) error {
				return invalid("geometry.coordinates"+path, "longitude %v is outside [-180, 180]", p[0])
			}
		case math.IsNaN(p[1]) || math.IsInf(p[1], 0) || p[1] < -90 || p[1] > 90:
			bad = func(path string) error {
				return invalid("geometry.coordinates"+path, "latitude %v is outside [-90, 90]", p[1])
			}
		case n > MaxVertices:
			bad = func(string) error { return invalid("geometry.coordinates", "more than %d vertices", MaxVertices) }
		}
		return bad == nil
	})
	if stopped {
		return bad(path)
	}
	return validateShape(g)
}

// walkPoints visits every position until fn returns false, and returns
// the JSON path below "coordinates" of the one it stopped at (made only
// then: a polygon may have a million positions).
func walkPoints(g orb.Geometry, fn func(orb.Point) bool) (string, bool) {
	switch g := g.(type) {
	case orb.Point:
		return "", !fn(g)
	case orb.MultiPoint:
		if j, stop := walkSeq(g, fn); stop {
			return fmt.Sprintf("[%d]", j), true
		}
	case orb.LineString:
		if j, stop := walkSeq(g, fn); stop {
			return fmt.Sprintf("[%d]", j), true
		}
	case orb.MultiLineString:
		for i, ls := range g {
			if j, stop := walkSeq(ls, fn); stop {
				return fmt.Sprintf("[%d][%d]", i, j), true
			}
		}
	case orb.Polygon:
		if r, j, stop := walkRings(g, fn); stop {
			return fmt.Sprintf("[%d][%d]", r, j), true
		}
	case orb.MultiPolygon:
		for i, p := range g {
			if r, j, stop := walkRings(p, fn); stop {
				return fmt.Sprintf("[%d][%d][%d]", i, r, j), true
			}
		}
	}
	return "", false
}

// walkSeq is walkPoints over positions: where it stopped.
func walkSeq[T ~[]orb.Point](ps T, fn func(orb.Point) bool) (int, bool) {
	for i, p := range ps {
		if !fn(p) {
			return i, true
		}
	}
	return 0, false
}

// walkRings is walkPoints over a polygon's rings: the ring and position
// it stopped at.
func walkRings(p orb.Polygon, fn func(orb.Point) bool) (int, int, bool) {
	for r, ring := range p {
		if j, stop := walkSeq(ring, fn); stop {
			return r, j, true
		}
	}
	return 0, 0, false
}

func validateShape(g orb.Geometry) error {
	const field = "geometry.coordinates"
	switch g := g.(type) {
	case orb.MultiPoint:
		if len(g) == 0 {
			return invalid(field, "a MultiPoint needs at least one position")
		}
	case orb.LineString:
		if len(g) < 2 {
			return invalid(field, "a LineString needs at least 2 positions")
		}
	case orb.MultiLineString:
		if len(g) == 0 {
			return invalid(field, "a MultiLineString needs at least one line")
		}
		for i, ls := range g {
			if len(ls) < 2 {
				return invalid(fmt.Sprintf("%s[%d]", field, i), "a line needs at least 2 positions")
			}
		}
	case orb.Polygon:
		return validatePolygon(field, g)
	case orb.MultiPolygon:
		if len(g) == 0 {
			return invalid(field, "a MultiPolygon needs at least one polygon")
		}
		for i, p := range g {
			if err := validatePolygon(fmt.Sprintf("%s[%d]", field, i), p); err != nil {
				return err
			}
		}
	}
	return nil
}

func validatePolygon(field string, p orb.Polygon) error {
	if len(p) == 0 {
		return invalid(field, "a polygon needs at least one ring")
	}
	for i, r := range p {
		path := fmt.Sprintf("%s[%d]", field, i)
		if len(r) < 4 {
			return invalid(path, "a ring needs at least 4 positions, got %d", len(r))
		}
		if r[0] != r[len(r)-1] {
			return invalid(path, "ring is not closed: the first and last positions differ")
		}
	}
	return nil
}

func stringProp(f *Feature, name string, required bool) (string, error) {
	raw, ok := f.raw(name)
	if !ok || raw == "null" {
		if required {
			return "", invalid("properties."+name, "is required")
		}
		return "", nil
	}
	s, isString := decodeString(raw)
	if !isString {
		return "", invalid("properties."+name, "must be a string")
	}
	if required && strings.TrimSpace(s) == "" {
		return "", invalid("properties."+name, "must not be empty")
	}
	return s, nil
}

func validateName(f *Feature, _ *Collection) error {
	_, err := stringProp(f, "name", true)
	return err
}

func validateCountry(f *Feature, _ *Collection) error {
	s, err := stringProp(f, "country", true)
	if err != nil {
		return err
	}
	if !IsCountry(s) {
		return invalid("properties.country", "%q is not an ISO 3166-1 alpha-2 code (such as PL or BY)", s)
	}
	return nil
}

func validateStatus(f *Feature, c *Collection) error {
	s, err := stringProp(f, "status", true)
	if err != nil {
		return err
	}
	if !c.AllowsStatus(s) {
		return invalid("properties.status", "%q is not one of %s", s, strings.Join(c.Statuses, ", "))
	}
	return nil
}

func validateConfidence(f *Feature, _ *Collection) error {
	s, err := stringProp(f, "confidence", true)
	if err != nil {
		return err
	}
	if !contains(Confidences, s) {
		return invalid("properties.confidence", "%q is not one of %s", s, strings.Join(Confidences, ", "))
	}
	return nil
}

// MaxUncertainty bounds uncertainty_m: 2,000 km is wider than any country
// the data is about, so a larger radius is a unit mistake, not a position.
const MaxUncertainty = 2_000_000

// validateUncertainty checks the optional uncertainty_m: the radius in
// metres within which the true position lies, as the sources allow.
func validateUncertainty(f *Feature, _ *Collection) error {
	raw, present := f.raw("uncertainty_m")
	if !present || raw == "null" {
		return nil
	}
	var v float64
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return invalid("properties.uncertainty_m", "must be a number of metres, got %s", raw)
	}
	if v < 0 || v > MaxUncertainty {
		return invalid("properties.uncertainty_m", "%v is outside [0, %d] metres", v, MaxUncertainty)
	}
	return nil
}

// Source is one reference backing a feature.
type Source struct {
	Title     *string `json:"title"`
	Publisher *string `json:"publisher"`
	Date      *string `json:"date"`
	URL       *string `json:"url"`
}

func validateSources(f *Feature, _ *Collection) error {
	raw, ok := f.raw("sources")
	if !ok {
		return invalid("properties.sources", "is required: at least one source with a title")
	}
	var buf [4]fields
	sources, ok := readEntries(raw, sourceFields, buf[:0])
	if !ok {
		var decoded []Source
		if err := json.Unmarshal([]byte(raw), &decoded); err != nil {
			return invalid("properties.sources", "must be a list of {title, publisher, date, url}")
		}
		sources = sources[:0]
		for _, s := range decoded {
			sources = append(sources, entryOf(s.Title, s.Publisher, s.Date, s.URL))
		}
	}
	if len(sources) == 0 {
		return invalid("properties.sources", "needs at least one source")
	}
	for i, s := range sources {
		field := func() string { return fmt.Sprintf("properties.sources[%d]", i) } // for errors only
		title, date, u := s[0], s[2], s[3]
		if !title.set || strings.TrimSpace(title.v) == "" {
			return invalid(field()+".title", "is required")
		}
		if date.set {
			if _, err := ParseTime(date.v, false); err != nil {
				return invalid(field()+".date", "%v", err)
			}
		}
		if u.set {
			parsed, err := url.Parse(u.v)
			if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
				return invalid(field()+".url", "%q is not an http or https URL", u.v)
			}
		}
	}
	return nil
}

// sourceFields are a source's members, in the order of fields, as Source
// names them.
var sourceFields = [4]string{"title", "publisher", "date", "url"}

// fields are the string members of one entry of a list (a source, a
// timeline entry), as a struct of *string fields would decode them: set
// when present and not null.
type fields [4]struct {
	v   string
	set bool
}

// entryOf makes fields of decoded *string members.
func entryOf(ps ...*string) fields {
	var e fields
	for i, p := range ps {
		if p != nil {
			e[i].v, e[i].set = *p, true
		}
	}
	return e
}

// readEntries reads raw, a compact JSON value, into out as encoding/json
// would decode it into a slice of structs with a *string field per name,
// without decoding it: an import validates every feature's sources. It
// reports false for anything it does not read exactly as encoding/json
// does (not a list of objects, a member not a string, a name that matches
// only ignoring case), which the caller decodes, so the errors stay
// encoding/json's.
func readEntries(raw string, names [4]string, out []fields) ([]fields, bool) {
	if raw == "null" {
		return out, true
	}
	if len(raw) < 2 || raw[0] != '[' {
		return out, false
	}
	for i := 1; raw[i] != ']'; {
		end := skipValue(raw, i)
		if end < 0 || end >= len(raw) {
			return out, false
		}
		e, ok := readEntry(raw[i:end], names)
		if !ok {
			return out, false
		}
		out = append(out, e)
		if i = end; raw[i] == ',' {
			i++
		}
	}
	return out, true
}

// readEntry reads one object (or null) of readEntries' list.
func readEntry(raw string, names [4]string) (fields, bool) {
	var e fields
	if raw == "null" {
		return e, true
	}
	ok := eachMember(raw, func(key, val string) bool {
		for j, name := range names {
			switch {
			case key == name && val == "null":
				e[j].v, e[j].set = "", false
				return true
			case key == name:
				s, isString := decodeString(val)
				e[j].v, e[j].set = s, true
				return isString
			case strings.EqualFold(key, name):
				return false
			}
		}
		return true
	})
	return e, ok
}

func validateValidity(f *Feature, _ *Collection) error {
	var iv Interval
	for _, name := range []string{"valid_from", "valid_to"} {
		s, err := stringProp(f, name, false)
		if err != nil {
			return err
		}
		if s == "" {
			continue // absent: an open end, and valid_to is still checked
		}
		t, err := ParseTime(s, name == "valid_to")
		if err != nil {
			return invalid("properties."+name, "%v", err)
		}
		if name == "valid_from" {
			iv.Start = t
		} else {
			iv.End = t
		}
	}
	if !iv.Start.IsZero() && !iv.End.IsZero() && iv.End.Before(iv.Start) {
		return invalid("properties.valid_to", "is before valid_from")
	}
	return nil
}

func validateTimeline(f *Feature, c *Collection) error {
	raw, ok := f.raw("timeline")
	if !ok || raw == "null" {
		return nil
	}
	var buf [4]fields
	tl, ok := readEntries(raw, timelineFields, buf[:0])
	if !ok {
		var decoded []struct {
			From   *string `json:"from"`
			To     *string `json:"to"`
			Status *string `json:"status"`
			Note   *string `json:"note"`
		}
		if json.Unmarshal([]byte(raw), &decoded) != nil {
			return invalid("properties.timeline", "must be a list of {from, to, status, note}")
		}
		tl = tl[:0]
		for _, e := range decoded {
			tl = append(tl, entryOf(e.From, e.To, e.Status, e.Note))
		}
	}
	for i, e := range tl {
		if err := validateTimelineEntry(fmt.Sprintf("properties.timeline[%d]", i), e, c); err != nil {
			return err
		}
	}
	return nil
}

// timelineFields are a timeline entry's members, in the order of fields.
var timelineFields = [4]string{"from", "to", "status", "note"}

func validateTimelineEntry(field string, e fields, c *Collection) error {
	from, to, status := e[0], e[1], e[2]
	if !from.set {
		return invalid(field+".from", "is required")
	}
	start, err := ParseTime(from.v, false)
	if err != nil {
		return invalid(field+".from", "%v", err)
	}
	if to.set {
		end, err := ParseTime(to.v, false)
		if err != nil {
			return invalid(field+".to", "%v", err)
		}
		if end.Before(start) {
			return invalid(field+".to", "is before from")
		}
	}
	if !status.set || !c.AllowsStatus(status.v) || status.v == "" {
		return invalid(field+".status", "must be one of %s", strings.Join(c.Statuses, ", "))
	}
	return nil
}

func validateText(f *Feature, _ *Collection) error {
	for _, name := range []string{"name_local", "description"} {
		if _, err := stringProp(f, name, false); err != nil {
			return err
		}
	}
	return nil
}

// iso3166 lists the assigned ISO 3166-1 alpha-2 codes.
const iso3166 = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
	"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
	"UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

// IsCountry reports whether code is an assigned ISO 3166-1 alpha-2 code.
func IsCountry(code string) bool {
	return len(code) == 2 && strings.Contains(iso3166, code) && strings.ToUpper(code) == code &&
		strings.Index(iso3166, code)%3 == 0
}
