package glyphs

// encode writes a glyph PBF (the glyphs.proto of Mapbox's glyph-pbf): one
// fontstack {name=1, range=2, glyphs=3} inside field 1, each glyph
// {id=1, bitmap=2, width=3, height=4, left=5 (zigzag), top=6 (zigzag),
// advance=7}.
func encode(name, rng string, gs []Glyph) []byte {
	var stack []byte
	stack = appendBytes(stack, 1, []byte(name))
	stack = appendBytes(stack, 2, []byte(rng))
	for _, g := range gs {
		var m []byte
		m = appendVarint(m, 1, uint64(g.ID))
		if len(g.Bitmap) > 0 {
			m = appendBytes(m, 2, g.Bitmap)
		}
		m = appendVarint(m, 3, uint64(g.Width))
		m = appendVarint(m, 4, uint64(g.Height))
		m = appendVarint(m, 5, zigzag(g.Left))
		m = appendVarint(m, 6, zigzag(g.Top))
		m = appendVarint(m, 7, uint64(g.Advance))
		stack = appendBytes(stack, 3, m)
	}
	return appendBytes(nil, 1, stack)
}

func zigzag(v int) uint64 { return uint64((int64(v) << 1) ^ (int64(v) >> 63)) }

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendVarint appends a varint field (wire type 0).
func appendVarint(b []byte, field int, v uint64) []byte {
	return appendUvarint(appendUvarint(b, uint64(field)<<3), v)
}

// appendBytes appends a length-delimited field (wire type 2).
func appendBytes(b []byte, field int, v []byte) []byte {
	b = appendUvarint(appendUvarint(b, uint64(field)<<3|2), uint64(len(v)))
	return append(b, v...)
}
