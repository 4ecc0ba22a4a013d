package tiler

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/simplify"
)

// LayerName is the name of the one layer of every tile, as CARTO writes it.
const LayerName = "default"

// Tile is one encoded tile: Data is a gzip-compressed Mapbox Vector Tile.
// Data belongs to the receiver.
type Tile struct {
	Z, X, Y int
	Data    []byte
}

// Progress is reported after every tile written.
type Progress struct {
	Zoom  int   // zoom level of the tile just written
	Tiles int64 // tiles written so far
}

// Result summarizes a finished tiling.
type Result struct {
	ZoomMin, ZoomMax int
	Tiles            int64
	TilesPerZoom     map[int]int64
	// NullTiles counts tiles left out by max_tile_size_strategy return_null.
	NullTiles int64
	// FractionDropped is, per zoom, the largest fraction of a tile's
	// features dropped by drop_fraction_as_needed.
	FractionDropped map[int]float64
	// MaxTileBytes is the largest tile written, before compression.
	MaxTileBytes int
}

// Tile cuts the source into tiles from opts.ZoomMin to opts.ZoomMax and
// hands them to write one at a time, depth first: memory holds the
// features, clipped to the tiles on the current path from zoom 0, plus one
// tile being encoded, whatever the number of tiles. Tiles without features
// are not written. ctx cancels between tiles. Errors from the options or
// the data are *Error.
func (s *Source) Tile(ctx context.Context, opts Options, write func(Tile) error, progress func(Progress)) (*Result, error) {
	zmax, err := s.planZoom(opts)
	if err != nil {
		return nil, err
	}
	opts.ZoomMax = zmax
	names := make([]string, len(s.props))
	for i, p := range s.props {
		names[i] = p.Name
	}
	r := &run{encoder: newEncoder(opts, names, s.value, write, progress), s: s, bufs: make([][]item, zmax+1)}
	root := make([]item, 0, len(s.feats))
	world := r.bound(0, 0, 0)
	for i := range s.feats {
		if it, ok := clipItem(world, s, item{f: int32(i)}); ok {
			root = append(root, it)
		}
	}
	if len(root) > 0 {
		if err := r.visit(ctx, 0, 0, 0, root); err != nil {
			return nil, err
		}
	}
	return r.res, nil
}

// planZoom applies the tile budget: CREATE_TILESET's automatic zoom_max,
// or the refusal of a zoom_max whose tiles would exceed MaxTiles.
func (s *Source) planZoom(o Options) (int, error) {
	limit := o.MaxTiles
	if limit <= 0 {
		limit = DefaultMaxTile
	}
	est := make([]int64, MaxZoom+1)
	for z := range est {
		est[z] = s.estimate(z)
	}
	fits := func(zmax int, budget int64) bool {
		var sum int64
		for z := o.ZoomMin; z <= zmax; z++ {
			sum += est[z]
		}
		return sum <= budget
	}
	if o.AutoZoomMax {
		z := o.ZoomMin
		for z < autoZoomMax && fits(z+1, min(limit, autoTileBudget)) {
			z++
		}
		return z, nil
	}
	if fits(o.ZoomMax, limit) {
		return o.ZoomMax, nil
	}
	var sum int64
	for z := o.ZoomMin; z <= o.ZoomMax; z++ {
		sum += est[z]
	}
	best := o.ZoomMin - 1
	for z := o.ZoomMin; z <= o.ZoomMax && fits(z, limit); z++ {
		best = z
	}
	advice := fmt.Sprintf("use zoom_max %d or lower", best)
	if best < o.ZoomMin {
		advice = "raise zoom_min or tile a smaller area"
	}
	return 0, errorf("zoom_max %d would make up to %d tiles from zoom %d for this input, over the limit of %d tiles: %s",
		o.ZoomMax, sum, o.ZoomMin, limit, advice)
}

// estimate bounds the tiles at zoom z from above: each feature's bounding
// box in tiles, summed, and never more than the zoom has.
func (s *Source) estimate(z int) int64 {
	n := math.Ldexp(1, z)
	limit := int64(n) * int64(n)
	var sum int64
	for i := range s.feats {
		b := s.feats[i].bound()
		w := int64(math.Min(math.Floor(b.Max[0]*n), n-1)-math.Min(math.Floor(b.Min[0]*n), n-1)) + 1
		h := int64(math.Min(math.Floor(b.Max[1]*n), n-1)-math.Min(math.Floor(b.Min[1]*n), n-1)) + 1
		if sum += w * h; sum >= limit {
			return limit
		}
	}
	return sum
}

// item is a feature clipped to the current tile (with buffer); g is nil
// for a point, which is never clipped, only kept or left out.
type item struct {
	f int32
	g orb.Geometry
}

// clipItem clips it to b; false when nothing of it is inside.
func clipItem(b orb.Bound, s *Source, it item) (item, bool) {
	if f := &s.feats[it.f]; f.g == nil {
		return it, b.Contains(orb.Point{f.x, f.y})
	}
	g := it.g
	if g == nil {
		g = s.feats[it.f].g
	}
	if g = clipTo(b, g); g == nil {
		return it, false
	}
	return item{f: it.f, g: g}, true
}

type run struct {
	*encoder
	s *Source

	bufs [][]item // per zoom, reused by sibling tiles

	feats []encFeature
	geoms []uint32 // the MVT commands of feats
}

// encoder turns a tile's features into a gzip-compressed MVT, applies
// max_tile_size_kb, max_tile_features and the strategy, and hands the tile
// to write. Simple and aggregation tilesets share it.
type encoder struct {
	o        Options
	write    func(Tile) error
	progress func(Progress)
	res      *Result
	mvt      *mvtEncoder
	subset   []encFeature

	gz    *gzip.Writer
	gzBuf bytes.Buffer
}

// newEncoder encodes tiles whose features carry the properties names.
func newEncoder(opts Options, names []string, val valueFunc, write func(Tile) error, progress func(Progress)) *encoder {
	e := &encoder{o: opts, write: write, progress: progress, mvt: newMVTEncoder(LayerName, opts.TileExtent, names, val),
		res: &Result{ZoomMin: opts.ZoomMin, ZoomMax: opts.ZoomMax,
			TilesPerZoom: map[int]int64{}, FractionDropped: map[int]float64{}}}
	e.gz, _ = gzip.NewWriterLevel(&e.gzBuf, gzip.DefaultCompression)
	return e
}

// bound is tile (z, x, y) with its buffer, in the unit square.
func (r *run) bound(z, x, y int) orb.Bound {
	n := math.Ldexp(1, z)
	buf := float64(r.o.TileBuffer) / float64(r.o.TileExtent) / n
	return orb.Bound{
		Min: orb.Point{float64(x)/n - buf, float64(y)/n - buf},
		Max: orb.Point{float64(x+1)/n + buf, float64(y+1)/n + buf},
	}
}

// clipTo returns g clipped to b: g itself when inside, nil when outside,
// else a clipped copy (clip works in place, and g is shared by siblings).
func clipTo(b orb.Bound, g orb.Geometry) orb.Geometry {
	gb := g.Bound()
	if !b.Intersects(gb) {
		return nil
	}
	if b.Contains(gb.Min) && b.Contains(gb.Max) {
		return g
	}
	if mp, ok := g.(orb.MultiPoint); ok {
		return clip.Geometry(b, append(orb.MultiPoint(nil), mp...))
	}
	return clip.Geometry(b, orb.Clone(g))
}

func (r *run) visit(ctx context.Context, z, x, y int, items []item) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if z >= r.o.ZoomMin {
		if err := r.emit(z, x, y, items); err != nil {
			return err
		}
	}
	if z == r.o.ZoomMax {
		return nil
	}
	for _, c := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
		cx, cy := 2*x+c[0], 2*y+c[1]
		b := r.bound(z+1, cx, cy)
		child := r.bufs[z+1][:0]
		for _, it := range items {
			if c, ok := clipItem(b, r.s, it); ok {
				child = append(child, c)
			}
		}
		r.bufs[z+1] = child
		if len(child) > 0 {
			if err := r.visit(ctx, z+1, cx, cy, child); err != nil {
				return err
			}
		}
		// Drop the references to clipped geometries before the next sibling.
		clear(r.bufs[z+1][:cap(r.bufs[z+1])])
	}
	return nil
}

// emit encodes and writes one tile, applying the size strategy.
func (r *run) emit(z, x, y int, items []item) error {
	feats, err := r.features(z, x, y, items)
	if err != nil {
		return fmt.Errorf("encode tile %d/%d/%d: %w", z, x, y, err)
	}
	return r.encoder.emit(z, x, y, feats)
}

// emit encodes and writes one tile of feats (none: no tile), applying the
// size strategy.
func (r *encoder) emit(z, x, y int, feats []encFeature) error {
	if len(feats) == 0 {
		return nil
	}
	raw, err := r.mvt.marshal(feats)
	if err != nil {
		return fmt.Errorf("encode tile %d/%d/%d: %w", z, x, y, err)
	}
	maxBytes := r.o.MaxTileSizeKB * 1024
	over := func(n, size int) bool {
		return size > maxBytes || (r.o.MaxTileFeatures > 0 && n > r.o.MaxTileFeatures)
	}
	if over(len(feats), len(raw)) {
		switch r.o.Strategy {
		case ReturnNull:
			r.res.NullTiles++
			return nil
		case DropFraction:
			kept, data, err := r.dropFraction(feats, maxBytes, over)
			if err != nil {
				return err
			}
			dropped := 1 - float64(kept)/float64(len(feats))
			r.res.FractionDropped[z] = math.Max(r.res.FractionDropped[z], dropped)
			if kept == 0 {
				return nil
			}
			raw = data
		default:
			return errorf("tile %d/%d/%d has %d features and %d KB before compression, over max_tile_size_kb %d%s: "+
				"lower zoom_min (start at a zoom where tiles hold fewer features), list fewer properties, raise max_tile_size_kb "+
				"(up to %d), or set max_tile_size_strategy to %q or %q",
				z, x, y, len(feats), (len(raw)+1023)/1024, r.o.MaxTileSizeKB, featuresLimitNote(r.o.MaxTileFeatures),
				MaxTileSizeKB, DropFraction, ReturnNull)
		}
	}
	r.res.MaxTileBytes = max(r.res.MaxTileBytes, len(raw))

	r.gzBuf.Reset()
	r.gz.Reset(&r.gzBuf)
	if _, err := r.gz.Write(raw); err != nil {
		return err
	}
	if err := r.gz.Close(); err != nil {
		return err
	}
	data := bytes.Clone(r.gzBuf.Bytes())
	if err := r.write(Tile{Z: z, X: x, Y: y, Data: data}); err != nil {
		return err
	}
	r.res.Tiles++
	r.res.TilesPerZoom[z]++
	if r.progress != nil {
		r.progress(Progress{Zoom: z, Tiles: r.res.Tiles})
	}
	return nil
}

func featuresLimitNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" or max_tile_features %d", n)
}

// dropFraction keeps an evenly spread subset of the features (in input
// order) that fits, shrinking it until it does.
func (r *encoder) dropFraction(feats []encFeature, maxBytes int, over func(n, size int) bool) (int, []byte, error) {
	keep := 1.0
	if r.o.MaxTileFeatures > 0 && len(feats) > r.o.MaxTileFeatures {
		keep = float64(r.o.MaxTileFeatures) / float64(len(feats))
	}
	subset := r.subset[:0]
	defer func() { r.subset = subset[:0] }()
	for range 64 {
		subset = subset[:0]
		for i, f := range feats {
			if math.Floor(float64(i+1)*keep) > math.Floor(float64(i)*keep) {
				subset = append(subset, f)
			}
		}
		if len(subset) == 0 {
			return 0, nil, nil
		}
		raw, err := r.mvt.marshal(subset)
		if err != nil {
			return 0, nil, err
		}
		if !over(len(subset), len(raw)) {
			return len(subset), raw, nil
		}
		keep *= math.Min(0.9, float64(maxBytes)/float64(len(raw)))
	}
	return 0, nil, nil
}

// features turns the tile's items into MVT features in tile coordinates:
// snapped to the pixel grid, simplified by one pixel below zoom_max (the
// last zoom keeps every vertex), rings oriented as MVT wants, and
// degenerate parts removed.
func (r *run) features(z, x, y int, items []item) ([]encFeature, error) {
	extent := float64(r.o.TileExtent)
	scale := extent * math.Ldexp(1, z)
	ox, oy := float64(x)*extent, float64(y)*extent
	toTile := func(p orb.Point) orb.Point {
		return orb.Point{math.Floor(p[0]*scale - ox), math.Floor(p[1]*scale - oy)}
	}
	simplifyLines := z < r.o.ZoomMax

	r.feats, r.geoms = r.feats[:0], r.geoms[:0]
	for _, it := range items {
		f := &r.s.feats[it.f]
		start := len(r.geoms)
		typ := uint32(mvtPoint)
		if f.g == nil {
			w := geomWriter{data: r.geoms}
			w.moveTo(toTile(orb.Point{f.x, f.y}))
			r.geoms = w.data
		} else {
			g := it.g
			if g == nil {
				g = f.g
			}
			if g = tidy(transform(g, toTile), simplifyLines); g == nil {
				continue
			}
			var err error
			if r.geoms, typ, err = appendGeometry(r.geoms, g); err != nil {
				return nil, err
			}
		}
		r.feats = append(r.feats, encFeature{id: f.id, hasID: true, typ: typ, geom: r.geoms[start:len(r.geoms):len(r.geoms)], row: f.row})
	}
	if len(r.feats) == 0 {
		return nil, nil
	}
	return r.feats, nil
}

var onePixel = simplify.DouglasPeucker(1)

// tidy cleans a geometry in tile coordinates; nil when nothing is left.
func tidy(g orb.Geometry, simplifyLines bool) orb.Geometry {
	switch g := g.(type) {
	case orb.Point, orb.MultiPoint:
		return g
	case orb.LineString:
		// Not "return tidyLine(...)": a nil LineString in an interface
		// is not a nil geometry, and orb's MVT encoder panics on it.
		if l := tidyLine(g, simplifyLines); l != nil {
			return l
		}
		return nil
	case orb.MultiLineString:
		return tidyParts(g, tidyLine, simplifyLines)
	case orb.Polygon:
		if p := tidyPolygon(g, simplifyLines); p != nil {
			return p
		}
		return nil
	case orb.MultiPolygon:
		return tidyParts(g, tidyPolygon, simplifyLines)
	}
	return nil
}

// sliceGeometry is a geometry made of a slice of E: orb.MultiLineString
// (of LineStrings), orb.LineString (of Points), orb.MultiPolygon...
type sliceGeometry[E any] interface {
	~[]E
	orb.Geometry
}

// tidyParts tidies each part of a multi-geometry in place with tidyPart,
// dropping the parts nothing is left of: nil when none is left, the part
// itself when one is.
func tidyParts[M sliceGeometry[P], P sliceGeometry[E], E any](m M, tidyPart func(P, bool) P, simplifyLines bool) orb.Geometry {
	out := m[:0]
	for _, p := range m {
		if p := tidyPart(p, simplifyLines); p != nil {
			out = append(out, p)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

func dedupe[S ~[]orb.Point](pts S) S {
	out := pts[:0]
	for i, p := range pts {
		if i == 0 || p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	return out
}

func tidyLine(l orb.LineString, simplifyLines bool) orb.LineString {
	l = dedupe(l)
	if simplifyLines && len(l) > 2 {
		l = onePixel.LineString(l)
	}
	if len(l) < 2 {
		return nil
	}
	return l
}

// tidyPolygon returns nil if the outer ring vanished. MVT wants the outer
// ring with a positive area in tile coordinates (y down) and holes negative,
// which is orb's CCW and CW.
func tidyPolygon(p orb.Polygon, simplifyLines bool) orb.Polygon {
	out := p[:0]
	for i, r := range p {
		r = dedupe(r)
		if simplifyLines && len(r) > 4 {
			r = onePixel.Ring(r)
		}
		if len(r) < 4 || r.Orientation() == 0 {
			if i == 0 {
				return nil
			}
			continue
		}
		want := orb.CCW
		if i > 0 {
			want = orb.CW
		}
		if r.Orientation() != want {
			r.Reverse()
		}
		out = append(out, r)
	}
	return out
}
