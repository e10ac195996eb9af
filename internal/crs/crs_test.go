package crs

import (
	"bytes"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// grid is every point of an 11 × 11 grid over the region the data covers
// (lon 14–33, lat 49–58): the national grids are used across it, well
// beyond their own country at the edges.
func grid() [][2]float64 {
	var out [][2]float64
	for i := 0; i <= 10; i++ {
		for j := 0; j <= 10; j++ {
			out = append(out, [2]float64{14 + 1.9*float64(i), 49 + 0.9*float64(j)})
		}
	}
	return out
}

// cs2cs converts points with PROJ's own tool (Debian proj-bin), in the
// authority axis order of both systems.
func cs2cs(t *testing.T, from, to string, pts [][2]float64) [][2]float64 {
	t.Helper()
	bin, err := exec.LookPath("cs2cs")
	if err != nil {
		t.Fatal("cs2cs not found: install proj-bin (apt-get install proj-bin; make test does this)")
	}
	var in bytes.Buffer
	for _, p := range pts {
		fmt.Fprintf(&in, "%.12f %.12f\n", p[0], p[1])
	}
	cmd := exec.Command(bin, "-f", "%.10f", from, to)
	cmd.Stdin = &in
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cs2cs %s %s: %v\n%s", from, to, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(pts) {
		t.Fatalf("cs2cs gave %d lines for %d points:\n%s", len(lines), len(pts), out)
	}
	res := make([][2]float64, len(lines))
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 {
			t.Fatalf("cs2cs line %q", l)
		}
		a, err1 := strconv.ParseFloat(f[0], 64)
		b, err2 := strconv.ParseFloat(f[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("cs2cs line %q", l)
		}
		res[i] = [2]float64{a, b}
	}
	return res
}

// short is how PROJ names a system.
func short(c *CRS) string {
	if c.IsCRS84() {
		return "OGC:CRS84"
	}
	return "EPSG:" + strings.TrimPrefix(c.URI, epsg)
}

// metres is the distance between two points of c, in metres (degrees are
// turned into metres on the sphere, which is exact enough for a 1 cm test).
func metres(c *CRS, p, q [2]float64) float64 {
	if c.proj != nil {
		return math.Hypot(p[0]-q[0], p[1]-q[1])
	}
	lon, lat := p[0], p[1]
	dlon, dlat := p[0]-q[0], p[1]-q[1]
	if c.NorthFirst {
		lon, lat, dlon, dlat = lat, lon, dlat, dlon
	}
	_ = lon
	const m = semiMajor * math.Pi / 180
	return math.Hypot(dlon*m*math.Cos(lat*math.Pi/180), dlat*m)
}

// TestAgainstPROJ: forward and inverse agree with cs2cs to 1 cm on every
// point of the grid, for every system offered.
func TestAgainstPROJ(t *testing.T) {
	pts := grid()
	for _, c := range All() {
		t.Run(short(c), func(t *testing.T) {
			want := cs2cs(t, "OGC:CRS84", short(c), pts)
			var got [][2]float64
			worst := 0.0
			for i, p := range pts {
				a, b := c.FromCRS84(p[0], p[1])
				got = append(got, [2]float64{a, b})
				d := metres(c, [2]float64{a, b}, want[i])
				worst = math.Max(worst, d)
				if d > 0.01 {
					t.Errorf("forward %v: got %.4f %.4f, PROJ %.4f %.4f (%.3f m apart)", p, a, b, want[i][0], want[i][1], d)
				}
			}
			back := cs2cs(t, short(c), "OGC:CRS84", got)
			for i, q := range got {
				lon, lat := c.ToCRS84(q[0], q[1])
				if d := metres(all[0], [2]float64{lon, lat}, back[i]); d > 0.01 {
					t.Errorf("inverse %v: got %.9f %.9f, PROJ %.9f %.9f (%.3f m apart)", q, lon, lat, back[i][0], back[i][1], d)
				}
				if d := metres(all[0], [2]float64{lon, lat}, pts[i]); d > 0.01 {
					t.Errorf("round trip of %v ends at %.9f %.9f (%.3f m apart)", pts[i], lon, lat, d)
				}
			}
			t.Logf("%s: worst forward difference from PROJ %.6f m", short(c), worst)
		})
	}
}

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"http://www.opengis.net/def/crs/EPSG/0/2180", epsg + "2180"},
		{"https://www.opengis.net/def/crs/EPSG/0/3346", epsg + "3346"},
		{"[EPSG:3059]", epsg + "3059"},
		{"EPSG:32634", epsg + "32634"},
		{"[OGC:CRS84]", CRS84},
		{" http://www.opengis.net/def/crs/OGC/1.3/CRS84 ", CRS84},
		{"http://www.opengis.net/def/crs/EPSG/0/4258", ""},
		{"EPSG:abc", ""},
		{"", ""},
	} {
		c, ok := Lookup(tc.in)
		if tc.want == "" {
			if ok {
				t.Errorf("Lookup(%q) = %s, want none", tc.in, c.URI)
			}
			continue
		}
		if !ok || c.URI != tc.want {
			t.Errorf("Lookup(%q) = %v, %v; want %s", tc.in, c, ok, tc.want)
		}
	}
	if All()[0].URI != CRS84 {
		t.Errorf("CRS84 must come first: %v", URIs())
	}
}
