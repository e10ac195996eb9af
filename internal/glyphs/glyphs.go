package glyphs

import (
	"errors"
	"fmt"
	"image"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// The SDF parameters MapLibre expects of a glyph range.
const (
	fontSize = 24
	buffer   = 3
	radius   = 8
	cutoff   = 0.25
	// topOffset turns the height above the baseline into the glyph PBF's
	// "top", as MapLibre does for the glyphs it draws itself.
	topOffset = 27
)

// ErrRange is returned for a range that is not 256 code points starting at
// a multiple of 256 below 65536.
var ErrRange = errors.New("glyph range: want START-END with START a multiple of 256 and END = START+255, below 65536")

// Font is one parsed font.
type Font struct {
	name string
	f    *sfnt.Font
}

// Parse reads a TrueType or OpenType font that will be served as name.
func Parse(name string, data []byte) (*Font, error) {
	f, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", name, err)
	}
	return &Font{name: name, f: f}, nil
}

// Name is the fontstack name the font is served under.
func (fo *Font) Name() string { return fo.name }

// Glyph is one rendered glyph: its SDF bitmap is (Width+6) × (Height+6).
type Glyph struct {
	ID                 rune
	Bitmap             []byte
	Width, Height      int
	Left, Top, Advance int
}

// Range renders the glyphs of the code points start to start+255 that the
// font has, and encodes them as a glyph PBF.
func (fo *Font) Range(start int) ([]byte, error) {
	if start < 0 || start%256 != 0 || start > 65280 {
		return nil, ErrRange
	}
	var buf sfnt.Buffer
	var gs []Glyph
	for r := rune(start); r < rune(start+256); r++ {
		g, ok, err := fo.render(&buf, r)
		if err != nil {
			return nil, fmt.Errorf("font %s U+%04X: %w", fo.name, r, err)
		}
		if ok {
			gs = append(gs, g)
		}
	}
	return encode(fo.name, fmt.Sprintf("%d-%d", start, start+255), gs), nil
}

// render draws one glyph; ok is false when the font lacks it.
func (fo *Font) render(buf *sfnt.Buffer, r rune) (g Glyph, ok bool, err error) {
	idx, err := fo.f.GlyphIndex(buf, r)
	if err != nil || idx == 0 {
		return Glyph{}, false, err
	}
	ppem := fixed.I(fontSize)
	adv, err := fo.f.GlyphAdvance(buf, idx, ppem, font.HintingNone)
	if err != nil {
		return Glyph{}, false, err
	}
	segs, err := fo.f.LoadGlyph(buf, idx, ppem, nil)
	if err != nil {
		return Glyph{}, false, err
	}
	g = Glyph{ID: r, Advance: int(math.Round(float64(adv) / 64))}
	if len(segs) == 0 {
		return g, true, nil // a space: an advance and no bitmap
	}
	b := segs.Bounds() // y grows downwards, baseline at 0
	x0, y0 := b.Min.X.Floor(), b.Min.Y.Floor()
	g.Width, g.Height = b.Max.X.Ceil()-x0, b.Max.Y.Ceil()-y0
	g.Left, g.Top = x0, -y0-topOffset
	w, h := g.Width+2*buffer, g.Height+2*buffer
	ras := vector.NewRasterizer(w, h)
	dx, dy := float32(buffer-x0), float32(buffer-y0)
	pt := func(p fixed.Point26_6) (float32, float32) { return float32(p.X)/64 + dx, float32(p.Y)/64 + dy }
	for _, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			ras.ClosePath() // the rasterizer does not close contours itself
			ras.MoveTo(pt(s.Args[0]))
		case sfnt.SegmentOpLineTo:
			ras.LineTo(pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			ax, ay := pt(s.Args[0])
			bx, by := pt(s.Args[1])
			ras.QuadTo(ax, ay, bx, by)
		case sfnt.SegmentOpCubeTo:
			ax, ay := pt(s.Args[0])
			bx, by := pt(s.Args[1])
			cx, cy := pt(s.Args[2])
			ras.CubeTo(ax, ay, bx, by, cx, cy)
		}
	}
	ras.ClosePath()
	alpha := image.NewAlpha(image.Rect(0, 0, w, h))
	ras.Draw(alpha, alpha.Bounds(), image.Opaque, image.Point{})
	g.Bitmap = sdf(alpha.Pix, w, h)
	return g, true, nil
}
