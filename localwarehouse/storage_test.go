package localwarehouse

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writes that a read-only warehouse must refuse.
var writeStatements = []string{
	"CREATE TABLE demo.x AS SELECT 1 AS v",
	"INSERT INTO demo.cities (city_id, name, country, iso_a2, iso_a3, population, lon, lat, geom) VALUES (9999, 'x', 'x', 'x', 'x', 1, 0, 0, 'POINT (0 0)')",
	"DELETE FROM demo.stores",
	"DROP TABLE demo.countries",
	"CREATE SCHEMA other",
	// The default catalog is detached, so it is no side door.
	"CREATE TABLE memory.main.x (v INTEGER)",
}

func TestReadOnlyInMemory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{ReadOnly: true})
	require.NotEmpty(t, e.w.tempDir)

	res := e.query("SELECT count(*) > 200 AS ok FROM carto_local.demo.cities", nil)
	assert.Equal(t, "true", res.value(0, "ok"))
	for _, stmt := range writeStatements {
		e.queryError(http.StatusBadRequest, stmt, nil)
	}
	body := e.queryError(http.StatusBadRequest, writeStatements[0], nil)
	assert.Contains(t, body["error"], "read-only")

	// Jobs are refused writes too.
	j := e.submitJob("DELETE FROM demo.stores", nil)
	done := e.waitJob(j.JobID, statusSuccess, statusFailure)
	assert.Equal(t, statusFailure, done.Status)
	assert.Equal(t, "true", e.query("SELECT count(*) > 1000 AS ok FROM demo.stores", nil).value(0, "ok"))
}

func TestReadOnlyTempDirRemovedOnClose(t *testing.T) {
	t.Parallel()
	w, err := New(t.Context(), Options{ReadOnly: true, NoDemoData: true})
	require.NoError(t, err)
	dir := w.tempDir
	require.DirExists(t, dir)
	require.NoError(t, w.Close())
	assert.NoDirExists(t, dir)
}

func TestPathPersistence(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "warehouse.duckdb")

	// First run: demo data is created in the file, and user changes are kept.
	w1, err := New(t.Context(), Options{Path: path})
	require.NoError(t, err)
	e1 := &testEnv{t: t, w: w1}
	e1.srv = startServer(t, w1)
	e1.query("CREATE TABLE carto_local.main.notes AS SELECT 42 AS answer", nil)
	e1.query("DELETE FROM demo.stores WHERE store_id = 1", nil)
	j := e1.submitJob("CREATE TABLE demo.made_by_job AS SELECT 1 AS v", nil)
	e1.waitJob(j.JobID, statusSuccess)
	e1.srv.Close()
	require.NoError(t, w1.Close())
	_, err = os.Stat(path)
	require.NoError(t, err)

	// Second run: everything is still there, and the demo data was not
	// regenerated over the user's change.
	e2 := newEnv(t, Options{Path: path})
	assert.Equal(t, "42", e2.query("SELECT answer FROM notes", nil).value(0, "answer"))
	assert.Equal(t, "0", e2.query("SELECT count(*) AS n FROM demo.stores WHERE store_id = 1", nil).value(0, "n"))
	assert.Equal(t, "1", e2.query("SELECT v FROM demo.made_by_job", nil).value(0, "v"))
	e2.srv.Close()
	require.NoError(t, e2.w.Close())

	// Read-only over the same file: reads work, writes do not.
	e3 := newEnv(t, Options{Path: path, ReadOnly: true})
	assert.Equal(t, "42", e3.query("SELECT answer FROM carto_local.main.notes", nil).value(0, "answer"))
	for _, stmt := range writeStatements {
		e3.queryError(http.StatusBadRequest, stmt, nil)
	}
}

func TestReadOnlyMissingFile(t *testing.T) {
	t.Parallel()
	_, err := New(t.Context(), Options{Path: filepath.Join(t.TempDir(), "missing.duckdb"), ReadOnly: true})
	assert.Error(t, err)
}

func TestDemoDataDeterministic(t *testing.T) {
	t.Parallel()
	var a, b []demoStore
	require.NoError(t, generateStores(func(s demoStore) error { a = append(a, s); return nil }))
	require.NoError(t, generateStores(func(s demoStore) error { b = append(b, s); return nil }))
	assert.Equal(t, a, b)

	// Every city has a country, lies inside its bounding box, and is unique.
	countries := countryIndex()
	assert.Len(t, countries, len(demoCountries), "duplicate country codes")
	seen := map[string]bool{}
	for _, c := range demoCities {
		k, ok := countries[c.iso3]
		if !assert.True(t, ok, "%s: unknown country %s", c.name, c.iso3) {
			continue
		}
		assert.True(t, c.lon >= k.minLon && c.lon <= k.maxLon && c.lat >= k.minLat && c.lat <= k.maxLat,
			"%s is outside the bounding box of %s", c.name, k.name)
		assert.False(t, seen[c.name+c.iso3], "duplicate city %s", c.name)
		seen[c.name+c.iso3] = true
	}
	for _, s := range a {
		assert.True(t, s.lon >= -180 && s.lon <= 180 && s.lat >= -90 && s.lat <= 90, "%+v", s)
		assert.Positive(t, s.revenueCents)
	}
}
