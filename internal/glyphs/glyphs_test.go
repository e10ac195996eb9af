package glyphs

import (
	"errors"
	"os"
	"testing"
)

// pbfGlyph is one glyph read back from an encoded range.
type pbfGlyph struct {
	id, width, height, advance uint64
	left, top                  int64
	bitmap                     []byte
}

// decode reads a glyph PBF with a decoder of its own, so that the test
// checks the wire format rather than encode against itself.
func decode(t *testing.T, b []byte) (name, rng string, gs map[rune]pbfGlyph) {
	t.Helper()
	gs = map[rune]pbfGlyph{}
	top := fields(t, b)
	if len(top) != 1 || top[0].num != 1 {
		t.Fatalf("want one fontstack, got %d fields", len(top))
	}
	for _, f := range fields(t, top[0].bytes) {
		switch f.num {
		case 1:
			name = string(f.bytes)
		case 2:
			rng = string(f.bytes)
		case 3:
			var g pbfGlyph
			for _, gf := range fields(t, f.bytes) {
				switch gf.num {
				case 1:
					g.id = gf.v
				case 2:
					g.bitmap = gf.bytes
				case 3:
					g.width = gf.v
				case 4:
					g.height = gf.v
				case 5:
					g.left = int64(gf.v>>1) ^ -int64(gf.v&1)
				case 6:
					g.top = int64(gf.v>>1) ^ -int64(gf.v&1)
				case 7:
					g.advance = gf.v
				}
			}
			gs[rune(g.id)] = g
		}
	}
	return name, rng, gs
}

type field struct {
	num   int
	v     uint64
	bytes []byte
}

func fields(t *testing.T, b []byte) []field {
	t.Helper()
	var out []field
	for len(b) > 0 {
		key, n := uvarint(b)
		b = b[n:]
		f := field{num: int(key >> 3)}
		switch key & 7 {
		case 0:
			f.v, n = uvarint(b)
			b = b[n:]
		case 2:
			l, n := uvarint(b)
			f.bytes, b = b[n:n+int(l)], b[n+int(l):]
		default:
			t.Fatalf("wire type %d", key&7)
		}
		out = append(out, f)
	}
	return out
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, len(b)
}

func dejavu(t *testing.T) *Font {
	t.Helper()
	data, err := os.ReadFile("../../assets/fonts/DejaVuSans.ttf")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("DejaVu Sans Book", data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRange(t *testing.T) {
	f := dejavu(t)
	for _, tc := range []struct {
		start int
		rng   string
		chars []rune
	}{
		{0, "0-255", []rune{'A', 'g', '0', '×'}},
		{256, "256-511", []rune{'ł', 'Ł', 'ą', 'ż'}},    // Białystok, Łódź
		{1024, "1024-1279", []rune{'Б', 'р', 'э', 'ў'}}, // Брэст, Беларусь
	} {
		b, err := f.Range(tc.start)
		if err != nil {
			t.Fatal(err)
		}
		name, rng, gs := decode(t, b)
		if name != "DejaVu Sans Book" || rng != tc.rng {
			t.Errorf("fontstack %q range %q, want DejaVu Sans Book %s", name, rng, tc.rng)
		}
		for _, r := range tc.chars {
			g, ok := gs[r]
			if !ok {
				t.Errorf("%s lacks %q", tc.rng, r)
				continue
			}
			if len(g.bitmap) != int((g.width+2*buffer)*(g.height+2*buffer)) || g.width == 0 || g.advance == 0 {
				t.Errorf("%q: %dx%d bitmap of %d bytes, advance %d", r, g.width, g.height, len(g.bitmap), g.advance)
			}
		}
	}
}

// TestRange_Metrics checks the SDF of "H" against the glyph's outline:
// at 24 pixels DejaVu's H is 17 px tall on the baseline, the field is
// high inside its stems and, on the buffer's edge 3 px outside the stems,
// 255 × (1 − 3/8 − 0.25) ≈ 96, as TinySDF makes it.
func TestRange_Metrics(t *testing.T) {
	b, err := dejavu(t).Range(0)
	if err != nil {
		t.Fatal(err)
	}
	_, _, gs := decode(t, b)
	h := gs['H']
	if h.height < 17 || h.height > 18 || h.top != int64(h.height)-topOffset && h.top != int64(h.height)-topOffset+1 {
		t.Errorf("H: height %d top %d: want 17-18 px standing on the baseline (top = height-27)", h.height, h.top)
	}
	w := int(h.width + 2*buffer)
	row := h.bitmap[(int(h.height)/2+buffer)*w : (int(h.height)/2+buffer+1)*w] // across the bar
	for _, v := range []byte{row[0], row[w-1]} {
		if v < 86 || v > 106 {
			t.Errorf("H: the buffer's edge is %d, want about 96", v)
		}
	}
	inside := h.bitmap[(buffer+2)*w+buffer+1] // top of the left stem
	if inside < 200 {
		t.Errorf("H: inside the stem %d, want > 200", inside)
	}
	if sp := gs[' ']; len(sp.bitmap) != 0 || sp.advance < 6 || sp.advance > 9 {
		t.Errorf("space: %d bytes of bitmap, advance %d", len(sp.bitmap), sp.advance)
	}
}

func TestRange_Bad(t *testing.T) {
	f := dejavu(t)
	for _, start := range []int{-256, 1, 255, 65536} {
		if _, err := f.Range(start); !errors.Is(err, ErrRange) {
			t.Errorf("Range(%d): %v, want ErrRange", start, err)
		}
	}
	if _, err := Parse("x", []byte("not a font")); err == nil {
		t.Error("Parse of garbage succeeded")
	}
}
