package crs

import "math"

// tmerc is the ellipsoidal transverse Mercator projection by Krüger's
// series to sixth order in the third flattening (Karney, "Transverse
// Mercator with an accuracy of a few nanometers", J. Geodesy 85, 2011).
// Within 4,000 km of the central meridian it is exact to well under a
// millimetre, so it agrees with PROJ's tmerc everywhere in the region.
// (The Snyder series of smaller libraries is off by centimetres 2° from
// the central meridian and by decimetres at 3°, the edge of a UTM zone.)
type tmerc struct {
	lon0, k0, fe, fn float64 // central meridian (degrees), scale, false easting, false northing
	e, a1            float64 // eccentricity; rectifying radius times k0
	alpha, beta      [6]float64
}

func newTmerc(a, invF, lon0, k0, fe, fn float64) *tmerc {
	f := 1 / invF
	n := f / (2 - f)
	n2 := n * n
	n3 := n2 * n
	n4, n5, n6 := n2*n2, n2*n3, n3*n3
	t := &tmerc{lon0: lon0, k0: k0, fe: fe, fn: fn, e: math.Sqrt(f * (2 - f))}
	t.a1 = k0 * a / (1 + n) * (1 + n2/4 + n4/64 + n6/256)
	t.alpha = [6]float64{
		n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800,
		13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360,
		61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440,
		49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600,
		34729*n5/80640 - 3418889*n6/1995840,
		212378941 * n6 / 319334400,
	}
	t.beta = [6]float64{
		n/2 - 2*n2/3 + 37*n3/96 - n4/360 - 81*n5/512 + 96199*n6/604800,
		n2/48 + n3/15 - 437*n4/1440 + 46*n5/105 - 1118711*n6/3870720,
		17*n3/480 - 37*n4/840 - 209*n5/4480 + 5569*n6/90720,
		4397*n4/161280 - 11*n5/504 - 830251*n6/7257600,
		4583*n5/161280 - 108847*n6/3991680,
		20648693 * n6 / 638668800,
	}
	return t
}

// conformal is tan of the conformal latitude for tan of the geodetic one.
func (t *tmerc) conformal(tau float64) float64 {
	sigma := math.Sinh(t.e * math.Atanh(t.e*tau/math.Hypot(1, tau)))
	return tau*math.Hypot(1, sigma) - sigma*math.Hypot(1, tau)
}

// forward maps longitude and latitude (degrees) to easting and northing.
func (t *tmerc) forward(lon, lat float64) (east, north float64) {
	lam := (lon - t.lon0) * math.Pi / 180
	phi := lat * math.Pi / 180
	tauP := t.conformal(math.Tan(phi))
	xiP := math.Atan2(tauP, math.Cos(lam))
	etaP := math.Asinh(math.Sin(lam) / math.Hypot(tauP, math.Cos(lam)))
	xi, eta := xiP, etaP
	for j, a := range t.alpha {
		k := 2 * float64(j+1)
		xi += a * math.Sin(k*xiP) * math.Cosh(k*etaP)
		eta += a * math.Cos(k*xiP) * math.Sinh(k*etaP)
	}
	return t.fe + t.a1*eta, t.fn + t.a1*xi
}

// inverse maps easting and northing to longitude and latitude (degrees).
func (t *tmerc) inverse(east, north float64) (lon, lat float64) {
	xi := (north - t.fn) / t.a1
	eta := (east - t.fe) / t.a1
	xiP, etaP := xi, eta
	for j, b := range t.beta {
		k := 2 * float64(j+1)
		xiP -= b * math.Sin(k*xi) * math.Cosh(k*eta)
		etaP -= b * math.Cos(k*xi) * math.Sinh(k*eta)
	}
	lam := math.Atan2(math.Sinh(etaP), math.Cos(xiP))
	// tan of the conformal latitude, then Newton's method for the
	// geodetic one (Karney's eqs. 19–21); five steps reach full precision.
	tauP := math.Sin(xiP) / math.Hypot(math.Sinh(etaP), math.Cos(xiP))
	tau := tauP
	e2 := t.e * t.e
	for range 5 {
		tp := t.conformal(tau)
		d := (tauP - tp) / math.Hypot(1, tp) * (1 + (1-e2)*tau*tau) / ((1 - e2) * math.Hypot(1, tau))
		tau += d
		if math.Abs(d) < 1e-14 {
			break
		}
	}
	return t.lon0 + lam*180/math.Pi, math.Atan(tau) * 180 / math.Pi
}
