package formats

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// maxKMZ bounds a KMZ read into memory when it is not a file.
const maxKMZ = 1 << 30

type kmlData struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value"`
}

type kmlSimpleData struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
}

type kmlRing struct {
	Coordinates string `xml:"LinearRing>coordinates"`
}

type kmlPolygon struct {
	Outer kmlRing   `xml:"outerBoundaryIs"`
	Inner []kmlRing `xml:"innerBoundaryIs"`
}

type kmlGeometries struct {
	Points   []string        `xml:"Point>coordinates"`
	Lines    []string        `xml:"LineString>coordinates"`
	Polygons []kmlPolygon    `xml:"Polygon"`
	Multi    []kmlGeometries `xml:"MultiGeometry"`
}

type kmlPlacemark struct {
	Name        string          `xml:"name"`
	Description string          `xml:"description"`
	Begin       string          `xml:"TimeSpan>begin"`
	End         string          `xml:"TimeSpan>end"`
	When        string          `xml:"TimeStamp>when"`
	Data        []kmlData       `xml:"ExtendedData>Data"`
	SimpleData  []kmlSimpleData `xml:"ExtendedData>SchemaData>SimpleData"`
	kmlGeometries
}

// decodeKML reads every Placemark: name, description, TimeSpan (or
// TimeStamp) as validity, ExtendedData as properties.
func decodeKML(r io.Reader) ([]*geo.Feature, error) {
	dec := xml.NewDecoder(r)
	var out []*geo.Feature
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("kml: after placemark #%d: %w", len(out), err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Placemark" {
			continue
		}
		var pm kmlPlacemark
		if err := dec.DecodeElement(&pm, &se); err != nil {
			return nil, fmt.Errorf("kml: placemark #%d: %w", len(out), err)
		}
		f, err := pm.feature(len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
}

func (pm *kmlPlacemark) feature(i int) (*geo.Feature, error) {
	p := newProps()
	for _, d := range pm.Data {
		p.text(d.Name, d.Value)
	}
	for _, d := range pm.SimpleData {
		p.text(d.Name, d.Value)
	}
	if pm.Name != "" {
		p.text("name", strings.TrimSpace(pm.Name))
	}
	// Our own files append the sources to the description: take them off.
	desc := html.UnescapeString(strings.TrimSpace(pm.Description))
	if block := sourcesBlock(p.m["sources"]); block != "" {
		desc = strings.TrimSuffix(strings.TrimSuffix(desc, block), "\n\n")
	}
	if desc != "" {
		p.text("description", desc)
	}
	for name, v := range map[string]string{"valid_from": pm.Begin, "valid_to": pm.End} {
		if _, ok := p.m[name]; !ok && strings.TrimSpace(v) != "" {
			p.text(name, strings.TrimSpace(v))
		}
	}
	if _, ok := p.m["valid_from"]; !ok && strings.TrimSpace(pm.When) != "" {
		p.text("valid_from", strings.TrimSpace(pm.When))
		p.text("valid_to", strings.TrimSpace(pm.When))
	}
	g, err := pm.geometry()
	if err != nil {
		return nil, invalidAt(i, p.id, "geometry", "%v", err)
	}
	return p.feature(i, g)
}

// geometry is the placemark's one geometry, or a multi-geometry of one kind.
func (g *kmlGeometries) geometry() (orb.Geometry, error) {
	var pts orb.MultiPoint
	var lines orb.MultiLineString
	var polys orb.MultiPolygon
	if err := g.collect(&pts, &lines, &polys); err != nil {
		return nil, err
	}
	n := len(pts) + len(lines) + len(polys)
	switch {
	case n == 0:
		return nil, errors.New("the placemark has no Point, LineString or Polygon")
	case n > max(len(pts), len(lines), len(polys)):
		return nil, errors.New("a MultiGeometry of mixed kinds has no GeoJSON geometry here (use one kind)")
	}
	multi := len(g.Multi) > 0
	switch {
	case len(pts) == 1 && !multi:
		return pts[0], nil
	case len(pts) > 0:
		return pts, nil
	case len(lines) == 1 && !multi:
		return lines[0], nil
	case len(lines) > 0:
		return lines, nil
	case len(polys) == 1 && !multi:
		return polys[0], nil
	}
	return polys, nil
}

func (g *kmlGeometries) collect(pts *orb.MultiPoint, lines *orb.MultiLineString, polys *orb.MultiPolygon) error {
	for _, c := range g.Points {
		ps, err := parseCoordinates(c)
		if err != nil || len(ps) != 1 {
			return fmt.Errorf("a Point needs one lon,lat: %q", strings.TrimSpace(c))
		}
		*pts = append(*pts, ps[0])
	}
	for _, c := range g.Lines {
		ps, err := parseCoordinates(c)
		if err != nil {
			return err
		}
		*lines = append(*lines, ps)
	}
	for _, pg := range g.Polygons {
		outer, err := parseCoordinates(pg.Outer.Coordinates)
		if err != nil {
			return err
		}
		poly := orb.Polygon{orb.Ring(outer)}
		for _, in := range pg.Inner {
			ring, err := parseCoordinates(in.Coordinates)
			if err != nil {
				return err
			}
			poly = append(poly, ring)
		}
		*polys = append(*polys, poly)
	}
	for i := range g.Multi {
		if err := g.Multi[i].collect(pts, lines, polys); err != nil {
			return err
		}
	}
	return nil
}

// parseCoordinates reads KML's "lon,lat[,alt] ..." tuples (heights are
// dropped, as sitmap keeps 2D positions).
func parseCoordinates(s string) ([]orb.Point, error) {
	var out []orb.Point
	for _, t := range strings.Fields(s) {
		parts := strings.Split(t, ",")
		if len(parts) < 2 {
			return nil, fmt.Errorf("coordinate %q needs a longitude and a latitude", t)
		}
		lon, err1 := strconv.ParseFloat(parts[0], 64)
		lat, err2 := strconv.ParseFloat(parts[1], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("coordinate %q is not numeric", t)
		}
		out = append(out, orb.Point{lon, lat})
	}
	return out, nil
}

// decodeKMZ reads the first .kml file of the zip (doc.kml by convention).
func decodeKMZ(r io.Reader) ([]*geo.Feature, error) {
	var ra io.ReaderAt
	var size int64
	if f, ok := r.(*os.File); ok {
		info, err := f.Stat()
		if err != nil {
			return nil, fmt.Errorf("kmz: %w", err)
		}
		ra, size = f, info.Size()
	} else {
		b, err := io.ReadAll(io.LimitReader(r, maxKMZ))
		if err != nil {
			return nil, fmt.Errorf("kmz: %w", err)
		}
		ra, size = bytes.NewReader(b), int64(len(b))
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("kmz: not a zip file: %w", err)
	}
	for _, zf := range zr.File {
		if strings.EqualFold(path.Ext(zf.Name), ".kml") {
			rc, err := zf.Open()
			if err != nil {
				return nil, fmt.Errorf("kmz %s: %w", zf.Name, err)
			}
			defer rc.Close()
			return decodeKML(rc)
		}
	}
	return nil, errors.New("kmz: no .kml file inside")
}
