package tiler

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// A streaming Mapbox Vector Tile encoder that writes exactly the bytes
// paulmach/orb's mvt.Marshal writes for a one-layer tile (its gogo-protobuf
// field order, its key and value tables in order of first use, keys sorted
// within a feature, values deduplicated by type and value), without orb's
// per-feature geojson.Feature, property map and protobuf structs. A tile of
// a million points costs a few tens of bytes per feature here instead of
// about half a kilobyte. TestEncoderMatchesOrb holds the two to the same
// bytes.

// MVT geometry types.
const (
	mvtPoint   = 1
	mvtLine    = 2
	mvtPolygon = 3
)

// encFeature is one feature of a tile, ready to encode.
type encFeature struct {
	id    uint64
	hasID bool
	typ   uint32
	geom  []uint32 // MVT commands
	row   int32    // the feature's row for the encoder's property values
}

// valueFunc returns the value of property column col of a feature's row;
// false for NULL (the property is left out of the feature).
type valueFunc func(row int32, col int) (valueKey, bool)

// mvtEncoder encodes tiles of one layer whose features carry the
// properties names; its buffers are reused from tile to tile.
type mvtEncoder struct {
	name   string
	extent uint32
	names  []string
	order  []propSlot // the names in sorted order, each with its columns
	val    valueFunc

	keys    []string
	keyIdx  map[string]uint32
	values  []byte // encoded Tile_Value messages, each length-prefixed
	valIdx  map[valueKey]uint32
	nvalues uint32

	tags  []uint32
	body  []byte // features
	feat  []byte // one feature's message
	packd []byte
	out   []byte
}

// propSlot is one distinct property name, with the value columns that
// carry it: as in a map filled in column order, the last non-nil wins.
type propSlot struct {
	name string
	cols []int
}

type valueKey struct {
	kind uint8
	bits uint64
	s    string
}

func newMVTEncoder(name string, extent int, names []string, val valueFunc) *mvtEncoder {
	e := &mvtEncoder{name: name, extent: uint32(extent), names: names, val: val,
		keyIdx: map[string]uint32{}, valIdx: map[valueKey]uint32{}}
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	for _, n := range sorted {
		s := propSlot{name: n}
		for i, m := range names {
			if m == n {
				s.cols = append(s.cols, i)
			}
		}
		e.order = append(e.order, s)
	}
	return e
}

// marshal encodes feats as one tile; the bytes are valid until the next
// call.
func (e *mvtEncoder) marshal(feats []encFeature) ([]byte, error) {
	e.keys = e.keys[:0]
	clear(e.keyIdx)
	clear(e.valIdx)
	e.values, e.nvalues = e.values[:0], 0
	e.body = e.body[:0]
	tags := e.tags[:0]
	defer func() { e.tags = tags[:0] }()
	for i := range feats {
		f := &feats[i]
		tags = tags[:0]
		for _, s := range e.order {
			var v valueKey
			found := false
			for _, c := range s.cols {
				if k, ok := e.val(f.row, c); ok {
					v, found = k, true
				}
			}
			if !found {
				continue
			}
			tags = append(tags, e.key(s.name), e.value(v))
		}
		m := e.feat[:0]
		if f.hasID {
			m = binary.AppendUvarint(append(m, 0x08), f.id)
		}
		if len(tags) > 0 {
			m = e.appendPacked(append(m, 0x12), tags)
		}
		m = binary.AppendUvarint(append(m, 0x18), uint64(f.typ))
		if len(f.geom) > 0 {
			m = e.appendPacked(append(m, 0x22), f.geom)
		}
		e.feat = m
		e.body = append(binary.AppendUvarint(append(e.body, 0x12), uint64(len(m))), m...)
	}
	layerLen := 1 + uvarintLen(uint64(len(e.name))) + len(e.name) + len(e.body) + len(e.values) +
		1 + uvarintLen(uint64(e.extent)) + 1 + 1 // extent, version 2
	for _, k := range e.keys {
		layerLen += 1 + uvarintLen(uint64(len(k))) + len(k)
	}
	out := binary.AppendUvarint(append(e.out[:0], 0x1a), uint64(layerLen))
	out = append(binary.AppendUvarint(append(out, 0x0a), uint64(len(e.name))), e.name...)
	out = append(out, e.body...)
	for _, k := range e.keys {
		out = append(binary.AppendUvarint(append(out, 0x1a), uint64(len(k))), k...)
	}
	out = append(out, e.values...)
	out = binary.AppendUvarint(append(out, 0x28), uint64(e.extent))
	out = append(out, 0x78, 2)
	e.out = out
	return out, nil
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

func (e *mvtEncoder) appendPacked(dst []byte, nums []uint32) []byte {
	p := e.packd[:0]
	for _, n := range nums {
		p = binary.AppendUvarint(p, uint64(n))
	}
	e.packd = p
	return append(binary.AppendUvarint(dst, uint64(len(p))), p...)
}

func (e *mvtEncoder) key(s string) uint32 {
	if i, ok := e.keyIdx[s]; ok {
		return i
	}
	i := uint32(len(e.keys))
	e.keys = append(e.keys, s)
	e.keyIdx[s] = i
	return i
}

// keyOf is the values-table key of a property value (string, float64,
// int64 or bool, as convertValue makes them); false for nil.
func keyOf(v any) (valueKey, bool) {
	switch t := v.(type) {
	case string:
		return valueKey{kind: valString, s: t}, true
	case float64:
		return floatKey(t), true
	case int64:
		return valueKey{kind: valSint, bits: uint64(t)}, true
	case bool:
		return boolKey(t), true
	}
	return valueKey{}, false
}

func floatKey(f float64) valueKey {
	if f == 0 {
		f = 0 // -0 == 0 as a map key, as in orb's map[any]
	}
	return valueKey{kind: valDouble, bits: math.Float64bits(f)}
}

func boolKey(b bool) valueKey {
	k := valueKey{kind: valBool}
	if b {
		k.bits = 1
	}
	return k
}

// numberKey is the key of a Number property's value f, as convertValue
// makes it: an integer when f is integral and exact, a double otherwise.
func numberKey(f float64) (valueKey, bool) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return valueKey{}, false
	case f == math.Trunc(f) && math.Abs(f) < 1<<53:
		return valueKey{kind: valSint, bits: uint64(int64(f))}, true
	}
	return floatKey(f), true
}

// The Tile_Value fields orb writes Go values into.
const (
	valString = 1 // string
	valDouble = 3 // float64
	valSint   = 6 // int64
	valBool   = 7 // bool
)

// value returns k's index in the values table, adding it (as a Tile_Value
// message).
func (e *mvtEncoder) value(k valueKey) uint32 {
	if i, ok := e.valIdx[k]; ok {
		return i
	}
	var msg [10 + 1 + 1]byte
	var m []byte
	switch k.kind {
	case valString:
		m = binary.AppendUvarint(append(msg[:0], 0x0a), uint64(len(k.s)))
		e.values = binary.AppendUvarint(append(e.values, 0x22), uint64(len(m)+len(k.s)))
		e.values = append(append(e.values, m...), k.s...)
	case valDouble:
		m = binary.LittleEndian.AppendUint64(append(msg[:0], 0x19), k.bits)
	case valSint:
		n := int64(k.bits)
		m = binary.AppendUvarint(append(msg[:0], 0x30), uint64(n<<1)^uint64(n>>63))
	case valBool:
		m = append(msg[:0], 0x38, byte(k.bits))
	}
	if k.kind != valString {
		e.values = append(binary.AppendUvarint(append(e.values, 0x22), uint64(len(m))), m...)
	}
	i := e.nvalues
	e.nvalues++
	e.valIdx[k] = i
	return i
}

// appendGeometry appends g's MVT commands to dst, as orb's encoder writes
// them (coordinates truncated to int32; rings without their closing
// point, closed by ClosePath).
func appendGeometry(dst []uint32, g orb.Geometry) ([]uint32, uint32, error) {
	ge := geomWriter{data: dst}
	switch g := g.(type) {
	case orb.Point:
		ge.moveTo(g)
		return ge.data, mvtPoint, nil
	case orb.MultiPoint:
		ge.data = append(ge.data, uint32(len(g))<<3|1)
		ge.add(g)
		return ge.data, mvtPoint, nil
	case orb.LineString:
		ge.line(g)
		return ge.data, mvtLine, nil
	case orb.MultiLineString:
		for _, l := range g {
			ge.line(l)
		}
		return ge.data, mvtLine, nil
	case orb.Polygon:
		for _, r := range g {
			ge.ring(r)
		}
		return ge.data, mvtPolygon, nil
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				ge.ring(r)
			}
		}
		return ge.data, mvtPolygon, nil
	}
	return dst, 0, fmt.Errorf("geometry type not supported in a tile: %T", g)
}

type geomWriter struct {
	prevX, prevY int32
	data         []uint32
}

func (w *geomWriter) moveTo(p orb.Point) {
	w.data = append(w.data, 1<<3|1)
	w.add([]orb.Point{p})
}

func (w *geomWriter) add(pts []orb.Point) {
	for _, p := range pts {
		x, y := int32(p[0]), int32(p[1])
		dx, dy := x-w.prevX, y-w.prevY
		w.prevX, w.prevY = x, y
		w.data = append(w.data, uint32((dx<<1)^(dx>>31)), uint32((dy<<1)^(dy>>31)))
	}
}

func (w *geomWriter) line(l orb.LineString) {
	w.moveTo(l[0])
	w.data = append(w.data, uint32(len(l)-1)<<3|2)
	w.add(l[1:])
}

func (w *geomWriter) ring(r orb.Ring) {
	w.moveTo(r[0])
	rest := r[1:]
	if r.Closed() {
		rest = r[1 : len(r)-1]
	}
	w.data = append(w.data, uint32(len(rest))<<3|2)
	w.add(rest)
	w.data = append(w.data, 1<<3|7)
}
