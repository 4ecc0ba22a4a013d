package quadbin

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Codes computed by the interleave that package tiler had before it used
// this one (tiler/aggregate.go at 650e274); tiles and cell codes depend on
// them staying the same.
var mortonVectors = []struct {
	x, y uint32
	code uint64
}{
	{0x0, 0x0, 0x0000000000000000},
	{0x1, 0x0, 0x0000000000000001},
	{0x0, 0x1, 0x0000000000000002},
	{0x1, 0x1, 0x0000000000000003},
	{0x2, 0x3, 0x000000000000000e},
	{0x6, 0x3, 0x000000000000001e},
	{0x3, 0x1, 0x0000000000000007},
	{0x9, 0x8, 0x00000000000000c1},
	{0x3ff, 0x96c, 0x0000000000877df5},
	{0x3039, 0x10932, 0x0000000205820f49},
	{0x3ffffff, 0x0, 0x0005555555555555},
	{0x0, 0x3ffffff, 0x000aaaaaaaaaaaaa},
	{0x3ffffff, 0x3ffffff, 0x000fffffffffffff},
	{0x80000000, 0x0, 0x4000000000000000},
	{0x0, 0x80000000, 0x8000000000000000},
	{0xffffffff, 0x0, 0x5555555555555555},
	{0x0, 0xffffffff, 0xaaaaaaaaaaaaaaaa},
	{0xffffffff, 0xffffffff, 0xffffffffffffffff},
	{0xaaaaaaaa, 0x55555555, 0x6666666666666666},
	{0xdeadbeef, 0x12345678, 0x535c4e71677c7ed5},
}

func TestInterleaveMatchesThePreviousCode(t *testing.T) {
	for _, v := range mortonVectors {
		assert.Equal(t, v.code, Interleave(v.x, v.y), "Interleave(%#x, %#x)", v.x, v.y)
		x, y := Deinterleave(v.code)
		assert.Equal(t, [2]uint32{v.x, v.y}, [2]uint32{x, y}, "Deinterleave(%#x)", v.code)
	}
}

// interleaveBitByBit is the definition Interleave's bit tricks compute.
func interleaveBitByBit(x, y uint32) uint64 {
	var code uint64
	for i := range 32 {
		code |= uint64(x>>i&1)<<(2*i) | uint64(y>>i&1)<<(2*i+1)
	}
	return code
}

func TestInterleaveRoundTripsEdgeValues(t *testing.T) {
	edges := []uint32{0, 1, 2, 3, 1<<16 - 1, 1 << 16, 1<<25 - 1, 1<<26 - 1, 1 << 26, 1<<31 - 1, 1 << 31, 0x55555555, 0xAAAAAAAA, 1<<32 - 1}
	for _, x := range edges {
		for _, y := range edges {
			code := Interleave(x, y)
			assert.Equal(t, interleaveBitByBit(x, y), code, "Interleave(%#x, %#x)", x, y)
			gx, gy := Deinterleave(code)
			assert.Equal(t, [2]uint32{x, y}, [2]uint32{gx, gy}, "Deinterleave(Interleave(%#x, %#x))", x, y)
		}
	}
	// Every code is some (x, y): Deinterleave is onto and Interleave undoes it.
	for _, code := range []uint64{0, 1, 2, 1<<63 - 1, 1 << 63, 1<<64 - 1, 0x0123456789ABCDEF} {
		x, y := Deinterleave(code)
		assert.Equal(t, code, Interleave(x, y), "Interleave(Deinterleave(%#x))", code)
	}
}

func TestInterleaveMatchesTheDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2)) // fixed seed: the same values every run
	for range 10000 {
		x, y := r.Uint32(), r.Uint32()
		if got, want := Interleave(x, y), interleaveBitByBit(x, y); got != want {
			t.Fatalf("Interleave(%#x, %#x) = %#x, want %#x", x, y, got, want)
		}
		// Morton order keeps parents contiguous: the parent's code is the
		// child's shifted by two bits.
		if got, want := Interleave(x, y)>>2, Interleave(x>>1, y>>1); got != want {
			t.Fatalf("Interleave(%#x, %#x)>>2 = %#x, want the parent's %#x", x, y, got, want)
		}
	}
}
