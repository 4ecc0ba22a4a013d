package duckspatial

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadius is the radius, in metres, of the sphere on which ST_AREA,
// ST_LENGTH and ST_DISTANCE measure: the WGS84 mean radius (IUGG), the
// sphere BigQuery's geography functions also use.
const EarthRadius = 6371008.8

const rad = math.Pi / 180

// vec3 is a point on the unit sphere.
type vec3 [3]float64

func toVec(p orb.Point) vec3 {
	lon, lat := p[0]*rad, p[1]*rad
	c := math.Cos(lat)
	return vec3{c * math.Cos(lon), c * math.Sin(lon), math.Sin(lat)}
}

func (a vec3) dot(b vec3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func (a vec3) cross(b vec3) vec3 {
	return vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func (a vec3) norm() float64 { return math.Sqrt(a.dot(a)) }

// angle is the central angle between two unit vectors, stable for tiny and
// near-antipodal angles alike.
func angle(a, b vec3) float64 { return math.Atan2(a.cross(b).norm(), a.dot(b)) }

// sphereDistance is the great-circle distance between two lon/lat points in
// metres.
func sphereDistance(a, b orb.Point) float64 { return EarthRadius * angle(toVec(a), toVec(b)) }

// arcDistance is the central angle from p to the great-circle arc a-b (the
// shorter arc between them).
func arcDistance(p, a, b vec3) float64 {
	n := a.cross(b)
	nn := n.norm()
	if nn < 1e-15 {
		return angle(p, a)
	}
	n = vec3{n[0] / nn, n[1] / nn, n[2] / nn}
	// p's projection on the arc's great circle lies between a and b exactly
	// when it is on the inner side of both end planes.
	if a.cross(p).dot(n) >= 0 && p.cross(b).dot(n) >= 0 {
		return math.Abs(math.Asin(math.Max(-1, math.Min(1, p.dot(n)))))
	}
	return math.Min(angle(p, a), angle(p, b))
}

// sphereLength is the geodesic length of g's lines in metres; points and
// polygons have none, as in BigQuery's ST_LENGTH.
func sphereLength(g orb.Geometry) float64 {
	switch g := g.(type) {
	case orb.LineString:
		s := 0.0
		for i := 1; i < len(g); i++ {
			s += sphereDistance(g[i-1], g[i])
		}
		return s
	case orb.MultiLineString:
		s := 0.0
		for _, l := range g {
			s += sphereLength(l)
		}
		return s
	case orb.Collection:
		s := 0.0
		for _, p := range g {
			s += sphereLength(p)
		}
		return s
	}
	return 0
}

// sphereArea is the area of g's polygons in square metres, with edges taken
// as great-circle arcs; points and lines have none.
func sphereArea(g orb.Geometry) float64 {
	switch g := g.(type) {
	case orb.Polygon:
		if len(g) == 0 {
			return 0
		}
		a := ringArea(g[0])
		for _, hole := range g[1:] {
			a -= ringArea(hole)
		}
		return math.Max(0, a) * EarthRadius * EarthRadius
	case orb.MultiPolygon:
		s := 0.0
		for _, p := range g {
			s += sphereArea(p)
		}
		return s
	case orb.Collection:
		s := 0.0
		for _, p := range g {
			s += sphereArea(p)
		}
		return s
	case orb.Bound:
		return sphereArea(g.ToPolygon())
	}
	return 0
}

// ringArea is the solid angle (steradians) enclosed by a ring whose edges
// are great-circle arcs, whatever its orientation. Each edge contributes the
// signed area of the quadrilateral between it and the equator,
//
//	tan(E/2) = tan(dlon/2) (tan(lat1/2) + tan(lat2/2)) / (1 + tan(lat1/2) tan(lat2/2)),
//
// exact on the sphere; their sum is the ring's area unless the ring winds
// around a pole, when it is the band between the ring and the equator and
// the area is the rest of that hemisphere.
func ringArea(r orb.Ring) float64 {
	if len(r) < 3 {
		return 0
	}
	sum, wind := 0.0, 0.0
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		dlon := (q[0] - p[0]) * rad
		dlon = math.Remainder(dlon, 2*math.Pi) // the short way across the antimeridian
		t1, t2 := math.Tan(p[1]*rad/2), math.Tan(q[1]*rad/2)
		sum += 2 * math.Atan2(math.Tan(dlon/2)*(t1+t2), 1+t1*t2)
		wind += dlon
	}
	a := math.Abs(sum)
	if math.Abs(wind) > math.Pi { // winds once around a pole
		a = 2*math.Pi - a
	}
	return a
}
