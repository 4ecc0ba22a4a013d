// Package tiler cuts features into vector tiles the way CARTO's Analytics
// Toolbox tiler writes them on PostgreSQL and BigQuery: gzip-compressed
// Mapbox Vector Tiles with one layer, "default", extent 4096 by default,
// plus a metadata JSON (bounds, center, zoom range, vector_layers with field
// types, tilestats) for the tileset's z = -1 row.
//
//	opts, err := tiler.ParseSimpleOptions(`{"zoom_max": 10, "properties": {"name": "String"}}`)
//	src := tiler.NewSource(opts.Properties)
//	for each row { src.Add(rowNumber, geometry, []any{name}) }
//	res, err := src.Tile(ctx, opts, func(t tiler.Tile) error { /* store t */ }, nil)
//	meta := src.Metadata(opts, res)
//
// Geometries are EPSG:4326 longitude/latitude (DecodeGeometry reads WKB,
// WKT, GeoJSON and hex WKB). Latitudes beyond Web Mercator's ±85.0511° are
// clamped; coordinates outside the valid ranges, non-finite ones and
// unclosed rings are errors naming the input row.
//
// # How tiles are made
//
// Tiles are cut depth first from zoom 0: each tile's features are its
// parent's, clipped to the tile plus tile_buffer pixels (paulmach/orb's
// clip), so memory holds the features and the path being cut, never the
// tiles: each tile is encoded and handed to the caller before the next.
// In a tile, coordinates are snapped to the pixel grid (floor, as orb's
// mvt projection does), lines and rings are simplified with
// Douglas-Peucker at one pixel below zoom_max (zoom_max keeps every
// vertex), rings are oriented as the MVT spec wants, and parts that
// collapse to nothing are left out. Tiles without features are not
// written. A feature's MVT id is its input row number.
//
// # Limits
//
// max_tile_size_kb is checked before compression (CARTO's PostgreSQL
// semantics), together with max_tile_features. throw_error fails with the
// tile and what to change; return_null leaves the tile out (counted as
// null_tiles in the metadata); drop_fraction_as_needed keeps an evenly
// spread subset of the tile's features, in input order (so
// tile_feature_order decides which survive), and the metadata's
// fraction_dropped_per_zoom reports the largest fraction dropped in a tile
// of each zoom (CARTO's BigQuery tiler drops the same fraction across a
// zoom; this one decides per tile).
//
// Before any tile is cut, the tiles a zoom_max would make are bounded from
// above (each feature's bounding box in tiles, per zoom) and a zoom_max
// beyond Options.MaxTiles is refused with the highest one that fits.
// CREATE_TILESET without zoom_max picks that zoom itself, up to 15, within
// a budget of a million tiles.
//
// # Point aggregation tilesets
//
// PointAggregator makes CREATE_POINT_AGGREGATION_TILESET's tilesets: at
// zoom z the points are grouped into the quadbin cells (quadkey tiles) of
// level z + aggregation_resolution, the same cells QUADBIN_FROMLONGLAT
// gives, and each cell becomes one feature: at the cell's centre in Web
// Mercator (cell-centroid), its square (cell), its first point in input
// order (features-any) or the mean longitude/latitude of its points
// (features-centroid). Properties are aggregates with SQL's semantics:
// COUNT(*), COUNT(column), SUM, AVG, MIN and MAX of a column (any other
// formula is refused, naming these). MIN/MAX of a property typed "String"
// compare text. Tiles never overlap (tile_buffer is 0), tilestats describe
// the cells of zoom_max, and tile_feature_order orders a tile's cells by
// properties. Points are held column by column and tiled zoom by zoom in
// one pass each over the points sorted by cell, one tile in memory at a
// time.
//
// single_point_properties ({"column": "Number" | "String" | "Boolean"}) are
// source columns a cell's feature carries only when the cell holds exactly
// one point, with that point's values, at every zoom and whatever the
// placement; cells of several points leave them out (NULL), as CARTO's
// BigQuery tiler documents and its PostgreSQL and Snowflake docs emulate
// with CASE WHEN COUNT(*) <= 1. A name an aggregated property already has
// is refused; tile_feature_order may name them; the metadata lists them
// after the aggregated properties, with tilestats over the zoom_max cells
// that carry them. Every point's values are held while the input is read
// (numbers 8 bytes, booleans 1, text its bytes plus 8); sorting then keeps
// only those of the points alone in their finest cell, the only ones a
// tile can carry.
//
// Not implemented (refused by name when given): per-feature zoom columns
// (zoom_min_column, zoom_max_column), drop_duplicates and BigQuery's
// partitioning. Polygons are tiled as given:
// invalid (self-intersecting) polygons are not repaired, and geometries
// crossing the antimeridian are not split.
package tiler
