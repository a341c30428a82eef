package catalog_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/store"
)

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.R.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func counts(t *testing.T, db *store.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tbl := range []string{"price_levels", "suppliers", "categories", "brands", "products", "routes", "price_overrides", "accounts"} {
		out[tbl] = count(t, db, tbl)
	}
	return out
}

func TestLoadDemo(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		first, err := catalog.LoadDemo(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		want := loket.ImportSummary{Levels: 3, Categories: 6, Brands: 21, Products: 49, Routes: 49, Suppliers: 1, VNServices: 2, VNCountries: 1}
		if first != want {
			t.Errorf("summary = %+v, want %+v", first, want)
		}
		// Seed 000's identifiers, as CONTRACT.md's demo dataset promises.
		svcs, err := db.VNServices(ctx)
		if err != nil || len(svcs) != 2 || svcs[0].Code != 14 || svcs[0].Name != "WhatsApp" || svcs[1].Code != 86 {
			t.Fatalf("vn services = %+v, %v", svcs, err)
		}
		countries, err := db.VNCountries(ctx, 14)
		if err != nil || len(countries) != 1 || countries[0].NumberID != 340437 || countries[0].Name != "Indonesia" ||
			len(countries[0].Prices) != 1 || countries[0].Prices[0].ProviderID != "3837" || countries[0].Prices[0].RateBP != 8160 ||
			countries[0].Prices[0].Price != 1100 || countries[0].Prices[0].Stock != 103 || countries[0].Prices[0].ServerID != 3 {
			t.Fatalf("vn countries = %+v, %v", countries, err)
		}
		ops, err := db.VNOperators(ctx, "indonesia", "3837")
		if err != nil || len(ops) != 2 || ops[0].ID != "any" || ops[1].ID != "telkomsel" {
			t.Fatalf("vn operators = %+v, %v", ops, err)
		}
		rows := counts(t, db)
		for tbl, n := range map[string]int{"price_levels": first.Levels, "suppliers": first.Suppliers, "categories": first.Categories,
			"brands": first.Brands, "products": first.Products, "routes": first.Routes} {
			if rows[tbl] != n {
				t.Errorf("%s has %d rows, want %d", tbl, rows[tbl], n)
			}
		}
		before, err := db.LoadCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkDemo(t, db, before)

		second, err := catalog.LoadDemo(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if second != first {
			t.Errorf("second summary = %+v, want %+v", second, first)
		}
		if got := counts(t, db); !reflect.DeepEqual(got, rows) {
			t.Errorf("rows after a second import = %v, want %v", got, rows)
		}
		after, err := db.LoadCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := productIDs(after), productIDs(before); !reflect.DeepEqual(got, want) {
			t.Errorf("product ids changed on a second import: %v, want %v", got, want)
		}
		checkDemo(t, db, after)
	})
}

func productIDs(c *loket.Catalog) map[string]int64 {
	out := map[string]int64{}
	for _, p := range c.Products {
		out[p.Code] = p.ID
	}
	return out
}

func checkDemo(t *testing.T, db *store.DB, c *loket.Catalog) {
	t.Helper()
	products := map[string]loket.Product{}
	var maxFixed, minFree int64 = 0, 1 << 62
	fixed := map[string]int64{
		"FFMAX-BJ-V3FFMAX_ID_10": 466, "FFMAX-BJ-V3FFMAX_ID_100": 467, "FFMAX-BJ-V3FFMAX_ID_1000": 468,
		"FFMAX-BJ-V3FFMAX_ID_140": 472, "FF70": 1,
	}
	for _, p := range c.Products {
		products[p.Code] = p
		if _, ok := fixed[p.Code]; ok {
			maxFixed = max(maxFixed, p.ID)
		} else {
			minFree = min(minFree, p.ID)
		}
	}
	if minFree <= maxFixed {
		t.Errorf("products without a fixed id start at %d, below the fixed ids (up to %d)", minFree, maxFixed)
	}
	for code, id := range fixed {
		if products[code].ID != id {
			t.Errorf("product %s has id %d, want %d", code, products[code].ID, id)
		}
	}
	for code, want := range map[string]struct {
		name, brand, category, target string
		price                         loket.Money
	}{
		"HSA5":                     {"Three 5.000", "THREE", "pulsa", loket.TargetMSISDN, 5400},
		"FFMAX-BJ-V3FFMAX_ID_10":   {"10 Diamonds", "FFMAX-BJ-V3", "games", loket.TargetGame, 1864},
		"FFMAX-BJ-V3FFMAX_ID_100":  {"100 Diamonds", "FFMAX-BJ-V3", "games", loket.TargetGame, 14882},
		"FFMAX-BJ-V3FFMAX_ID_1000": {"1000 Diamonds", "FFMAX-BJ-V3", "games", loket.TargetGame, 130180},
		"FFMAX-BJ-V3FFMAX_ID_140":  {"140 Diamonds", "FFMAX-BJ-V3", "games", loket.TargetGame, 18610},
		"MLBB-BJ-V3-ALLMLBB_ID_5":  {"5 Diamonds", "MLBB-BJ-V3", "games", loket.TargetGame, 1480},
		"MLBB-BJ-V3-ALLMLBB_ID_10": {"10 Diamonds", "MLBB-BJ-V3", "games", loket.TargetGame, 1920},
		"MLBB-BJ-V3-ALLMLBB_ID_15": {"15 Diamonds", "MLBB-BJ-V3", "games", loket.TargetGame, 4290},
		"FF70":                     {"70 Diamond", "FF", "games", loket.TargetGame, 10000},
		"PLN50":                    {"Token PLN 50.000", "PLN", "pln", loket.TargetMeter, 50350},
	} {
		p, ok := products[code]
		if !ok {
			t.Errorf("no product %s", code)
			continue
		}
		got := struct {
			name, brand, category, target string
			price                         loket.Money
		}{p.Name, p.Brand, p.Category, p.TargetKind, p.BasePrice}
		if got != want {
			t.Errorf("product %s = %+v, want %+v", code, got, want)
		}
		if !p.Active || p.Stock != nil {
			t.Errorf("product %s: active %v, stock %v; want active, unlimited", code, p.Active, p.Stock)
		}
	}
	for _, cat := range c.Categories {
		if cat.Code == "games" && cat.Name != "Games" {
			t.Errorf("category games is named %q, want Games (seed 004's tipe)", cat.Name)
		}
	}

	brands := map[string]loket.Brand{}
	for _, b := range c.Brands {
		brands[b.Code] = b
	}
	for code, id := range map[string]int64{"AKV-BJ": 9, "ABM22-RCF": 6, "FFMAX-BJ-V3": 159} {
		if brands[code].ID != id {
			t.Errorf("brand %s has id %d, want %d", code, brands[code].ID, id)
		}
	}
	wantForms := map[string][]loket.FormField{
		"AKV-BJ": {
			{Label: "UID", Key: "id", Type: loket.FieldText},
			{Label: "Sever List/Server ID", Key: "server", Type: loket.FieldDropdown, Options: []loket.FormOption{
				{Name: "AMERICAS", Code: "10040400"}, {Name: "KR / JP / TW", Code: "10040300"}, {Name: "SEA / OCE", Code: "10040200"},
			}},
		},
		"ABM22-RCF": {
			{Label: "User ID", Key: "player_id", Type: loket.FieldText},
			{Label: "Sever List/Server ID", Key: "server", Type: loket.FieldText},
		},
		"FFMAX-BJ-V3": {{Label: "Player ID", Key: "id", Type: loket.FieldText}},
		"MLBB-BJ-V3":  {{Label: "User ID", Key: "id", Type: loket.FieldText}, {Label: "Zone ID", Key: "server", Type: loket.FieldText}},
		"FF":          {{Label: "Player ID", Key: "id", Type: loket.FieldText}},
	}
	for code, want := range wantForms {
		if got := brands[code].Forms; !reflect.DeepEqual(got, want) {
			t.Errorf("brand %s forms = %+v, want %+v", code, got, want)
		}
	}
	// White label: nothing in the demo points at an upstream's own site.
	for code, b := range brands {
		if strings.Contains(b.Icon, "tokowendigg") {
			t.Errorf("brand %s icon %q names an upstream", code, b.Icon)
		}
	}

	levels := map[string]loket.Level{}
	for _, l := range c.Levels {
		levels[l.Name] = l
	}
	if l, ok := levels[catalog.DemoLevel]; !ok || l.MarkupBP != 0 || l.MarkupFlat != 0 {
		t.Errorf("level %s = %+v (found %v), want no markup", catalog.DemoLevel, l, ok)
	}
	if l := levels["member"]; l.MarkupBP != 250 {
		t.Errorf("level member markup = %d bp, want 250 (2.5%%)", l.MarkupBP)
	}

	if len(c.Suppliers) != 1 || c.Suppliers[0].Name != catalog.DemoSupplier || c.Suppliers[0].Kind != "sim" || !c.Suppliers[0].Enabled {
		t.Fatalf("suppliers = %+v, want one enabled sim", c.Suppliers)
	}
	sim := c.Suppliers[0]
	for _, p := range c.Products {
		rs := c.Routes[p.ID]
		if len(rs) != 1 {
			t.Errorf("product %s has %d routes, want 1", p.Code, len(rs))
			continue
		}
		r := rs[0]
		// A bill has no fixed price and its route no fixed cost: the inquiry says both.
		cheaper := r.Cost < p.BasePrice && r.Cost >= p.BasePrice*9/10 || p.Postpaid() && r.Cost == 0 && p.BasePrice == 0
		if r.SupplierID != sim.ID || r.SupplierCode != p.Code || r.Priority != 100 || !r.Active || !cheaper {
			t.Errorf("product %s (price %d) route = %+v, want sim, own code, priority 100, cost a little below price", p.Code, p.BasePrice, r)
		}
	}
	var kind string
	if err := db.R.QueryRowContext(context.Background(), "SELECT kind FROM accounts WHERE code = $1", store.SupplierAccount(sim.ID)).Scan(&kind); err != nil {
		t.Errorf("payable account of sim: %v", err)
	} else if kind != store.KindSupplierPayable {
		t.Errorf("payable account of sim has kind %q", kind)
	}
}

// A file may refer to what the database already holds, and set level prices.
// TestPostpaidProducts: the demo's bills are postpaid with their admin fee and
// commission per level, have no fixed price, and PLN tokens say they check the meter.
func TestPostpaidProducts(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := catalog.LoadDemo(ctx, db); err != nil {
			t.Fatal(err)
		}
		c, err := db.LoadCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byCode := map[string]loket.Product{}
		for _, p := range c.Products {
			byCode[p.Code] = p
		}
		pln := byCode["pln"]
		if pln.Kind != loket.KindPostpaid || pln.AdminFee != 2750 || pln.BasePrice != 0 || pln.Commission != 0 {
			t.Errorf("pln = %+v", pln)
		}
		if got := c.Commissions[pln.ID]; got["reseller"] != 1000 || got["member"] != 800 || got["retail"] != 500 {
			t.Errorf("pln commissions = %v", got)
		}
		for _, code := range []string{"PDAM", "bpjs", "HALO"} {
			if p := byCode[code]; p.Kind != loket.KindPostpaid || p.Commission != 500 || p.AdminFee != 2000 {
				t.Errorf("%s = %+v", code, p)
			}
		}
		for _, code := range []string{"PLN20", "PLN50", "PLN100"} {
			if p := byCode[code]; p.Kind != loket.KindPrepaid || p.CustomerCheck != loket.CheckPLN {
				t.Errorf("%s = %+v", code, p)
			}
		}
		if p := byCode["HSA5"]; p.Kind != loket.KindPrepaid || p.CustomerCheck != "" {
			t.Errorf("HSA5 = %+v", p)
		}
	})
}

func TestImportReferencesDatabase(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := catalog.LoadDemo(ctx, db); err != nil {
			t.Fatal(err)
		}
		const file = `
products:
  - code: HSA50
    name: Three 50.000
    brand: THREE
    price: 49500
    stock: 7
    description: "stok terbatas"
    prices: {member: 49000}
    routes:
      - {supplier: sim, cost: 48000}
`
		sum, err := catalog.Import(ctx, db, strings.NewReader(file), "more.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if want := (loket.ImportSummary{Products: 1, Routes: 1}); sum != want {
			t.Errorf("summary = %+v, want %+v", sum, want)
		}
		c, err := db.LoadCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var p loket.Product
		for _, x := range c.Products {
			if x.Code == "HSA50" {
				p = x
			}
		}
		if p.ID == 0 || p.Brand != "THREE" || p.Stock == nil || *p.Stock != 7 || p.Description != "stok terbatas" {
			t.Fatalf("HSA50 = %+v", p)
		}
		if got := c.Overrides[p.ID]["member"]; got != 49000 {
			t.Errorf("member price of HSA50 = %d, want 49000", got)
		}
		if rs := c.Routes[p.ID]; len(rs) != 1 || rs[0].SupplierCode != "HSA50" || rs[0].Cost != 48000 || rs[0].Priority != 10 {
			t.Errorf("routes of HSA50 = %+v, want one to sim under HSA50, cost 48000, priority 10", rs)
		}
	})
}

// JSON is YAML: a JSON catalog imports the same way.
func TestImportJSON(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		const file = `{
  "levels": [{"name": "reseller"}],
  "suppliers": [{"name": "up", "kind": "socx", "base_url": "https://example.com", "api_key": "k", "enabled": false}],
  "categories": [{"code": "pulsa", "name": "Pulsa", "target": "msisdn"}],
  "brands": [{"code": "THREE", "name": "Three", "category": "pulsa"}],
  "products": [{"code": "HSA5", "name": "Three 5.000", "brand": "THREE", "price": 5400,
    "routes": [{"supplier": "up", "code": "T5", "cost": 5300, "priority": 1}]}]
}`
		sum, err := catalog.Import(context.Background(), db, strings.NewReader(file), "c.json")
		if err != nil {
			t.Fatal(err)
		}
		if want := (loket.ImportSummary{Levels: 1, Categories: 1, Brands: 1, Products: 1, Routes: 1, Suppliers: 1}); sum != want {
			t.Errorf("summary = %+v, want %+v", sum, want)
		}
		sups, err := db.Suppliers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(sups) != 1 || sups[0].Kind != "socx" || sups[0].Enabled || sups[0].APIKey != "k" {
			t.Errorf("suppliers = %+v", sups)
		}
	})
}

func TestImportErrors(t *testing.T) {
	// Each file starts at line 1, right after the backquote.
	for _, tc := range []struct {
		name string
		file string
		want []string
	}{
		{
			name: "negative price",
			file: `products:
  - code: X1
    name: X
    brand: THREE
    price: -5
`,
			want: []string{"bad.yaml:5: products[0].price: must be a whole number of rupiah >= 0"},
		},
		{
			name: "fractional price",
			file: `products:
  - {code: X1, name: X, brand: THREE, price: 5400.5}
`,
			want: []string{"bad.yaml:2: products[0].price: must be a whole number of rupiah >= 0"},
		},
		{
			name: "price too large",
			file: `products:
  - {code: X1, name: X, brand: THREE, price: 1000000000001}
`,
			want: []string{"bad.yaml:2: products[0].price: must be at most 1000000000000"},
		},
		{
			name: "unknown key",
			file: `products:
  - code: X1
    name: X
    brand: THREE
    pricee: 5400
`,
			want: []string{
				`bad.yaml:5: products[0].pricee: unknown field (did you mean "price"?)`,
				"bad.yaml:2: products[0].price: required",
			},
		},
		{
			name: "postpaid with a fixed price",
			file: `products:
  - {code: X1, name: X, brand: THREE, kind: postpaid, price: 5400}
`,
			want: []string{"bad.yaml:2: products[0].price: a postpaid product has no fixed price: it is the bill + admin_fee - commission per period"},
		},
		{
			name: "prepaid with bill fields",
			file: `products:
  - {code: X1, name: X, brand: THREE, price: 5400, admin_fee: 100, check: meter}
`,
			want: []string{
				"bad.yaml:2: products[0].check: must be pln, not \"meter\"",
				"bad.yaml:2: products[0].admin_fee: only a postpaid product (kind: postpaid) has admin_fee",
			},
		},
		{
			name: "unknown kind",
			file: `products:
  - {code: X1, name: X, brand: THREE, price: 5400, kind: rental}
`,
			want: []string{`bad.yaml:2: products[0].kind: must be prepaid or postpaid, not "rental"`},
		},
		{
			name: "unknown top-level key",
			file: `level:
  - {name: reseller}
`,
			want: []string{`bad.yaml:1: level: unknown field (did you mean "levels"?)`},
		},
		{
			name: "unknown brand",
			file: `products:
  - {code: X1, name: X, brand: THREE, price: 5000}
  - {code: X2, name: Y, brand: NOPE, price: 5000}
`,
			want: []string{
				`bad.yaml:2: products[0].brand: no brand "THREE" in this file or in the database`,
				`bad.yaml:3: products[1].brand: no brand "NOPE" in this file or in the database`,
			},
		},
		{
			name: "unknown supplier and level",
			file: `categories: [{code: pulsa, name: Pulsa}]
brands: [{code: B, name: B, category: pulsa}]
products:
  - code: X1
    name: X
    brand: B
    price: 5000
    prices: {gold: 4900}
    routes: [{supplier: nope, cost: 4000}]
`,
			want: []string{
				`bad.yaml:8: products[0].prices.gold: no level "gold" in this file or in the database`,
				`bad.yaml:9: products[0].routes[0].supplier: no supplier "nope" in this file or in the database`,
			},
		},
		{
			name: "dropdown without options",
			file: `brands:
  - code: G
    name: Game
    category: games
    forms:
      - {label: UID, key: id, type: text}
      - {label: Server, key: server, type: dropdown}
`,
			want: []string{"bad.yaml:7: brands[0].forms[1].options: a dropdown needs at least one option"},
		},
		{
			name: "form problems",
			file: `categories: [{code: games, name: Games, target: game}]
brands:
  - code: G
    name: Game
    category: games
    forms:
      - {label: UID, key: id, type: text, options: [{name: A, code: a}]}
      - {label: Other, key: id, type: combo}
`,
			want: []string{
				"bad.yaml:7: brands[0].forms[0].options: a text field has no options",
				`bad.yaml:8: brands[0].forms[1].type: must be text or dropdown, not "combo"`,
				`bad.yaml:8: brands[0].forms[1].key: key "id" is used twice in this brand's form (also at line 7)`,
			},
		},
		{
			name: "bad codes and duplicates",
			file: `categories:
  - {code: "pul sa", name: Pulsa, target: phone}
  - {code: pulsa, name: Pulsa}
  - {code: pulsa, name: Again}
levels:
  - {name: gold, markup_percent: 2.555}
  - {name: silver, markup_percent: -1}
`,
			want: []string{
				`bad.yaml:2: categories[0].code: must not contain spaces: "pul sa"`,
				`bad.yaml:2: categories[0].target: must be one of msisdn, meter, game, any, not "phone"`,
				`bad.yaml:4: categories[2].code: category "pulsa" is defined twice (also at line 3)`,
				"bad.yaml:6: levels[0].markup_percent: must be a percentage >= 0 with at most two decimals",
				"bad.yaml:7: levels[1].markup_percent: must be a percentage >= 0",
			},
		},
		{
			name: "syntax error",
			file: `products:
  - code: X1
    name: [unclosed
`,
			want: []string{"bad.yaml:"},
		},
		{
			name: "not a list",
			file: `products: {code: X1}
`,
			want: []string{"bad.yaml:1: products: must be a list"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *store.DB) {
				before := counts(t, db)
				_, err := catalog.Import(context.Background(), db, strings.NewReader(tc.file), "bad.yaml")
				if err == nil {
					t.Fatal("imported a bad file")
				}
				if code := loket.ErrorCode(err); code != loket.EINVALID {
					t.Errorf("code = %q, want %q (%v)", code, loket.EINVALID, err)
				}
				msg := loket.ErrorMessage(err)
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("error %q\ndoes not contain %q", msg, w)
					}
				}
				if got := counts(t, db); !reflect.DeepEqual(got, before) {
					t.Errorf("a refused file changed the database: %v, was %v", got, before)
				}
			})
		})
	}
}

func TestImportErrorsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("products:\n")
	for range 30 {
		b.WriteString("  - {code: X, name: X, brand: B, price: -1}\n")
	}
	db := openSQLite(t)
	_, err := catalog.Import(context.Background(), db, strings.NewReader(b.String()), "many.yaml")
	msg := loket.ErrorMessage(err)
	if n := strings.Count(msg, "many.yaml:"); n != 20 {
		t.Errorf("reported %d problems, want 20: %s", n, msg)
	}
	if !strings.HasSuffix(msg, "more") {
		t.Errorf("error does not say more problems were left out: %s", msg)
	}
}

// A file is applied whole or not at all, even when the database refuses an item late.
func TestImportAllOrNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := catalog.LoadDemo(ctx, db); err != nil {
			t.Fatal(err)
		}
		before := counts(t, db)
		for _, tc := range []struct{ file, want string }{
			{
				file: `
brands:
  - {code: NEWBRAND, name: New, category: pulsa}
products:
  - {code: NEW5, name: New 5.000, brand: NEWBRAND, price: 5000}
  - {code: NEW10, id: 466, name: New 10.000, brand: NEWBRAND, price: 10000}
`,
				want: "late.yaml:6: products[1].id: product id 466 is taken by another product",
			},
			{
				file: `
brands:
  - {code: NEWBRAND, name: New, category: pulsa}
  - {code: AKV-BJ, id: 10, name: Moved, category: games}
`,
				want: "late.yaml:4: brands[1].id: brand AKV-BJ already exists with id 9, not 10",
			},
		} {
			_, err := catalog.Import(ctx, db, strings.NewReader(tc.file), "late.yaml")
			if code := loket.ErrorCode(err); code != loket.ECONFLICT {
				t.Fatalf("err = %v, want a conflict", err)
			}
			if msg := loket.ErrorMessage(err); msg != tc.want {
				t.Errorf("message = %q, want %q", msg, tc.want)
			}
			if got := counts(t, db); !reflect.DeepEqual(got, before) {
				t.Errorf("a refused file changed the database: %v, was %v", got, before)
			}
		}
	})
}

func TestImportEmpty(t *testing.T) {
	db := openSQLite(t)
	for _, file := range []string{"", "# nothing\n", "{}\n"} {
		sum, err := catalog.Import(context.Background(), db, strings.NewReader(file), "empty.yaml")
		if err != nil || sum != (loket.ImportSummary{}) {
			t.Errorf("Import(%q) = %+v, %v; want nothing, no error", file, sum, err)
		}
	}
}
