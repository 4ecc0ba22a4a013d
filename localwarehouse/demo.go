package localwarehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// demoSchemaSQL creates the demo tables; %[1]s is the quoted catalog. The
// geom columns are WKT text, reported as "geometry" because of their name
// (see the package documentation).
const demoSchemaSQL = `
CREATE SCHEMA %[1]s.demo;
CREATE TABLE %[1]s.demo.countries (
	iso_a3     VARCHAR PRIMARY KEY,
	iso_a2     VARCHAR NOT NULL,
	name       VARCHAR NOT NULL,
	continent  VARCHAR NOT NULL,
	population BIGINT NOT NULL,
	geom       VARCHAR NOT NULL
);
CREATE TABLE %[1]s.demo.cities (
	city_id    INTEGER PRIMARY KEY,
	name       VARCHAR NOT NULL,
	country    VARCHAR NOT NULL,
	iso_a2     VARCHAR NOT NULL,
	iso_a3     VARCHAR NOT NULL,
	population BIGINT NOT NULL,
	lon        DOUBLE NOT NULL,
	lat        DOUBLE NOT NULL,
	geom       VARCHAR NOT NULL
);
CREATE TABLE %[1]s.demo.stores (
	store_id  INTEGER PRIMARY KEY,
	name      VARCHAR NOT NULL,
	category  VARCHAR NOT NULL,
	city_id   INTEGER NOT NULL,
	city      VARCHAR NOT NULL,
	iso_a3    VARCHAR NOT NULL,
	revenue   DECIMAL(12,2) NOT NULL,
	opened_at DATE NOT NULL,
	lon       DOUBLE NOT NULL,
	lat       DOUBLE NOT NULL,
	geom      VARCHAR NOT NULL
);
COMMENT ON TABLE %[1]s.demo.countries IS 'Demo data: countries with approximate 2023 population; geom is the approximate bounding box as WKT (EPSG:4326).';
COMMENT ON TABLE %[1]s.demo.cities IS 'Demo data: major world cities with approximate urban-area population; geom is a WKT point (EPSG:4326).';
COMMENT ON TABLE %[1]s.demo.stores IS 'Demo data: synthetic retail stores around the demo cities (fixed-seed, identical on every start); geom is a WKT point (EPSG:4326).';
`

// storeCategories and their typical yearly revenue in cents.
var storeCategories = []struct {
	name      string
	baseCents float64
}{
	{"grocery", 250_000_00},
	{"pharmacy", 120_000_00},
	{"electronics", 400_000_00},
	{"apparel", 180_000_00},
	{"coffee", 60_000_00},
	{"hardware", 150_000_00},
}

// demoSeed fixes the store generator, so every start produces the same rows.
const demoSeed1, demoSeed2 = 0xCA7105, 2024

// loadDemoData creates and fills the demo schema in one transaction, so a
// failure never leaves a half-loaded schema behind in a database file.
func loadDemoData(ctx context.Context, conn *sql.Conn, catalog string) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("localwarehouse: demo data: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			err = fmt.Errorf("localwarehouse: demo data: %w", err)
		}
	}()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(demoSchemaSQL, quoteIdent(catalog))); err != nil {
		return err
	}
	err = conn.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		for _, t := range []struct {
			table string
			fill  func(*duckdb.Appender) error
		}{
			{"countries", appendCountries},
			{"cities", appendCities},
			{"stores", appendStores},
		} {
			if err := appendAll(dconn, catalog, t.table, t.fill); err != nil {
				return fmt.Errorf("%s: %w", t.table, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// appendAll bulk-loads one table through DuckDB's appender, much faster than
// INSERT statements.
func appendAll(dconn driver.Conn, catalog, table string, fill func(*duckdb.Appender) error) error {
	a, err := duckdb.NewAppender(dconn, catalog, "demo", table)
	if err != nil {
		return err
	}
	if err := fill(a); err != nil {
		_ = a.Close()
		return err
	}
	return a.Close()
}

func appendCountries(a *duckdb.Appender) error {
	for _, c := range demoCountries {
		if err := a.AppendRow(c.iso3, c.iso2, c.name, c.continent, c.population,
			bboxWKT(c.minLon, c.minLat, c.maxLon, c.maxLat)); err != nil {
			return err
		}
	}
	return nil
}

func appendCities(a *duckdb.Appender) error {
	countries := countryIndex()
	for i, c := range demoCities {
		country := countries[c.iso3]
		if err := a.AppendRow(int32(i+1), c.name, country.name, country.iso2, c.iso3,
			c.population, c.lon, c.lat, pointWKT(c.lon, c.lat)); err != nil {
			return err
		}
	}
	return nil
}

func appendStores(a *duckdb.Appender) error {
	var id int32
	return generateStores(func(s demoStore) error {
		id++
		return a.AppendRow(id, s.name, s.category, s.cityID, s.city, s.iso3,
			duckdb.Decimal{Width: 12, Scale: 2, Value: big.NewInt(s.revenueCents)},
			s.openedAt, s.lon, s.lat, pointWKT(s.lon, s.lat))
	})
}

type demoStore struct {
	name, category, city, iso3 string
	cityID                     int32
	revenueCents               int64
	openedAt                   time.Time
	lon, lat                   float64
}

// generateStores calls emit for each synthetic store, in a fixed order with
// a fixed-seed PCG (whose output Go specifies), so the data never changes.
func generateStores(emit func(demoStore) error) error {
	rng := rand.New(rand.NewPCG(demoSeed1, demoSeed2))
	first := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC).Sub(first).Hours() / 24)
	for i, c := range demoCities {
		// Bigger cities get more stores, spread over a wider area.
		n := 4 + int(2*math.Sqrt(float64(c.population)/250_000))
		spread := 0.02 + 0.01*math.Log1p(float64(c.population)/250_000)
		perCategory := map[string]int{}
		for range n {
			cat := storeCategories[rng.IntN(len(storeCategories))]
			perCategory[cat.name]++
			lat := clamp(c.lat+rng.NormFloat64()*spread, -85, 85)
			lon := c.lon + rng.NormFloat64()*spread/math.Cos(c.lat*math.Pi/180)
			lon = math.Mod(lon+540, 360) - 180 // stay in [-180, 180)
			s := demoStore{
				name:         fmt.Sprintf("%s %s #%d", c.name, titleCase(cat.name), perCategory[cat.name]),
				category:     cat.name,
				city:         c.name,
				iso3:         c.iso3,
				cityID:       int32(i + 1),
				revenueCents: int64(math.Round(cat.baseCents * math.Exp(0.45*rng.NormFloat64()))),
				openedAt:     first.AddDate(0, 0, rng.IntN(days+1)),
				lon:          round6(lon),
				lat:          round6(lat),
			}
			if err := emit(s); err != nil {
				return err
			}
		}
	}
	return nil
}

func countryIndex() map[string]demoCountry {
	m := make(map[string]demoCountry, len(demoCountries))
	for _, c := range demoCountries {
		m[c.iso3] = c
	}
	return m
}

func pointWKT(lon, lat float64) string {
	return "POINT (" + fmtCoord(lon) + " " + fmtCoord(lat) + ")"
}

func bboxWKT(minLon, minLat, maxLon, maxLat float64) string {
	x0, y0, x1, y1 := fmtCoord(minLon), fmtCoord(minLat), fmtCoord(maxLon), fmtCoord(maxLat)
	return "POLYGON ((" + x0 + " " + y0 + ", " + x1 + " " + y0 + ", " + x1 + " " + y1 + ", " +
		x0 + " " + y1 + ", " + x0 + " " + y0 + "))"
}

func fmtCoord(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
