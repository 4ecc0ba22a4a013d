// Package geoparse turns the geometry values a warehouse returns into
// github.com/paulmach/orb geometries, and finds which column of a result
// holds them.
//
// A value is whatever a query result carries in JSON: a WKT string (with an
// optional EWKT "SRID=n;" prefix), a GeoJSON geometry (as an object or as a
// string holding one), WKB or EWKB as a hex string, an H3 cell (15 hex
// digits, or the same index as a decimal number) or a quadbin cell (a
// 64-bit integer, as a number or a decimal string). Cells become the polygon
// of their boundary. Coordinates are longitude/latitude (EPSG:4326); values
// outside that range are rejected with an error that says so, since they
// usually mean a projected coordinate system.
package geoparse
