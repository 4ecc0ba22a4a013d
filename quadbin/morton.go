package quadbin

// Interleave returns the Morton code (Z-order) of cell (x, y): the bits of
// x in the even bit positions and those of y in the odd ones. Sorting by it
// keeps the cells of every coarser level contiguous: the code of a cell's
// parent is the cell's code shifted right by two bits. A quadbin cell's x
// and y are stored this way (see FromTile).
func Interleave(x, y uint32) uint64 { return spread(x) | spread(y)<<1 }

// Deinterleave is Interleave's inverse: it returns the x and y that
// Interleave turned into code.
func Deinterleave(code uint64) (x, y uint32) { return compact(code), compact(code >> 1) }

// spread moves bit i of v to bit 2i ("binary magic numbers": each step
// doubles the gaps between groups of bits).
func spread(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000FFFF0000FFFF
	x = (x | x<<8) & 0x00FF00FF00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F0F0F0F0F
	x = (x | x<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	return x
}

// compact is spread's inverse: bit 2i of x goes to bit i, odd bits are dropped.
func compact(x uint64) uint32 {
	x &= 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
	x = (x | x>>4) & 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	x = (x | x>>16) & 0x00000000FFFFFFFF
	return uint32(x)
}
