package tiler

import (
	"fmt"
	"math"
	"strconv"
	"unsafe"
)

// pointColumn holds one single_point_properties column, one value per
// point, as compactly as its type allows: a Number is a float64 (NaN is
// NULL), a Boolean a byte, a String its bytes end to end in one buffer
// with one int64 per point (no string header or allocation per value).
//
// While the input is read every point's value is kept, since only the
// whole input tells which points are alone in their cell; once the points
// are sorted, gather keeps just the values of those (see
// PointAggregator.sortPoints), which are the only ones a tile can carry.
type pointColumn struct {
	typ   PropertyType
	nums  []float64 // Number
	bools []int8    // Boolean: 0, 1, or -1 for NULL
	text  []byte    // String: the values, end to end
	ends  []int64   // String: per point, the end of its value in text; ^end for NULL
}

// add appends one point's value; v is the warehouse's value, converted as
// a simple tileset's properties are (a String takes any value as text).
func (c *pointColumn) add(v any) error {
	switch c.typ {
	case Number:
		f := math.NaN()
		if v != nil {
			var ok bool
			if f, ok = toFloat(v); !ok {
				return fmt.Errorf("%v (%T) is not a number; declare it \"String\" in options.single_point_properties, or cast it in the input query", v, v)
			}
		}
		c.nums = append(c.nums, f)
	case Boolean:
		b := int8(-1)
		switch x := v.(type) {
		case nil:
		case bool:
			b = boolByte(x)
		case string:
			p, err := strconv.ParseBool(x)
			if err != nil {
				return fmt.Errorf("%q is not a boolean; declare it \"String\" in options.single_point_properties, or cast it in the input query", x)
			}
			b = boolByte(p)
		default:
			return fmt.Errorf("%v (%T) is not a boolean; declare it \"String\" or \"Number\" in options.single_point_properties", v, v)
		}
		c.bools = append(c.bools, b)
	default:
		if v == nil {
			c.ends = append(c.ends, ^int64(len(c.text)))
			return nil
		}
		c.text = append(c.text, toString(v)...)
		c.ends = append(c.ends, int64(len(c.text)))
	}
	return nil
}

func boolByte(b bool) int8 {
	if b {
		return 1
	}
	return 0
}

// value is the i-th value as a tile property (int64, float64, bool or
// string), or nil for NULL.
func (c *pointColumn) value(i int) any {
	switch c.typ {
	case Number:
		v, _ := convertValue(Number, c.nums[i]) // NaN, ±Inf: nil
		return v
	case Boolean:
		if b := c.bools[i]; b >= 0 {
			return b == 1
		}
		return nil
	}
	end := c.ends[i]
	if end < 0 {
		return nil
	}
	start := c.start(i)
	if start == end {
		return ""
	}
	// No copy: value is called only once the points are sorted, when the
	// column is gather's, whose bytes nothing writes again; the string
	// keeps them alive as long as a tile being encoded holds it.
	return unsafe.String(&c.text[start], end-start)
}

func (c *pointColumn) start(i int) int64 {
	if i == 0 {
		return 0
	}
	if e := c.ends[i-1]; e < 0 {
		return ^e
	}
	return c.ends[i-1]
}

// gather returns a column of the values at idx, in that order; the
// receiver's memory is then garbage. The result is never appended to: value
// hands out strings that share its text.
func (c *pointColumn) gather(idx []uint32) pointColumn {
	out := pointColumn{typ: c.typ}
	switch c.typ {
	case Number:
		out.nums = make([]float64, len(idx))
		for j, i := range idx {
			out.nums[j] = c.nums[i]
		}
	case Boolean:
		out.bools = make([]int8, len(idx))
		for j, i := range idx {
			out.bools[j] = c.bools[i]
		}
	default:
		var size int64
		for _, i := range idx {
			if e := c.ends[i]; e >= 0 {
				size += e - c.start(int(i))
			}
		}
		out.text = make([]byte, 0, size)
		out.ends = make([]int64, len(idx))
		for j, i := range idx {
			if e := c.ends[i]; e >= 0 {
				out.text = append(out.text, c.text[c.start(int(i)):e]...)
				out.ends[j] = int64(len(out.text))
			} else {
				out.ends[j] = ^int64(len(out.text))
			}
		}
	}
	return out
}
