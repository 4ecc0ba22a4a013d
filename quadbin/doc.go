// Package quadbin implements CARTO's Quadbin spatial index: a 64-bit integer
// naming one Web Mercator tile (z/x/y) at resolutions 0 to 26, as used by
// CARTO's Analytics Toolbox (QUADBIN_FROMLONGLAT, QUADBIN_TOZXY, ...) and by
// quadbin tilesets.
//
// The bit layout follows CARTO's reference implementations
// (CartoDB/analytics-toolbox-core, clouds/bigquery/modules/sql/quadbin, and
// CartoDB/quadbin-py), from the most significant bit down:
//
//	bit  63      0
//	bit  62      1 (header)
//	bits 59..61  mode, 1 for a cell
//	bits 57..58  mode-dependent extra, 0 for a cell
//	bits 52..56  resolution z
//	bits  0..51  x and y interleaved (Morton order, 2 bits per level from the
//	             top), the bits below level z all set to 1
//
// so that a cell's integer value orders tiles along a Z-order curve and the
// parent of a cell is found by bit masking. The package is pure Go and has no
// dependencies; it does not know about SQL or DuckDB.
package quadbin
