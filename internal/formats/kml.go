package formats

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// The page's status colours (assets/page/style.js: STATUS_COLOURS, and
// AIRSPACE for the airspace restrictions); a test keeps them in step.
var (
	statusColours = map[string]string{
		"open": "#1b7f3b", "closed": "#c8102e", "restricted": "#d97706", "active": "#c2410c",
		"inactive": "#6b7280", "modernised": "#7c3aed", "under-construction": "#b45309", "suspected": "#6b21a8",
	}
	airspaceColours = map[string]string{"active": "#1d4ed8", "inactive": "#94a3b8"}
	defaultColour   = "#374151"
)

// statusColour is the colour the page gives a feature of the collection
// with this status.
func statusColour(collection, status string) string {
	if collection == "airspace-restrictions" {
		if c, ok := airspaceColours[status]; ok {
			return c
		}
		return airspaceColours["active"]
	}
	if c, ok := statusColours[status]; ok {
		return c
	}
	return defaultColour
}

// kmlColour turns #rrggbb into KML's aabbggrr.
func kmlColour(hex string, alpha byte) string {
	h := strings.TrimPrefix(hex, "#")
	return fmt.Sprintf("%02x%s%s%s", alpha, h[4:6], h[2:4], h[0:2])
}

// htmlText escapes text for KML's description, which readers render as
// HTML: markup in a property shows as text, never as markup.
var htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// styleID names the style of a collection's status ("" for none).
func styleID(collection, status string) string {
	if status == "" {
		return "s-" + collection
	}
	return "s-" + collection + "-" + status
}

// kmlEncoder writes KML 2.2 as features come: a Document with a style per
// status of every collection, and a Folder per collection. For KMZ it
// writes doc.kml into a zip and adds a symbol per colour after it.
type kmlEncoder struct {
	zw      *zip.Writer
	w       *bufio.Writer
	schema  *Schema
	cols    map[string]geo.Collection
	folder  string
	icons   map[string]bool // colours used, for KMZ
	kmz     bool
	failure error
}

func newKMLEncoder(w io.Writer, cols []geo.Collection, s *Schema, kmz bool) Encoder {
	e := &kmlEncoder{schema: s, cols: map[string]geo.Collection{}, icons: map[string]bool{}, kmz: kmz}
	if kmz {
		e.zw = zip.NewWriter(w)
		doc, err := e.zw.Create("doc.kml")
		e.failure = err
		w = doc
	}
	e.w = bufio.NewWriterSize(w, 64<<10)
	e.w.WriteString(xml.Header + `<kml xmlns="http://www.opengis.net/kml/2.2">` + "\n<Document>\n")
	title := cols[0].Title
	if len(cols) > 1 {
		title = "sitmap"
	}
	e.element("name", title)
	for _, c := range cols {
		e.cols[c.ID] = c
		e.style(c.ID, "")
		for _, st := range c.Statuses {
			e.style(c.ID, st)
		}
	}
	return e
}

func (e *kmlEncoder) element(name, text string) {
	e.w.WriteString("<" + name + ">")
	xml.EscapeText(e.w, []byte(text))
	e.w.WriteString("</" + name + ">")
}

// style writes a status's style: the page's colour for the icon, the line
// and (at 40 % opacity) the fill.
func (e *kmlEncoder) style(collection, status string) {
	hex := statusColour(collection, status)
	e.icons[hex] = true
	fmt.Fprintf(e.w, `<Style id="%s"><IconStyle><color>%s</color>`, styleID(collection, status), kmlColour(hex, 0xff))
	if e.kmz {
		fmt.Fprintf(e.w, `<Icon><href>%s</href></Icon>`, iconPath(hex))
	}
	fmt.Fprintf(e.w, "</IconStyle><LineStyle><color>%s</color><width>2</width></LineStyle><PolyStyle><color>%s</color></PolyStyle></Style>\n",
		kmlColour(hex, 0xff), kmlColour(hex, 0x66))
}

func iconPath(hex string) string { return "files/" + strings.TrimPrefix(hex, "#") + ".png" }

func (e *kmlEncoder) Write(f *geo.Feature) error {
	if e.failure != nil {
		return e.failure
	}
	c, ok := e.cols[f.Collection()]
	if !ok {
		return fmt.Errorf("kml: feature %s of collection %q, which the file has no folder for", f.ID(), f.Collection())
	}
	if f.Collection() != e.folder {
		if e.folder != "" {
			e.w.WriteString("</Folder>\n")
		}
		e.folder = f.Collection()
		e.w.WriteString("<Folder>")
		e.element("name", c.Title)
		e.w.WriteString("\n")
	}
	e.w.WriteString("<Placemark>")
	e.element("name", f.String("name"))
	sources, _ := f.Property("sources")
	e.element("description", htmlText.Replace(kmlDescription(f.String("description"), sources)))
	from, to := f.String("valid_from"), f.String("valid_to")
	if from != "" || to != "" {
		e.w.WriteString("<TimeSpan>")
		if from != "" {
			e.element("begin", from)
		}
		if to != "" {
			e.element("end", to)
		}
		e.w.WriteString("</TimeSpan>")
	}
	st := f.String("status")
	if !c.AllowsStatus(st) || len(c.Statuses) == 0 {
		st = ""
	}
	e.element("styleUrl", "#"+styleID(c.ID, st))
	e.extendedData(f)
	if err := kmlGeometry(e.w, f.Geometry()); err != nil {
		return fmt.Errorf("kml: feature %s: %w", f.ID(), err)
	}
	_, err := e.w.WriteString("</Placemark>\n")
	return err
}

// extendedData holds every column but the name and the description (KML's
// own elements), with the exact text of each value.
func (e *kmlEncoder) extendedData(f *geo.Feature) {
	e.w.WriteString("<ExtendedData>")
	for i, v := range e.schema.Row(f) {
		name := e.schema.Fields[i].Name
		if v.Null || name == "name" || name == "description" {
			continue
		}
		e.w.WriteString(`<Data name="`)
		xml.EscapeText(e.w, []byte(name))
		e.w.WriteString(`"><value>`)
		xml.EscapeText(e.w, []byte(cellText(e.schema.Fields[i].Kind, v)))
		e.w.WriteString("</value></Data>")
	}
	e.w.WriteString("</ExtendedData>")
}

// cellText is a cell as text (KML and CSV).
func cellText(k Kind, v Value) string {
	switch k {
	case Number:
		return strconv.FormatFloat(v.F, 'f', -1, 64)
	case Integer:
		return strconv.FormatInt(v.I, 10)
	case Boolean:
		return strconv.FormatBool(v.B)
	}
	return v.S
}

// kmlDescription is the description followed by the sources, one a line
// with its URL, which Google Earth makes a link. Plain text: the caller
// escapes it, as KML readers render the description as HTML.
func kmlDescription(desc string, sources json.RawMessage) string {
	block := sourcesBlock(sources)
	if desc == "" || block == "" {
		return desc + block
	}
	return desc + "\n\n" + block
}

func sourcesBlock(raw json.RawMessage) string {
	var ss []struct{ Title, Publisher, Date, URL string }
	if json.Unmarshal(raw, &ss) != nil || len(ss) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Sources:")
	for _, s := range ss {
		b.WriteString("\n- " + s.Title)
		var meta []string
		for _, m := range []string{s.Publisher, s.Date} {
			if m != "" {
				meta = append(meta, m)
			}
		}
		if len(meta) > 0 {
			b.WriteString(" (" + strings.Join(meta, ", ") + ")")
		}
		if s.URL != "" {
			b.WriteString(": " + s.URL)
		}
	}
	return b.String()
}

func kmlGeometry(w *bufio.Writer, g orb.Geometry) error {
	switch g := g.(type) {
	case orb.Point:
		w.WriteString("<Point>")
		kmlCoordinates(w, []orb.Point{g})
		w.WriteString("</Point>")
	case orb.LineString:
		w.WriteString("<LineString>")
		kmlCoordinates(w, g)
		w.WriteString("</LineString>")
	case orb.Polygon:
		w.WriteString("<Polygon>")
		for i, r := range g {
			tag := "innerBoundaryIs"
			if i == 0 {
				tag = "outerBoundaryIs"
			}
			w.WriteString("<" + tag + "><LinearRing>")
			kmlCoordinates(w, r)
			w.WriteString("</LinearRing></" + tag + ">")
		}
		w.WriteString("</Polygon>")
	case orb.MultiPoint, orb.MultiLineString, orb.MultiPolygon:
		w.WriteString("<MultiGeometry>")
		var err error
		switch g := g.(type) {
		case orb.MultiPoint:
			for _, p := range g {
				err = kmlGeometry(w, p)
			}
		case orb.MultiLineString:
			for _, l := range g {
				err = kmlGeometry(w, l)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				err = kmlGeometry(w, p)
			}
		}
		w.WriteString("</MultiGeometry>")
		return err
	default:
		return fmt.Errorf("geometry %T is not supported", g)
	}
	return nil
}

func kmlCoordinates(w *bufio.Writer, ps []orb.Point) {
	w.WriteString("<coordinates>")
	var buf []byte
	for i, p := range ps {
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = strconv.AppendFloat(buf, p[0], 'f', -1, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, p[1], 'f', -1, 64)
	}
	w.Write(buf)
	w.WriteString("</coordinates>")
}

func (e *kmlEncoder) Close() error {
	if e.failure != nil {
		return e.failure
	}
	if e.folder != "" {
		e.w.WriteString("</Folder>\n")
	}
	e.w.WriteString("</Document>\n</kml>\n")
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("kml: %w", err)
	}
	if !e.kmz {
		return nil
	}
	for _, hex := range slices.Sorted(maps.Keys(e.icons)) {
		iw, err := e.zw.Create(iconPath(hex))
		if err != nil {
			return fmt.Errorf("kmz: %w", err)
		}
		if err := png.Encode(iw, disc(hex)); err != nil {
			return fmt.Errorf("kmz: %w", err)
		}
	}
	if err := e.zw.Close(); err != nil {
		return fmt.Errorf("kmz: %w", err)
	}
	return nil
}

// disc is the KMZ's symbol for a colour: a 32-pixel disc with a white
// rim, as the page draws points.
func disc(hex string) image.Image {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	fill := color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
	img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			dx, dy := float64(x)-15.5, float64(y)-15.5
			switch d := dx*dx + dy*dy; {
			case d <= 11*11:
				img.Set(x, y, fill)
			case d <= 14*14:
				img.Set(x, y, color.White)
			}
		}
	}
	return img
}
