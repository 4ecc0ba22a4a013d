package tiler

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/carto-mcp/carto-mcp/quadbin"
)

// PointAggregator builds a point aggregation tileset
// (CREATE_POINT_AGGREGATION_TILESET): the points of zoom z are grouped into
// the quadbin cells of level z + aggregation_resolution, and each cell with
// points becomes one feature of its tile, placed as aggregation_placement
// says and carrying the aggregated properties.
//
// Points are kept column by column (a cell code and the values the formulas
// read), about 8 bytes per point and per column, plus 16 for
// features-any/-centroid. Tiling sorts them by cell code once; then every
// zoom is one sequential pass in which cells and tiles are contiguous runs,
// and tiles are handed to the caller one at a time as they are finished.
//
// single_point_properties add one column each (pointColumn), for every
// point while reading; sorting keeps only the values of the points alone in
// their cell at zoom_max + aggregation_resolution. A point that shares its
// finest cell shares every coarser one, so it can never be a cell's only
// point, and its values are dropped before any tile is cut.
type PointAggregator struct {
	o     Options
	agg   *Aggregation
	level int // the finest cells: zoom_max + aggregation_resolution

	inputs []aggInput
	propIn []int // per property: index in inputs, -1 for COUNT(*)

	codes  []uint64    // per point: Morton code of its cell at level (quadbin.Interleave)
	lonlat []float64   // per point, lon then lat; features-* placements only
	vals   [][]float64 // per input, per point; NaN is NULL
	dict   []map[string]int32
	texts  [][]string    // per text input: its distinct values by id
	single []pointColumn // per single-point property; after sorting, only the lone points' values

	bound    orb.Bound
	hasBound bool
	skipped  int64
	stats    []attrStats // per property then single-point property, over the cells of zoom_max

	cellsAtZoomMax int64
}

// aggInput is one source column as a formula reads it.
type aggInput struct {
	column string
	kind   inputKind
}

type inputKind int

const (
	inNumber  inputKind = iota // SUM, AVG, Number MIN/MAX: the value
	inText                     // String MIN/MAX: the value as text
	inPresent                  // COUNT(column): only whether it is NULL
)

// NewPointAggregator starts an empty aggregation tileset for opts, which
// must come from ParsePointAggregationOptions.
func NewPointAggregator(opts Options) *PointAggregator {
	a := &PointAggregator{o: opts, agg: opts.Aggregation, level: opts.ZoomMax + opts.Aggregation.Resolution}
	for _, p := range a.agg.Properties {
		if p.Column == "" {
			a.propIn = append(a.propIn, -1)
			continue
		}
		in := aggInput{column: p.Column, kind: inNumber}
		switch {
		case p.Func == Count:
			in.kind = inPresent
		case (p.Func == Min || p.Func == Max) && p.Type == String:
			in.kind = inText
		}
		i := slices.IndexFunc(a.inputs, func(x aggInput) bool { return x.kind == in.kind && strings.EqualFold(x.column, in.column) })
		if i < 0 {
			i = len(a.inputs)
			a.inputs = append(a.inputs, in)
		}
		a.propIn = append(a.propIn, i)
	}
	a.vals = make([][]float64, len(a.inputs))
	a.dict = make([]map[string]int32, len(a.inputs))
	a.texts = make([][]string, len(a.inputs))
	for _, p := range a.agg.SinglePoint {
		a.single = append(a.single, pointColumn{typ: p.Type})
	}
	a.stats = make([]attrStats, len(a.agg.Properties)+len(a.agg.SinglePoint))
	for i := range a.stats {
		a.stats[i].min, a.stats[i].max = math.Inf(1), math.Inf(-1)
	}
	return a
}

// Columns are the source columns the formulas read, then the
// single_point_properties, in the order Add wants their values.
func (a *PointAggregator) Columns() []string {
	out := make([]string, 0, len(a.inputs)+len(a.single))
	for _, in := range a.inputs {
		out = append(out, in.column)
	}
	for _, p := range a.agg.SinglePoint {
		out = append(out, p.Name)
	}
	return out
}

// Len is the number of points added.
func (a *PointAggregator) Len() int { return len(a.codes) }

// Add adds one input row: its point (lon/lat; nil or empty skips the row)
// and the values of Columns. Anything but a point, a point outside
// longitude/latitude ranges or a value its formula cannot aggregate is an
// *Error naming the row and what to change.
func (a *PointAggregator) Add(row int64, g orb.Geometry, values []any) error {
	if g == nil || isEmpty(g) {
		a.skipped++
		return nil
	}
	p, ok := g.(orb.Point)
	if !ok {
		return errorf("input row %d: the geometry is a %s; CREATE_POINT_AGGREGATION_TILESET aggregates points: "+
			"select a point per row (e.g. ST_CENTROID(geom) AS geom in the input query), or tile other geometries with CREATE_SIMPLE_TILESET",
			row, g.GeoJSONType())
	}
	if err := checkGeometry(p); err != nil {
		return errorf("input row %d: the geometry %v; fix or filter it out in the input query (e.g. WHERE a valid-range check)", row, err)
	}
	for i, in := range a.inputs {
		v, err := a.value(in, i, values[i])
		if err != nil {
			return errorf("input row %d: column %q: %v", row, in.column, err)
		}
		a.vals[i] = append(a.vals[i], v)
	}
	for j := range a.single {
		if err := a.single[j].add(values[len(a.inputs)+j]); err != nil {
			return errorf("input row %d: column %q (options.single_point_properties): %v", row, a.agg.SinglePoint[j].Name, err)
		}
	}
	x, y := quadbin.TileXY(p[0], p[1], a.level)
	a.codes = append(a.codes, quadbin.Interleave(uint32(x), uint32(y)))
	if a.agg.Placement == FeaturesAny || a.agg.Placement == FeaturesCentroid {
		a.lonlat = append(a.lonlat, p[0], p[1])
	}
	p[1] = math.Max(-MaxLatitude, math.Min(MaxLatitude, p[1]))
	if a.hasBound {
		a.bound = a.bound.Extend(p)
	} else {
		a.bound, a.hasBound = p.Bound(), true
	}
	return nil
}

// value turns a warehouse value into what input i keeps per point.
func (a *PointAggregator) value(in aggInput, i int, v any) (float64, error) {
	if v == nil {
		return math.NaN(), nil
	}
	switch in.kind {
	case inPresent:
		return 1, nil
	case inText:
		s := toString(v)
		if a.dict[i] == nil {
			a.dict[i] = map[string]int32{}
		}
		id, ok := a.dict[i][s]
		if !ok {
			id = int32(len(a.texts[i]))
			a.dict[i][s] = id
			a.texts[i] = append(a.texts[i], s)
		}
		return float64(id), nil
	}
	f, ok := toFloat(v)
	if !ok {
		return 0, fmt.Errorf("%v (%T) is not a number, and %s aggregates numbers; aggregate a numeric column, "+
			`or for MIN/MAX of text declare the property "type": "String"`, v, v, a.formulasOf(in.column))
	}
	return f, nil // NaN stays NaN: NULL, as MVT has no NaN
}

func (a *PointAggregator) formulasOf(column string) string {
	var fs []string
	for _, p := range a.agg.Properties {
		if strings.EqualFold(p.Column, column) {
			fs = append(fs, p.String())
		}
	}
	return strings.Join(fs, ", ")
}

// sortPoints orders the points by cell code, input order within a cell
// (so a cell's first point is its first in the input), moving every
// per-point column into that order. Text inputs are re-numbered so that
// ids sort as their strings do: MIN and MAX of text are then MIN and MAX of
// the ids.
func (a *PointAggregator) sortPoints() {
	type key struct {
		code uint64
		i    uint32
	}
	keys := make([]key, len(a.codes))
	for i, c := range a.codes {
		keys[i] = key{c, uint32(i)}
	}
	slices.SortFunc(keys, func(x, y key) int { return cmp.Or(cmp.Compare(x.code, y.code), cmp.Compare(x.i, y.i)) })
	for i, k := range keys {
		a.codes[i] = k.code
	}
	tmp := make([]float64, len(keys))
	for c := range a.vals {
		for i, k := range keys {
			tmp[i] = a.vals[c][k.i]
		}
		a.vals[c], tmp = tmp, a.vals[c]
	}
	if a.lonlat != nil {
		ll := make([]float64, len(a.lonlat))
		for i, k := range keys {
			ll[2*i], ll[2*i+1] = a.lonlat[2*k.i], a.lonlat[2*k.i+1]
		}
		a.lonlat = ll
	}
	if len(a.single) > 0 {
		// The lone points' input indices, in sorted order: the values
		// tiles can carry, and all that is kept of the columns.
		var lone []uint32
		for i, k := range keys {
			if a.aloneAtFinest(i) {
				lone = append(lone, k.i)
			}
		}
		for c := range a.single {
			a.single[c] = a.single[c].gather(lone)
		}
	}
	for c, texts := range a.texts {
		if len(texts) == 0 {
			continue
		}
		order := make([]int32, len(texts))
		for i := range order {
			order[i] = int32(i)
		}
		slices.SortFunc(order, func(x, y int32) int { return strings.Compare(texts[x], texts[y]) })
		rank := make([]float64, len(texts))
		sorted := make([]string, len(texts))
		for r, id := range order {
			rank[id] = float64(r)
			sorted[r] = texts[id]
		}
		for i, v := range a.vals[c] {
			if !math.IsNaN(v) {
				a.vals[c][i] = rank[int(v)]
			}
		}
		a.texts[c], a.dict[c] = sorted, nil
	}
}

// aloneAtFinest says whether sorted point i is the only one in its cell
// at zoom_max + aggregation_resolution (the codes' level).
func (a *PointAggregator) aloneAtFinest(i int) bool {
	c := a.codes[i]
	return (i == 0 || a.codes[i-1] != c) && (i == len(a.codes)-1 || a.codes[i+1] != c)
}

// cellAcc accumulates one cell's points.
type cellAcc struct {
	count      int64
	first      int // index (sorted) of the cell's first point
	lone       int // lone points (aloneAtFinest) before first: first's index in the single-point columns when count is 1
	sumLon     float64
	sumLat     float64
	n          []int64   // per property: non-NULL values
	v          []float64 // per property: sum, min or max
	code       uint64    // cell code at its level
	properties []any     // the values written, aligned with the properties
}

func (c *cellAcc) reset(first int, code uint64) {
	c.count, c.first, c.code, c.sumLon, c.sumLat = 0, first, code, 0, 0
	clear(c.n)
	clear(c.v)
}

// Tile cuts the tileset from zoom_min to zoom_max and hands the tiles to
// write one at a time, zoom by zoom; ctx cancels between tiles. It can be
// called once: it sorts the points in place.
func (a *PointAggregator) Tile(ctx context.Context, opts Options, write func(Tile) error, progress func(Progress)) (*Result, error) {
	a.sortPoints()
	if err := a.checkTileBudget(opts); err != nil {
		return nil, err
	}
	names := a.agg.names()
	var vals []any // per tile: the cells' values, np per cell
	np := len(names)
	enc := newEncoder(opts, names, func(row int32, col int) (valueKey, bool) {
		return keyOf(vals[int(row)*np+col])
	}, write, progress)
	acc := &cellAcc{n: make([]int64, np), v: make([]float64, np)}
	var feats []encFeature
	var geoms []uint32

	for z := opts.ZoomMin; z <= opts.ZoomMax; z++ {
		cellShift := uint(2 * (a.level - (z + a.agg.Resolution)))
		tileShift := uint(2 * (a.level - z))
		feats, vals, geoms = feats[:0], vals[:0], geoms[:0]
		lone := 0 // points so far alone in their finest cell
		finishCell := func() error {
			start := len(vals)
			for range np {
				vals = append(vals, nil)
			}
			acc.properties = vals[start:len(vals):len(vals)]
			a.finish(acc, z == opts.ZoomMax)
			gstart := len(geoms)
			var typ uint32
			var err error
			if geoms, typ, err = appendGeometry(geoms, a.place(acc, z)); err != nil {
				return err
			}
			feats = append(feats, encFeature{typ: typ, geom: geoms[gstart:len(geoms):len(geoms)], row: int32(start / max(np, 1))})
			return nil
		}
		finishTile := func(tileKey uint64) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			a.order(feats, vals, np)
			tx, ty := quadbin.Deinterleave(tileKey)
			err := enc.emit(z, int(tx), int(ty), feats)
			feats, vals, geoms = feats[:0], vals[:0], geoms[:0]
			return err
		}
		for i, code := range a.codes {
			cell := code >> cellShift
			if i > 0 && cell != acc.code {
				if err := finishCell(); err != nil {
					return nil, err
				}
				if prev := a.codes[i-1] >> tileShift; code>>tileShift != prev {
					if err := finishTile(prev); err != nil {
						return nil, err
					}
				}
			}
			if i == 0 || cell != acc.code {
				acc.reset(i, cell)
				acc.lone = lone
			}
			a.accumulate(acc, i)
			if len(a.single) > 0 && a.aloneAtFinest(i) {
				lone++
			}
		}
		if len(a.codes) > 0 {
			if err := finishCell(); err != nil {
				return nil, err
			}
			if err := finishTile(a.codes[len(a.codes)-1] >> tileShift); err != nil {
				return nil, err
			}
		}
	}
	return enc.res, nil
}

// accumulate adds point i (sorted) to the cell.
func (a *PointAggregator) accumulate(c *cellAcc, i int) {
	c.count++
	if a.agg.Placement == FeaturesCentroid {
		c.sumLon += a.lonlat[2*i]
		c.sumLat += a.lonlat[2*i+1]
	}
	for p, in := range a.propIn {
		if in < 0 {
			continue
		}
		v := a.vals[in][i]
		if math.IsNaN(v) {
			continue
		}
		switch a.agg.Properties[p].Func {
		case Sum, Avg:
			c.v[p] += v
		case Min:
			if c.n[p] == 0 || v < c.v[p] {
				c.v[p] = v
			}
		case Max:
			if c.n[p] == 0 || v > c.v[p] {
				c.v[p] = v
			}
		}
		c.n[p]++
	}
}

// finish writes the cell's property values into c.properties (NULLs left
// out), and counts them in the tilestats for the cells of zoom_max.
func (a *PointAggregator) finish(c *cellAcc, stats bool) {
	for p, prop := range a.agg.Properties {
		var f float64
		switch {
		case prop.Func == Count && a.propIn[p] < 0:
			f = float64(c.count)
		case prop.Func == Count:
			f = float64(c.n[p])
		case c.n[p] == 0:
			continue // SUM, AVG, MIN, MAX of no values: NULL
		case prop.Func == Avg:
			f = c.v[p] / float64(c.n[p])
		default:
			f = c.v[p]
		}
		var v any
		switch in := a.propIn[p]; {
		case in >= 0 && a.inputs[in].kind == inText:
			v = a.texts[in][int(f)]
		case prop.Type == String:
			v = strconv.FormatFloat(f, 'f', -1, 64)
		default:
			v, _ = convertValue(Number, f)
		}
		if v == nil {
			continue
		}
		c.properties[p] = v
		if stats {
			a.stats[p].add(prop.Type, v)
			if prop.Type == Number {
				a.stats[p].nums = append(a.stats[p].nums, f)
			}
		}
	}
	// single_point_properties: only a cell of one point carries them
	// (CARTO: "only applied when there is a single point in the cell");
	// in the others they are NULL, left out of the feature.
	if c.count == 1 {
		np := len(a.agg.Properties)
		for j := range a.single {
			if v := a.single[j].value(c.lone); v != nil {
				c.properties[np+j] = v
				if stats {
					a.stats[np+j].add(a.agg.SinglePoint[j].Type, v)
					if f, ok := toFloat(v); ok && a.agg.SinglePoint[j].Type == Number {
						a.stats[np+j].nums = append(a.stats[np+j].nums, f)
					}
				}
			}
		}
	}
	if stats {
		a.cellsAtZoomMax++
	}
}

// place is the cell's feature geometry in the coordinates of its tile at
// zoom z (pixels from the tile's top left, snapped down like every tile).
func (a *PointAggregator) place(c *cellAcc, z int) orb.Geometry {
	res := a.agg.Resolution
	extent := float64(a.o.TileExtent)
	cx, cy := quadbin.Deinterleave(c.code)
	mask := uint32(1)<<res - 1
	ix, iy := float64(cx&mask), float64(cy&mask)
	cs := extent / math.Ldexp(1, res) // cell size in pixels
	switch a.agg.Placement {
	case CellPolygon:
		x0, y0, x1, y1 := ix*cs, iy*cs, (ix+1)*cs, (iy+1)*cs
		return tidyPolygon(orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}, false)
	case FeaturesAny, FeaturesCentroid:
		lon, lat := a.lonlat[2*c.first], a.lonlat[2*c.first+1]
		if a.agg.Placement == FeaturesCentroid {
			lon, lat = c.sumLon/float64(c.count), c.sumLat/float64(c.count)
		}
		p := project(orb.Point{lon, lat})
		scale := extent * math.Ldexp(1, z)
		tx, ty := float64(cx>>res), float64(cy>>res)
		// Clamped to the tile: the point is in its cell, but a
		// longitude of 180 wraps to the first column.
		return orb.Point{
			math.Max(0, math.Min(extent-1, math.Floor(p[0]*scale-tx*extent))),
			math.Max(0, math.Min(extent-1, math.Floor(p[1]*scale-ty*extent))),
		}
	}
	return orb.Point{math.Floor((ix + 0.5) * cs), math.Floor((iy + 0.5) * cs)}
}

// order sorts a tile's features by tile_feature_order (stable: cell order
// otherwise). NULLs come last ascending and first descending, as in
// PostgreSQL.
func (a *PointAggregator) order(feats []encFeature, vals []any, np int) {
	if len(a.agg.Order) == 0 {
		return
	}
	slices.SortStableFunc(feats, func(x, y encFeature) int {
		for _, k := range a.agg.Order {
			vx, vy := vals[int(x.row)*np+k.Property], vals[int(y.row)*np+k.Property]
			var c int
			switch {
			case vx == nil && vy == nil:
				c = 0
			case vx == nil:
				c = 1
			case vy == nil:
				c = -1
			default:
				c = compareValues(vx, vy)
			}
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}

func compareValues(x, y any) int {
	switch vx := x.(type) {
	case string:
		sy, _ := y.(string)
		return strings.Compare(vx, sy)
	case bool: // false first, as SQL orders booleans
		vy, _ := y.(bool)
		return cmp.Compare(boolByte(vx), boolByte(vy))
	}
	fx, _ := toFloat(x)
	fy, _ := toFloat(y)
	return cmp.Compare(fx, fy)
}

// checkTileBudget refuses a zoom range with more tiles than opts.MaxTiles:
// a point is in one tile per zoom, so only inputs with more points than
// that are counted, tile by tile (the points are sorted).
func (a *PointAggregator) checkTileBudget(o Options) error {
	limit := o.MaxTiles
	if limit <= 0 {
		limit = DefaultMaxTile
	}
	if int64(len(a.codes))*int64(o.ZoomMax-o.ZoomMin+1) <= limit {
		return nil
	}
	var sum int64
	best := o.ZoomMin - 1
	for z := o.ZoomMin; z <= o.ZoomMax; z++ {
		shift := uint(2 * (a.level - z))
		for i, c := range a.codes {
			if i == 0 || c>>shift != a.codes[i-1]>>shift {
				sum++
			}
		}
		if sum <= limit {
			best = z
		}
	}
	if sum <= limit {
		return nil
	}
	advice := fmt.Sprintf("use zoom_max %d or lower", best)
	if best < o.ZoomMin {
		advice = "raise zoom_min or aggregate a smaller area"
	}
	return errorf("zoom_max %d would make %d tiles from zoom %d for this input, over the limit of %d tiles: %s",
		o.ZoomMax, sum, o.ZoomMin, limit, advice)
}

// Metadata is the tileset's metadata JSON, for its z = -1 row: the
// aggregated properties then the single-point ones with their types, and
// tilestats over the cells of zoom_max (as CARTO's do for aggregation
// tilesets; a single-point property's count is the cells that carry it).
func (a *PointAggregator) Metadata(o Options, res *Result) []byte {
	m := newMetadata(o, res, a.bound, a.hasBound)
	props := make([]Property, len(a.agg.Properties), len(a.agg.Properties)+len(a.agg.SinglePoint))
	for i, p := range a.agg.Properties {
		props[i] = Property{Name: p.Name, Type: p.Type}
	}
	props = append(props, a.agg.SinglePoint...)
	geomType := "Point"
	if a.agg.Placement == CellPolygon {
		geomType = "Polygon"
	}
	m.setLayer(geomType, a.cellsAtZoomMax, props, a.stats, !o.NoTilestats)
	m.Aggregation = &aggregationJSON{
		Type: "quadkey", Resolution: a.agg.Resolution, Placement: a.agg.Placement, Points: int64(len(a.codes)),
	}
	for _, p := range a.agg.Properties {
		m.Aggregation.Formulas = append(m.Aggregation.Formulas, formulaJSON{Name: p.Name, Formula: p.Formula, Type: p.Type})
	}
	for _, p := range a.agg.SinglePoint {
		m.Aggregation.SinglePoint = append(m.Aggregation.SinglePoint, propertyJSON{Name: p.Name, Type: p.Type})
	}
	out, _ := json.Marshal(m) // plain data: cannot fail
	return out
}
