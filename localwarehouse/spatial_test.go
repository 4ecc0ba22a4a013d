package localwarehouse

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The spatial functions through the SQL API, on the demo data, unqualified
// and as carto.<NAME> like CARTO's Analytics Toolbox.
func TestSpatialSQLOnDemoData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})

	// The text geom columns parse with ST_GEOMFROMTEXT (and directly), and
	// round-trip through GEOMETRY to the same WKT.
	res := e.query(`SELECT
		count(*) FILTER (WHERE ST_AsText(ST_GEOMFROMTEXT(geom)) = geom) AS same_text,
		count(*) FILTER (WHERE ST_X(geom) = lon AND ST_Y(ST_GEOMFROMTEXT(geom)) = lat) AS same_xy,
		count(*) AS n
		FROM demo.stores`, nil)
	assert.Equal(t, "3381", res.value(0, "n"))
	assert.Equal(t, "3381", res.value(0, "same_text"))
	assert.Equal(t, "3381", res.value(0, "same_xy"))

	// Stores inside Spain's box, by a spatial join, against the same
	// count from the generator's own coordinates.
	var esp demoCountry
	for _, c := range demoCountries {
		if c.iso3 == "ESP" {
			esp = c
		}
	}
	want := 0
	require.NoError(t, generateStores(func(s demoStore) error {
		if s.lon > esp.minLon && s.lon < esp.maxLon && s.lat > esp.minLat && s.lat < esp.maxLat {
			want++
		}
		return nil
	}))
	require.Positive(t, want)
	for _, q := range []string{
		`SELECT count(*) AS n FROM demo.stores s JOIN demo.countries c
		   ON ST_CONTAINS(ST_GEOMFROMTEXT(c.geom), ST_GEOMFROMTEXT(s.geom)) WHERE c.iso_a3 = 'ESP'`,
		`SELECT count(*) AS n FROM demo.stores s JOIN demo.countries c
		   ON carto.ST_INTERSECTS(c.geom, ST_GEOGPOINT(s.lon, s.lat)) WHERE c.iso_a3 = 'ESP'`,
	} {
		assert.Equal(t, itoa(want), e.query(q, nil).value(0, "n"), q)
	}

	// Qualified and unqualified names are the same functions. (H3 cells
	// do not nest exactly, so a point's parent cell is compared with
	// itself, not with the point's cell at the coarser resolution.)
	res = e.query(`SELECT count(*) FILTER (WHERE
		QUADBIN_FROMLONGLAT(lon, lat, 12) = carto.QUADBIN_FROMLONGLAT(lon, lat, 12)
		AND H3_FROMLONGLAT(lon, lat, 7) = carto.h3_fromlonglat(lon, lat, 7)
		AND carto.QUADBIN_TOPARENT(QUADBIN_FROMLONGLAT(lon, lat, 12), 4) = QUADBIN_FROMLONGLAT(lon, lat, 4)
		AND carto.H3_TOPARENT(H3_FROMLONGLAT(lon, lat, 7), 3) = H3_TOPARENT(carto.H3_FROMLONGLAT(lon, lat, 7), 3)) AS n
		FROM demo.cities`, nil)
	assert.Equal(t, "313", res.value(0, "n"))

	// CARTO's documented examples, through the qualified names.
	res = e.query(`SELECT carto.QUADBIN_FROMLONGLAT(40.4168, -3.7038, 4) AS q,
		carto.QUADBIN_TOZXY(5209574053332910079) AS zxy,
		carto.H3_FROMLONGLAT(-3.7038, 40.4168, 4) AS h,
		carto.QUADBIN_BOUNDARY(5209574053332910079) AS boundary,
		ST_GEOGPOINT(-3.7038, 40.4168) AS geom`, nil)
	assert.Equal(t, "5209574053332910079", res.value(0, "q"))
	assert.JSONEq(t, `{"z":4,"x":9,"y":8}`, res.value(0, "zxy"))
	assert.Equal(t, `"84390cbffffffff"`, res.value(0, "h"))
	assert.Equal(t, `"POLYGON ((22.5 0, 22.5 -21.943045533438166, 45 -21.943045533438166, 45 0, 22.5 0))"`, res.value(0, "boundary"))
	assert.Equal(t, `"POINT (-3.7038 40.4168)"`, res.value(0, "geom"))
	types := map[string]string{}
	for _, f := range res.Schema {
		types[f.Name] = f.Type
	}
	assert.Equal(t, map[string]string{"q": "bigint", "zxy": "object", "h": "string", "boundary": "geometry", "geom": "geometry"}, types)

	// Bad input is a 400 whose message says what to fix.
	body := e.queryError(http.StatusBadRequest, "SELECT carto.QUADBIN_TOZXY(iso_a3::BIGINT) FROM demo.countries", nil)
	assert.Contains(t, body["error"], "Conversion Error")
	body = e.queryError(http.StatusBadRequest, "SELECT QUADBIN_TOZXY(population) FROM demo.countries", nil)
	assert.Contains(t, body["error"], "is not a valid quadbin cell index")
	body = e.queryError(http.StatusBadRequest, "SELECT ST_X(geom) FROM demo.countries", nil)
	assert.Contains(t, body["error"], "ST_X: expected a POINT, got a POLYGON")
	// And the warehouse goes on.
	assert.Equal(t, "4", e.query("SELECT QUADBIN_RESOLUTION(5209574053332910079) AS r", nil).value(0, "r"))
}

func itoa(n int) string {
	b := []byte{}
	for ; n > 0 || len(b) == 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// The carto catalog is read-only in every storage mode: it holds the
// functions and can never hold a table, also not in read-only mode.
func TestCartoCatalogInEveryMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, opts := range map[string]Options{
		"memory":         {NoDemoData: true},
		"memory-ro":      {NoDemoData: true, ReadOnly: true},
		"file":           {NoDemoData: true, Path: filepath.Join(dir, "a.duckdb")},
		"file-ro-reopen": {NoDemoData: true, Path: filepath.Join(dir, "a.duckdb"), ReadOnly: true},
	} {
		if name == "file-ro-reopen" {
			continue // needs the file first; run below
		}
		t.Run(name, func(t *testing.T) {
			checkCartoCatalog(t, newEnv(t, opts))
		})
	}
	// A read-only file made by an earlier run.
	w, err := New(t.Context(), Options{NoDemoData: true, Path: filepath.Join(dir, "b.duckdb")})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	checkCartoCatalog(t, newEnv(t, Options{NoDemoData: true, Path: filepath.Join(dir, "b.duckdb"), ReadOnly: true}))
}

func checkCartoCatalog(t *testing.T, e *testEnv) {
	t.Helper()
	assert.Equal(t, "4", e.query("SELECT carto.H3_RESOLUTION('84390cbffffffff') AS r", nil).value(0, "r"))
	for _, q := range []string{
		"CREATE TABLE carto.main.side_door AS SELECT 1 AS x",
		"CREATE MACRO carto.main.mine() AS 1",
		"DROP MACRO carto.main.ST_X",
		"CREATE SCHEMA carto.extra",
	} {
		body := e.queryError(http.StatusBadRequest, q, nil)
		assert.Contains(t, body["error"], "read-only", q)
	}
}

func TestSpatialTempDirRemovedOnClose(t *testing.T) {
	t.Parallel()
	w, err := New(t.Context(), Options{NoDemoData: true})
	require.NoError(t, err)
	dir := w.tempDir
	require.FileExists(t, filepath.Join(dir, "carto.duckdb"))
	require.NoError(t, w.Close())
	assert.NoDirExists(t, dir)
}

func TestConnectionNameCartoIsReserved(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"carto", "CARTO"} {
		_, err := New(t.Context(), Options{Connection: name, NoDemoData: true})
		assert.ErrorContains(t, err, "reserved for the Analytics Toolbox functions", name)
	}
}

// A job can use the functions too: the usual way to build a cell table.
func TestSpatialJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	j := e.submitJob(`CREATE TABLE demo.store_cells AS
		SELECT carto.QUADBIN_FROMLONGLAT(lon, lat, 6) AS quadbin, count(*) AS stores
		FROM demo.stores GROUP BY 1`, nil)
	done := e.waitJob(j.JobID, statusSuccess, statusFailure)
	require.Equal(t, statusSuccess, done.Status, "%+v", done.Error)
	res := e.query(`SELECT sum(stores) AS n, count(*) FILTER (WHERE QUADBIN_RESOLUTION(quadbin) <> 6) AS bad
		FROM demo.store_cells`, nil)
	assert.Equal(t, "3381", res.value(0, "n"))
	assert.Equal(t, "0", res.value(0, "bad"))

	j = e.submitJob("CREATE TABLE demo.broken AS SELECT H3_FROMLONGLAT(lon, lat, 99) AS h FROM demo.stores", nil)
	done = e.waitJob(j.JobID, statusSuccess, statusFailure)
	require.Equal(t, statusFailure, done.Status)
	assert.Contains(t, done.Error.Msg, "H3_FROMLONGLAT: invalid resolution 99; should be between 0 and 15")
	e.queryError(http.StatusBadRequest, "SELECT * FROM demo.broken", nil)
}

// The example query of the README's --local section runs as written.
func TestReadmeSpatialExample(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	res := e.query(`SELECT carto.QUADBIN_FROMLONGLAT(lon, lat, 8) AS cell, count(*) AS stores
FROM carto_local.demo.stores s JOIN carto_local.demo.countries c
  ON ST_CONTAINS(ST_GEOMFROMTEXT(c.geom), ST_GEOMFROMTEXT(s.geom))
WHERE c.iso_a3 = 'ESP' GROUP BY 1 ORDER BY 2 DESC LIMIT 5`, nil)
	require.NotEmpty(t, res.Rows)
	assert.Equal(t, "bigint", res.Schema[0].Type)
}
