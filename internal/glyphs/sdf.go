package glyphs

import "math"

// far stands for "no seed": finite, as in TinySDF, so that the parabola
// intersections never divide infinities.
const far = 1e20

// sdf turns a coverage bitmap (0 outside the glyph, 255 inside) into a
// signed distance field as TinySDF computes it: exact Euclidean distance
// transforms of the outside and the inside (Felzenszwalb and Huttenlocher),
// with partly covered pixels placed at their sub-pixel edge.
func sdf(alpha []byte, w, h int) []byte {
	n := w * h
	outer, inner := make([]float64, n), make([]float64, n)
	for i, a8 := range alpha {
		a := float64(a8) / 255
		switch {
		case a >= 1:
			outer[i], inner[i] = 0, far
		case a <= 0:
			outer[i], inner[i] = far, 0
		default:
			d := 0.5 - a
			outer[i], inner[i] = math.Pow(math.Max(0, d), 2), math.Pow(math.Max(0, -d), 2)
		}
	}
	edt(outer, w, h)
	edt(inner, w, h)
	out := make([]byte, n)
	for i := range out {
		d := math.Sqrt(outer[i]) - math.Sqrt(inner[i])
		v := math.Round(255 - 255*(d/radius+cutoff))
		out[i] = byte(math.Max(0, math.Min(255, v)))
	}
	return out
}

// edt replaces each squared distance seed in grid with the squared
// distance to the nearest seed, by columns and then by rows.
func edt(grid []float64, w, h int) {
	size := max(w, h)
	f, d := make([]float64, size), make([]float64, size)
	v, z := make([]int, size), make([]float64, size+1)
	for x := 0; x < w; x++ {
		edt1(grid, x, w, h, f, d, v, z)
	}
	for y := 0; y < h; y++ {
		edt1(grid, y*w, 1, w, f, d, v, z)
	}
}

// edt1 is the one-dimensional transform of the n values from offset,
// stride apart.
func edt1(grid []float64, offset, stride, n int, f, d []float64, v []int, z []float64) {
	for q := 0; q < n; q++ {
		f[q] = grid[offset+q*stride]
	}
	k := 0
	v[0], z[0], z[1] = 0, math.Inf(-1), math.Inf(1)
	for q := 1; q < n; q++ {
		s := parabolas(f, q, v[k])
		for s <= z[k] { // z[0] is -Inf, so this stops at k = 0
			k--
			s = parabolas(f, q, v[k])
		}
		k++
		v[k], z[k], z[k+1] = q, s, math.Inf(1)
	}
	k = 0
	for q := 0; q < n; q++ {
		for z[k+1] < float64(q) {
			k++
		}
		r := float64(q - v[k])
		d[q] = r*r + f[v[k]]
	}
	for q := 0; q < n; q++ {
		grid[offset+q*stride] = d[q]
	}
}

// parabolas is where the parabolas rooted at q and p meet.
func parabolas(f []float64, q, p int) float64 {
	return ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*(q-p))
}
