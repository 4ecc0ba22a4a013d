package client

import (
	"encoding/json"
	"sync"
)

// rowBuffers is what reading a result's rows allocates on every call: the
// first buffer the rows are read into, the blocks of value slots, and the
// slice of rows. RunFunc lends them to a call and takes them back when the
// caller is done with the rows, so that later calls reuse them (about 30 KB
// and a dozen allocations for 100 typical rows).
type rowBuffers struct {
	chunk  []byte              // minRowChunk bytes of room
	blocks [][]json.RawMessage // value-slot blocks, in the order handed out
	used   int                 // blocks handed out to the current call
	rows   [][]json.RawMessage
}

var rowBufferPool = sync.Pool{New: func() any { return &rowBuffers{chunk: make([]byte, 0, minRowChunk)} }}

// block returns a block of at least n value slots, empty.
func (b *rowBuffers) block(n int) []json.RawMessage {
	for b.used < len(b.blocks) {
		blk := b.blocks[b.used]
		b.used++
		if len(blk) >= n {
			return blk
		}
	}
	blk := make([]json.RawMessage, n)
	b.blocks = append(b.blocks, blk)
	b.used++
	return blk
}

// reset forgets the call that used b. Every slot and row is cleared, so
// that nothing of that call stays reachable from the pool (the buffers it
// read into beyond the first, in particular). The next call overwrites the
// chunk's bytes as it reads, and no value reaches past what it read.
func (b *rowBuffers) reset() {
	for _, blk := range b.blocks[:b.used] {
		clear(blk)
	}
	b.used = 0
	clear(b.rows[:cap(b.rows)])
	b.rows = b.rows[:0]
	// A call with many rows leaves many blocks: the pool keeps what a usual
	// call needs, not the most any call needed.
	if len(b.blocks) > maxPooledBlocks {
		clear(b.blocks[maxPooledBlocks:])
		b.blocks = b.blocks[:maxPooledBlocks]
	}
	if cap(b.rows) > maxPooledRows {
		b.rows = nil
	}
}

const (
	maxPooledBlocks = 4    // 256 rows' slots
	maxPooledRows   = 1024 // 24 KB of row slice
)
