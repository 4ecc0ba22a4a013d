package duckspatial

import (
	"errors"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The predicates are planar: coordinates are treated as x/y on a plane and
// edges as straight lines between them, as in PostGIS on geometry. BigQuery's
// geography edges are great-circle arcs instead; the two agree except near
// long edges, where the arc bulges towards the pole (see the package
// documentation).

// shape is a geometry split into the parts the predicates look at.
type shape struct {
	points []orb.Point
	lines  []orb.LineString
	polys  []orb.Polygon
	bound  orb.Bound
	empty  bool
}

func newShape(g orb.Geometry) shape {
	var s shape
	s.add(g)
	s.empty = len(s.points) == 0 && len(s.lines) == 0 && len(s.polys) == 0
	if !s.empty {
		s.bound = g.Bound()
	}
	return s
}

func (s *shape) add(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		if !isEmptyPoint(g) {
			s.points = append(s.points, g)
		}
	case orb.MultiPoint:
		for _, p := range g {
			s.add(p)
		}
	case orb.LineString:
		if len(g) > 0 {
			s.lines = append(s.lines, g)
		}
	case orb.MultiLineString:
		for _, l := range g {
			s.add(l)
		}
	case orb.Polygon:
		if len(g) > 0 && len(g[0]) > 0 {
			s.polys = append(s.polys, g)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			s.add(p)
		}
	case orb.Collection:
		for _, p := range g {
			s.add(p)
		}
	case orb.Ring:
		s.add(orb.Polygon{g})
	case orb.Bound:
		s.add(g.ToPolygon())
	}
}

// eachSegment calls fn for every edge of the shape's lines and polygon rings
// until fn returns false; it reports whether it went through all of them.
func (s *shape) eachSegment(fn func(a, b orb.Point) bool) bool {
	for _, l := range s.lines {
		if len(l) == 1 && !fn(l[0], l[0]) {
			return false
		}
		for i := 1; i < len(l); i++ {
			if !fn(l[i-1], l[i]) {
				return false
			}
		}
	}
	for _, p := range s.polys {
		for _, r := range p {
			for i := 1; i < len(r); i++ {
				if !fn(r[i-1], r[i]) {
					return false
				}
			}
		}
	}
	return true
}

// eachVertex calls fn for every vertex until fn returns false.
func (s *shape) eachVertex(fn func(p orb.Point) bool) bool {
	for _, p := range s.points {
		if !fn(p) {
			return false
		}
	}
	for _, l := range s.lines {
		for _, p := range l {
			if !fn(p) {
				return false
			}
		}
	}
	for _, pg := range s.polys {
		for _, r := range pg {
			for _, p := range r {
				if !fn(p) {
					return false
				}
			}
		}
	}
	return true
}

// location of a point relative to an areal shape.
type location int

const (
	outside location = iota
	onBoundary
	inside
)

// locateRing tells whether p is inside ring r, on it, or outside (even-odd
// rule, so the ring's orientation does not matter).
func locateRing(r orb.Ring, p orb.Point) location {
	in := false
	for i := range r {
		a, b := r[i], r[(i+1)%len(r)]
		if onSegment(p, a, b) {
			return onBoundary
		}
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	if in {
		return inside
	}
	return outside
}

func locatePolygon(pg orb.Polygon, p orb.Point) location {
	loc := locateRing(pg[0], p)
	if loc != inside {
		return loc
	}
	for _, hole := range pg[1:] {
		switch locateRing(hole, p) {
		case inside:
			return outside
		case onBoundary:
			return onBoundary
		}
	}
	return inside
}

// locate finds p relative to the union of the shape's polygons. A polygon
// with longitudes beyond +-180 (an H3 cell across the antimeridian, kept in
// one piece) also locates p one turn of the globe over.
func (s *shape) locate(p orb.Point) location {
	best := outside
	for _, pg := range s.polys {
		b := pg.Bound()
		for _, shift := range wraps(b) {
			q := orb.Point{p[0] + shift, p[1]}
			if !b.Contains(q) {
				continue
			}
			switch locatePolygon(pg, q) {
			case inside:
				return inside
			case onBoundary:
				best = onBoundary
			}
		}
	}
	return best
}

// wraps lists the longitude shifts under which a shape with bound b may
// meet points given in [-180, 180].
func wraps(b orb.Bound) []float64 {
	switch {
	case b.Min[0] < -180 && b.Max[0] > 180:
		return []float64{0, -360, 360}
	case b.Min[0] < -180:
		return []float64{0, -360}
	case b.Max[0] > 180:
		return []float64{0, 360}
	}
	return []float64{0}
}

// boundsMeet is Bound.Intersects, also one turn of the globe over when
// either bound crosses +-180.
func boundsMeet(a, b orb.Bound) bool {
	for _, shift := range wraps(a) {
		if a.Intersects(shiftBound(b, shift)) {
			return true
		}
	}
	for _, shift := range wraps(b) {
		if b.Intersects(shiftBound(a, shift)) {
			return true
		}
	}
	return false
}

// boundWithin reports whether inner lies in outer, allowing outer's wrap.
func boundWithin(inner, outer orb.Bound) bool {
	for _, shift := range wraps(outer) {
		s := shiftBound(inner, shift)
		if outer.Contains(s.Min) && outer.Contains(s.Max) {
			return true
		}
	}
	return false
}

func shiftBound(b orb.Bound, dx float64) orb.Bound {
	return orb.Bound{Min: orb.Point{b.Min[0] + dx, b.Min[1]}, Max: orb.Point{b.Max[0] + dx, b.Max[1]}}
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// onSegment reports whether p lies on the closed segment a-b.
func onSegment(p, a, b orb.Point) bool {
	if orient(a, b, p) != 0 {
		return false
	}
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether the closed segments a-b and c-d share
// a point.
func segmentsIntersect(a, b, c, d orb.Point) bool {
	o1, o2 := orient(a, b, c), orient(a, b, d)
	o3, o4 := orient(c, d, a), orient(c, d, b)
	if (o1 > 0 && o2 < 0 || o1 < 0 && o2 > 0) && (o3 > 0 && o4 < 0 || o3 < 0 && o4 > 0) {
		return true
	}
	return onSegment(c, a, b) || onSegment(d, a, b) || onSegment(a, c, d) || onSegment(b, c, d)
}

// segmentsCross reports whether a-b and c-d cross at a point inside both
// (not at an end point, not along a shared stretch).
func segmentsCross(a, b, c, d orb.Point) bool {
	o1, o2 := orient(a, b, c), orient(a, b, d)
	o3, o4 := orient(c, d, a), orient(c, d, b)
	return (o1 > 0 && o2 < 0 || o1 < 0 && o2 > 0) && (o3 > 0 && o4 < 0 || o3 < 0 && o4 > 0)
}

// touches reports whether point p is part of shape s.
func (s *shape) touches(p orb.Point) bool {
	for _, q := range s.points {
		if q == p {
			return true
		}
	}
	if !s.eachSegment(func(a, b orb.Point) bool { return !onSegment(p, a, b) }) {
		return true
	}
	return s.locate(p) != outside
}

// intersects is ST_INTERSECTS: whether the two shapes share any point.
func intersects(a, b *shape) bool {
	if a.empty || b.empty || !boundsMeet(a.bound, b.bound) {
		return false
	}
	for _, p := range a.points {
		if b.touches(p) {
			return true
		}
	}
	for _, p := range b.points {
		if a.touches(p) {
			return true
		}
	}
	crossed := !a.eachSegment(func(p1, p2 orb.Point) bool {
		return b.eachSegment(func(q1, q2 orb.Point) bool { return !segmentsIntersect(p1, p2, q1, q2) })
	})
	if crossed {
		return true
	}
	// No edges meet: a line or ring is then wholly inside a polygon of
	// the other shape or wholly outside, so one vertex of each decides.
	return firstVertexInside(a, b) || firstVertexInside(b, a)
}

func firstVertexInside(s, of *shape) bool {
	if len(of.polys) == 0 {
		return false
	}
	for _, l := range s.lines {
		if of.locate(l[0]) != outside {
			return true
		}
	}
	for _, pg := range s.polys {
		if of.locate(pg[0][0]) != outside {
			return true
		}
	}
	return false
}

var errContainsMixed = errors.New("a first argument mixing polygons with points or lines (a GEOMETRYCOLLECTION) is not supported; " +
	"test its parts separately")

// contains is ST_CONTAINS: no point of b outside a, and some point of b in
// a's interior. Exact for points in polygons; for lines and polygons inside
// polygons it checks every vertex, every edge crossing and every edge
// midpoint, which misses only degenerate cases (see the documentation).
func contains(a, b *shape) (bool, error) {
	if a.empty || b.empty {
		return false, nil
	}
	if !boundWithin(b.bound, a.bound) {
		return false, nil
	}
	switch {
	case len(a.polys) > 0 && len(a.points)+len(a.lines) > 0:
		return false, errContainsMixed
	case len(a.polys) > 0:
		return areaContains(a, b), nil
	case len(a.lines) > 0:
		if len(a.points) > 0 {
			return false, errContainsMixed
		}
		return lineContains(a, b), nil
	}
	// a is points: it contains only points it has.
	if len(b.lines)+len(b.polys) > 0 {
		return false, nil
	}
	for _, p := range b.points {
		if !a.touches(p) {
			return false, nil
		}
	}
	return true, nil
}

func areaContains(a, b *shape) bool {
	interior := false
	see := func(p orb.Point) bool {
		switch a.locate(p) {
		case outside:
			return false
		case inside:
			interior = true
		}
		return true
	}
	for _, p := range b.points {
		if !see(p) {
			return false
		}
	}
	ok := b.eachSegment(func(p, q orb.Point) bool {
		if !see(p) || !see(q) || !see(orb.Point{(p[0] + q[0]) / 2, (p[1] + q[1]) / 2}) {
			return false
		}
		return a.eachSegment(func(r, s orb.Point) bool { return !segmentsCross(p, q, r, s) })
	})
	if !ok {
		return false
	}
	for _, pg := range b.polys {
		// A polygon of b must not cover one of a's holes (or a gap
		// between a's polygons), and one whose boundary runs along a's
		// boundary still has an interior point in a's interior.
		inner := &shape{polys: []orb.Polygon{pg}}
		for _, apg := range a.polys {
			for _, hole := range apg[1:] {
				if len(hole) > 0 && inner.locate(hole[0]) == inside {
					return false
				}
			}
		}
		if c, _ := planar.CentroidArea(pg); inner.locate(c) == inside && !see(c) {
			return false
		}
	}
	return interior
}

func lineContains(a, b *shape) bool {
	if len(b.polys) > 0 {
		return false
	}
	onLine := func(p orb.Point) bool {
		return !a.eachSegment(func(r, s orb.Point) bool { return !onSegment(p, r, s) })
	}
	isEnd := func(p orb.Point) bool {
		for _, l := range a.lines {
			if len(l) > 1 && l[0] != l[len(l)-1] && (p == l[0] || p == l[len(l)-1]) {
				return true
			}
		}
		return false
	}
	interior := false
	for _, p := range b.points {
		if !onLine(p) {
			return false
		}
		if !isEnd(p) {
			interior = true
		}
	}
	ok := b.eachSegment(func(p, q orb.Point) bool {
		m := orb.Point{(p[0] + q[0]) / 2, (p[1] + q[1]) / 2}
		if !onLine(p) || !onLine(q) || !onLine(m) {
			return false
		}
		if p != q {
			interior = true
		}
		return true
	})
	return ok && interior
}

// distance is ST_DISTANCE in metres: 0 when the shapes intersect (a planar
// test, see intersects), else the smallest great-circle distance from a
// vertex of one to a point or edge of the other, which is where two
// non-crossing geodesic edges come closest.
func distance(a, b *shape) float64 {
	if len(a.points) == 1 && len(b.points) == 1 && len(a.lines)+len(a.polys)+len(b.lines)+len(b.polys) == 0 {
		return sphereDistance(a.points[0], b.points[0])
	}
	if intersects(a, b) {
		return 0
	}
	best := math.Inf(1)
	from := func(s, to *shape) {
		s.eachVertex(func(p orb.Point) bool {
			v := toVec(p)
			for _, q := range to.points {
				best = math.Min(best, angle(v, toVec(q)))
			}
			to.eachSegment(func(q, r orb.Point) bool {
				best = math.Min(best, arcDistance(v, toVec(q), toVec(r)))
				return true
			})
			return true
		})
	}
	from(a, b)
	from(b, a)
	return best * EarthRadius
}
