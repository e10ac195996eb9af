package formats

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/sitmap/sitmap/geo"
)

// csvEncoder writes one row per feature (RFC 4180: quoted where needed,
// CRLF, UTF-8): the schema's columns, then lon and lat (points only) and
// the geometry as WKT.
type csvEncoder struct {
	w      *csv.Writer
	schema *Schema
	rec    []string
}

func newCSVEncoder(w io.Writer, s *Schema) (Encoder, error) {
	e := &csvEncoder{w: csv.NewWriter(w), schema: s}
	e.w.UseCRLF = true
	head := make([]string, 0, len(s.Fields)+3)
	for _, f := range s.Fields {
		head = append(head, f.Name)
	}
	head = append(head, "lon", "lat", "wkt")
	if err := e.w.Write(head); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return e, nil
}

func (e *csvEncoder) Write(f *geo.Feature) error {
	e.rec = e.rec[:0]
	for i, v := range e.schema.Row(f) {
		s := ""
		if !v.Null {
			s = cellText(e.schema.Fields[i].Kind, v)
		}
		e.rec = append(e.rec, s)
	}
	lon, lat := "", ""
	if p, ok := f.Geometry().(orb.Point); ok {
		lon, lat = strconv.FormatFloat(p[0], 'f', -1, 64), strconv.FormatFloat(p[1], 'f', -1, 64)
	}
	e.rec = append(e.rec, lon, lat, wkt.MarshalString(f.Geometry()))
	if err := e.w.Write(e.rec); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

func (e *csvEncoder) Close() error {
	e.w.Flush()
	if err := e.w.Error(); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

// Column names that CSV files commonly give the geometry.
var (
	wktNames = []string{"wkt", "geometry", "geom", "the_geom"}
	lonNames = []string{"lon", "longitude", "lng", "x"}
	latNames = []string{"lat", "latitude", "y"}
)

// decodeCSV reads a header row and one feature per row: the geometry from
// a WKT column, else from lon and lat columns; every other non-empty cell
// is a text property (numbers where the data model has them).
func decodeCSV(r io.Reader) ([]*geo.Feature, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("csv: no header row: %w", err)
	}
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\ufeff") // a spreadsheet's byte-order mark
	}
	find := func(names []string) int {
		for i, h := range head {
			for _, n := range names {
				if strings.EqualFold(strings.TrimSpace(h), n) {
					return i
				}
			}
		}
		return -1
	}
	wi, xi, yi := find(wktNames), find(lonNames), find(latNames)
	if wi < 0 && (xi < 0 || yi < 0) {
		return nil, errors.New("csv: no geometry: give a wkt column, or lon and lat columns")
	}
	var out []*geo.Feature
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("csv: feature #%d: %w", len(out), err)
		}
		f, err := csvFeature(head, rec, wi, xi, yi, len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
}

func csvFeature(head, rec []string, wi, xi, yi, i int) (*geo.Feature, error) {
	p := newProps()
	for j, v := range rec {
		if j == wi || j == xi || j == yi || v == "" {
			continue
		}
		p.text(strings.TrimSpace(head[j]), v)
	}
	var g orb.Geometry
	if wi >= 0 && strings.TrimSpace(rec[wi]) != "" {
		var err error
		if g, err = wkt.Unmarshal(rec[wi]); err != nil {
			return nil, invalidAt(i, p.id, head[wi], "not WKT: %v", err)
		}
	} else if xi >= 0 && yi >= 0 {
		lon, err1 := strconv.ParseFloat(strings.TrimSpace(rec[xi]), 64)
		lat, err2 := strconv.ParseFloat(strings.TrimSpace(rec[yi]), 64)
		if err1 != nil {
			return nil, invalidAt(i, p.id, head[xi], "%q is not a number", rec[xi])
		}
		if err2 != nil {
			return nil, invalidAt(i, p.id, head[yi], "%q is not a number", rec[yi])
		}
		g = orb.Point{lon, lat}
	}
	return p.feature(i, g)
}
