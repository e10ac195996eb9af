package crs

import (
	"math"
	"strconv"
	"strings"
)

// URIs of the two geographic systems.
const (
	CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	epsg  = "http://www.opengis.net/def/crs/EPSG/0/"
)

// Ellipsoids: the national grids are on ETRS89-based datums (GRS 1980),
// UTM and Web Mercator on WGS 84. PROJ relates ETRS89, LKS94 and LKS-92 to
// WGS 84 by a null transformation, and so does this package.
const (
	semiMajor   = 6378137.0
	invFlatGRS  = 298.257222101
	invFlatWGS  = 298.257223563
	maxMercator = 85.06 // degrees of latitude Web Mercator is used to
)

// CRS is one coordinate reference system.
type CRS struct {
	URI   string
	Title string
	// NorthFirst: the authority's axis order puts latitude or northing
	// first (EPSG:4326 and the national grids), as coordinates must be
	// written in that order.
	NorthFirst bool
	// Projected systems have a projection; nil for geographic ones.
	proj projection
}

type projection interface {
	forward(lon, lat float64) (east, north float64)
	inverse(east, north float64) (lon, lat float64)
}

// The systems offered, in the order collections list them: CRS84 first.
var all = []*CRS{
	{URI: CRS84, Title: "WGS 84 longitude/latitude (CRS84)"},
	{URI: epsg + "4326", Title: "WGS 84 latitude/longitude (EPSG:4326)", NorthFirst: true},
	{URI: epsg + "3857", Title: "WGS 84 / Pseudo-Mercator (EPSG:3857)", proj: webMercator{}},
	{URI: epsg + "2180", Title: "ETRS89 / Poland CS92 (EPSG:2180)", NorthFirst: true,
		proj: newTmerc(semiMajor, invFlatGRS, 19, 0.9993, 500000, -5300000)},
	{URI: epsg + "3346", Title: "LKS94 / Lithuania TM (EPSG:3346)", NorthFirst: true,
		proj: newTmerc(semiMajor, invFlatGRS, 24, 0.9998, 500000, 0)},
	{URI: epsg + "3059", Title: "LKS-92 / Latvia TM (EPSG:3059)", NorthFirst: true,
		proj: newTmerc(semiMajor, invFlatGRS, 24, 0.9996, 500000, -6000000)},
	{URI: epsg + "32634", Title: "WGS 84 / UTM zone 34N (EPSG:32634)",
		proj: newTmerc(semiMajor, invFlatWGS, 21, 0.9996, 500000, 0)},
	{URI: epsg + "32635", Title: "WGS 84 / UTM zone 35N (EPSG:32635)",
		proj: newTmerc(semiMajor, invFlatWGS, 27, 0.9996, 500000, 0)},
}

// All lists the systems offered, CRS84 first.
func All() []*CRS { return all }

// URIs lists the URIs of All, for the collections' crs member.
func URIs() []string {
	out := make([]string, len(all))
	for i, c := range all {
		out[i] = c.URI
	}
	return out
}

// Lookup finds a system by its URI (http or https), its safe CURIE
// ("[EPSG:2180]", "[OGC:CRS84]") or its short form ("EPSG:2180").
func Lookup(s string) (*CRS, bool) {
	want := normalize(s)
	for _, c := range all {
		if c.URI == want {
			return c, true
		}
	}
	return nil, false
}

func normalize(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimSuffix(s, "]"), "[")
	if rest, ok := strings.CutPrefix(s, "https://"); ok {
		s = "http://" + rest
	}
	auth, code, ok := strings.Cut(s, ":")
	if !ok || strings.HasPrefix(s, "http://") {
		return s
	}
	switch strings.ToUpper(auth) {
	case "EPSG":
		if _, err := strconv.Atoi(code); err == nil {
			return epsg + code
		}
	case "OGC":
		if strings.EqualFold(code, "CRS84") || code == "1.3:CRS84" {
			return CRS84
		}
	}
	return s
}

// IsCRS84 reports whether c is the storage system, which needs no
// conversion.
func (c *CRS) IsCRS84() bool { return c.URI == CRS84 }

// FromCRS84 converts a longitude and latitude to this system's
// coordinates, in its axis order.
func (c *CRS) FromCRS84(lon, lat float64) (float64, float64) {
	x, y := lon, lat
	if c.proj != nil {
		x, y = c.proj.forward(lon, lat)
	}
	if c.NorthFirst {
		return y, x
	}
	return x, y
}

// ToCRS84 converts coordinates in this system's axis order to longitude
// and latitude.
func (c *CRS) ToCRS84(a, b float64) (lon, lat float64) {
	if c.NorthFirst {
		a, b = b, a
	}
	if c.proj == nil {
		return a, b
	}
	return c.proj.inverse(a, b)
}

// webMercator is EPSG:3857: the spherical Mercator of web maps on the
// WGS 84 semi-major axis.
type webMercator struct{}

func (webMercator) forward(lon, lat float64) (float64, float64) {
	lat = math.Max(-maxMercator, math.Min(maxMercator, lat))
	phi := lat * math.Pi / 180
	return semiMajor * lon * math.Pi / 180, semiMajor * math.Log(math.Tan(math.Pi/4+phi/2))
}

func (webMercator) inverse(x, y float64) (float64, float64) {
	return x / semiMajor * 180 / math.Pi, (2*math.Atan(math.Exp(y/semiMajor)) - math.Pi/2) * 180 / math.Pi
}
