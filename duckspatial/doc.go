// Package duckspatial is spatial SQL for the local warehouse: Go scalar
// functions registered in DuckDB (through duckdb-go) under the names CARTO's
// Analytics Toolbox and BigQuery use, because DuckDB's spatial extension
// cannot be downloaded here and DuckDB's core GEOMETRY type comes with only a
// handful of functions (ST_AsText, ST_AsWKB, ST_GeomFromWKB, ...).
//
// Register adds the functions to a database; they live in DuckDB's system
// catalog, so they are reachable unqualified from every connection. Macros
// returns the statements that also make them reachable as carto.<NAME>, as
// with CARTO's Analytics Toolbox (the local warehouse runs them into a
// read-only catalog named carto). DuckDB's own functions keep their names:
// none of the names below is a DuckDB built-in.
//
// # Functions
//
//	ST_GEOMFROMTEXT(wkt), ST_GEOGFROMTEXT(wkt)     WKT -> GEOMETRY (GEOG: lon/lat range checked)
//	ST_GEOMFROMGEOJSON(geojson)                    GeoJSON geometry -> GEOMETRY
//	ST_POINT(x, y), ST_GEOGPOINT(lon, lat)         -> POINT (GEOG: longitude wrapped, latitude checked)
//	ST_MAKEENVELOPE(xmin, ymin, xmax, ymax)        -> POLYGON
//	ST_X(point), ST_Y(point)                       -> DOUBLE (NULL for POINT EMPTY)
//	ST_ENVELOPE(geom)                              bounding box: POLYGON, or POINT/LINESTRING if degenerate
//	ST_CENTROID(geom)                              -> POINT
//	ST_AREA(geom), ST_LENGTH(geom)                 square metres, metres (geodesic)
//	ST_DISTANCE(geom1, geom2)                      metres (geodesic)
//	ST_INTERSECTS(geom1, geom2), ST_CONTAINS(geom1, geom2)   -> BOOLEAN
//	ST_ASGEOJSON(geom)                             -> VARCHAR (RFC 7946 geometry)
//	QUADBIN_FROMLONGLAT(lon, lat, resolution)      -> BIGINT (resolution 0..26)
//	QUADBIN_FROMZXY(z, x, y)                       -> BIGINT
//	QUADBIN_TOZXY(quadbin)                         -> STRUCT(z, x, y)
//	QUADBIN_RESOLUTION(quadbin)                    -> BIGINT
//	QUADBIN_TOPARENT(quadbin, resolution)          -> BIGINT
//	QUADBIN_BOUNDARY(quadbin), QUADBIN_CENTER(quadbin)   -> POLYGON, POINT
//	H3_FROMLONGLAT(lon, lat, resolution)           -> VARCHAR index, as on BigQuery (resolution 0..15)
//	H3_RESOLUTION(index)                           -> BIGINT
//	H3_TOPARENT(index, resolution)                 -> VARCHAR
//	H3_BOUNDARY(index), H3_CENTER(index)           -> POLYGON, POINT
//
// Every GEOMETRY argument also accepts WKT text, so a VARCHAR column of WKT
// (the demo tables' geom) works directly: ST_X(geom), ST_INTERSECTS(a.geom,
// b.geom). GEOMETRY results are WKB written by orb's encoder
// (github.com/paulmach/orb/encoding/wkb), never assembled by hand: DuckDB
// does not validate the bytes a function returns. Coordinates are longitude
// and latitude in degrees (EPSG:4326). Z and M ordinates are read and
// dropped: the functions work in 2D, like BigQuery's GEOGRAPHY.
//
// # NULLs and errors
//
// A NULL argument gives NULL. Invalid input fails the query with an error
// that names the function and says what to fix ("QUADBIN_FROMLONGLAT:
// invalid resolution 27; should be between 0 and 26", "ST_X: expected a
// POINT, got a LINESTRING"). This includes invalid quadbin and H3 indexes:
// CARTO's BigQuery functions return NULL (H3) or garbage (quadbin) for them
// instead. A panic inside a function is recovered and becomes the query's
// error, because on DuckDB's thread it would take the whole server down.
//
// # What is exact and what is not
//
// Exact (bit for bit, or to the last floating-point digit, against CARTO's
// and Uber's published vectors; see golden_test.go): every QUADBIN_* and
// H3_* function, the constructors, ST_X/ST_Y, ST_ENVELOPE, ST_ASGEOJSON.
//
// Geodesic, as BigQuery's: ST_DISTANCE, ST_LENGTH and ST_AREA measure on a
// sphere of radius EarthRadius (6,371,008.8 m) with great-circle edges. Point
// to point, point to edge and line lengths are exact on that sphere; areas
// use an exact formula for great-circle edges (a ring around a pole
// encloses that pole's cap). BigQuery's numbers may differ in the sixth
// significant digit if its sphere differs.
//
// Planar, unlike BigQuery: ST_INTERSECTS and ST_CONTAINS treat longitude and
// latitude as x and y, with straight edges between vertices (as PostGIS does
// on GEOMETRY). BigQuery's geography edges are great-circle arcs, which bulge
// towards the pole, so results differ for points within the bulge of a long
// edge (about 0.1 degree for a 10-degree edge at mid latitudes), not for
// short edges such as cells, tiles and most boundaries. Polygons whose
// longitudes run past +-180 (H3_BOUNDARY of a cell on the antimeridian) are
// matched against points on either side of the antimeridian. ST_DISTANCE is
// 0 when the planar ST_INTERSECTS says the geometries meet. ST_INTERSECTS is
// exact for every combination of points, lines and polygons. ST_CONTAINS
// follows OGC (a point on the boundary is not contained) and is exact for
// points in polygons and in lines, and for polygons and lines in polygons up
// to degenerate cases: it checks every vertex, every proper edge crossing,
// every edge midpoint and holes, so a line that leaves a polygon and comes
// back only through boundary vertices between two checked points can be
// misjudged. A GEOMETRYCOLLECTION mixing polygons with points or lines is
// not supported as the first argument of ST_CONTAINS (an error says so).
// ST_CENTROID is the planar centroid in degrees, which differs from
// BigQuery's spherical centroid for large geometries.
//
// Not here: ST_BUFFER, ST_UNION, ST_INTERSECTION and other overlay
// functions, ST_TRANSFORM, ST_SIMPLIFY, aggregates, H3 and quadbin polyfill
// and k-rings. Parsing WKT text is 2D only and has no EMPTY: cast such text
// with ::GEOMETRY (DuckDB's own parser) first.
package duckspatial
