package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/loket/loket/internal/loket"
)

// BumpCatalog marks the catalog changed so every node reloads its cache.
func (t *Tx) BumpCatalog() error {
	_, err := t.Exec(`INSERT INTO settings (key, value) VALUES ('catalog_version', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, fmt.Sprint(Now()))
	return err
}

// CatalogVersion returns the marker BumpCatalog last set.
func (db *DB) CatalogVersion(ctx context.Context) (string, error) {
	return db.Setting(ctx, "catalog_version")
}

// LoadCatalog reads the whole catalog.
func (db *DB) LoadCatalog(ctx context.Context) (*loket.Catalog, error) {
	c := &loket.Catalog{Routes: map[int64][]loket.Route{}}
	var err error
	if c.Version, err = db.CatalogVersion(ctx); err != nil {
		return nil, err
	}
	if err := db.each(ctx, `SELECT id, code, name, target_kind FROM categories ORDER BY id`, func(r *sql.Rows) error {
		var x loket.Category
		if err := r.Scan(&x.ID, &x.Code, &x.Name, &x.TargetKind); err != nil {
			return err
		}
		c.Categories = append(c.Categories, x)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := db.each(ctx, `SELECT b.id, b.code, b.name, c.code, b.active, b.icon, b.forms FROM brands b JOIN categories c ON c.id = b.category_id ORDER BY b.id`, func(r *sql.Rows) error {
		var x loket.Brand
		var forms string
		if err := r.Scan(&x.ID, &x.Code, &x.Name, &x.Category, &x.Active, &x.Icon, &forms); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(forms), &x.Forms); err != nil {
			return fmt.Errorf("brand %s: forms: %w", x.Code, err)
		}
		c.Brands = append(c.Brands, x)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := db.each(ctx, `SELECT p.id, p.code, p.name, b.code, b.name, c.code, c.target_kind, p.base_price, p.active AND b.active, p.stock, p.description, p.updated_at,
		p.kind, p.customer_check, p.admin_fee, p.commission
		FROM products p JOIN brands b ON b.id = p.brand_id JOIN categories c ON c.id = b.category_id ORDER BY p.id`, func(r *sql.Rows) error {
		var x loket.Product
		var stock sql.NullInt64
		var upd int64
		if err := r.Scan(&x.ID, &x.Code, &x.Name, &x.Brand, &x.BrandName, &x.Category, &x.TargetKind, &x.BasePrice, &x.Active, &stock, &x.Description, &upd,
			&x.Kind, &x.CustomerCheck, &x.AdminFee, &x.Commission); err != nil {
			return err
		}
		if stock.Valid {
			v := stock.Int64
			x.Stock = &v
		}
		x.UpdatedAt = Time(upd)
		c.Products = append(c.Products, x)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := db.each(ctx, `SELECT name, markup_bp, markup_flat FROM price_levels ORDER BY name`, func(r *sql.Rows) error {
		var x loket.Level
		if err := r.Scan(&x.Name, &x.MarkupBP, &x.MarkupFlat); err != nil {
			return err
		}
		c.Levels = append(c.Levels, x)
		return nil
	}); err != nil {
		return nil, err
	}
	if c.Overrides, err = db.levelAmounts(ctx, `SELECT product_id, level, price FROM price_overrides`); err != nil {
		return nil, err
	}
	if c.Commissions, err = db.levelAmounts(ctx, `SELECT product_id, level, commission FROM product_commissions`); err != nil {
		return nil, err
	}
	if err := db.each(ctx, `SELECT r.id, r.product_id, s.id, s.name, s.kind, r.supplier_code, r.cost, r.priority, r.active, s.enabled, r.upstream_active
		FROM routes r JOIN suppliers s ON s.id = r.supplier_id ORDER BY r.product_id, r.priority, r.id`, func(r *sql.Rows) error {
		var x loket.Route
		if err := r.Scan(&x.ID, &x.ProductID, &x.SupplierID, &x.SupplierName, &x.SupplierKind, &x.SupplierCode, &x.Cost, &x.Priority, &x.Active, &x.Enabled, &x.Available); err != nil {
			return err
		}
		c.Routes[x.ProductID] = append(c.Routes[x.ProductID], x)
		return nil
	}); err != nil {
		return nil, err
	}
	sups, err := db.Suppliers(ctx)
	if err != nil {
		return nil, err
	}
	c.Suppliers = sups
	return c, nil
}

// levelAmounts reads amounts per product and level (price overrides, commissions):
// query selects product_id, level and the amount.
func (db *DB) levelAmounts(ctx context.Context, query string) (map[int64]map[string]loket.Money, error) {
	out := map[int64]map[string]loket.Money{}
	err := db.each(ctx, query, func(r *sql.Rows) error {
		var pid int64
		var level string
		var v loket.Money
		if err := r.Scan(&pid, &level, &v); err != nil {
			return err
		}
		if out[pid] == nil {
			out[pid] = map[string]loket.Money{}
		}
		out[pid][level] = v
		return nil
	})
	return out, err
}

// Suppliers lists the registered suppliers, secrets included (never serialised).
func (db *DB) Suppliers(ctx context.Context) ([]loket.Supplier, error) {
	var out []loket.Supplier
	err := db.each(ctx, `SELECT id, name, kind, base_url, api_key, secret, member_id, enabled, prices_synced_at, prices_note FROM suppliers ORDER BY id`, func(r *sql.Rows) error {
		var x loket.Supplier
		var synced sql.NullInt64
		if err := r.Scan(&x.ID, &x.Name, &x.Kind, &x.BaseURL, &x.APIKey, &x.Secret, &x.MemberID, &x.Enabled, &synced, &x.PricesNote); err != nil {
			return err
		}
		if synced.Valid {
			at := Time(synced.Int64)
			x.PricesSyncedAt = &at
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

// UpsertLevel creates or changes a price level.
func (t *Tx) UpsertLevel(l loket.Level) error {
	_, err := t.Exec(`INSERT INTO price_levels (name, markup_bp, markup_flat, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET markup_bp = excluded.markup_bp, markup_flat = excluded.markup_flat`,
		l.Name, l.MarkupBP, l.MarkupFlat, Now())
	return err
}

// UpsertCategory creates or changes a category by code and returns its id.
func (t *Tx) UpsertCategory(c loket.Category) (int64, error) {
	var id int64
	err := t.QueryRow(`INSERT INTO categories (code, name, target_kind) VALUES ($1, $2, $3)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, target_kind = excluded.target_kind RETURNING id`,
		c.Code, c.Name, c.TargetKind).Scan(&id)
	return id, err
}

// UpsertBrand creates or changes a brand by code and returns its id. A non-zero b.ID
// is used for a new brand (so seeded ids match the seeds' examples).
func (t *Tx) UpsertBrand(b loket.Brand, categoryID int64) (int64, error) {
	forms, err := json.Marshal(b.Forms)
	if err != nil {
		return 0, err
	}
	if b.Forms == nil {
		forms = []byte("[]")
	}
	var id int64
	if b.ID != 0 {
		err = t.QueryRow(`INSERT INTO brands (id, code, name, category_id, active, icon, forms) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, category_id = excluded.category_id, active = excluded.active,
			icon = excluded.icon, forms = excluded.forms RETURNING id`, b.ID, b.Code, b.Name, categoryID, b.Active, b.Icon, string(forms)).Scan(&id)
	} else {
		err = t.QueryRow(`INSERT INTO brands (code, name, category_id, active, icon, forms) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, category_id = excluded.category_id, active = excluded.active,
			icon = excluded.icon, forms = excluded.forms RETURNING id`, b.Code, b.Name, categoryID, b.Active, b.Icon, string(forms)).Scan(&id)
	}
	if isUnique(err) {
		return 0, loket.FieldError(loket.ECONFLICT, "id", "brand id %d is taken by another brand", b.ID)
	}
	return id, err
}

// UpsertProduct creates or changes a product by code and returns its id.
func (t *Tx) UpsertProduct(p loket.Product, brandID int64) (int64, error) {
	var id int64
	var err error
	kind := p.Kind
	if kind == "" {
		kind = loket.KindPrepaid
	}
	if p.ID != 0 {
		err = t.QueryRow(`INSERT INTO products (id, code, name, brand_id, base_price, active, stock, description, updated_at, kind, customer_check, admin_fee, commission)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (code) DO UPDATE SET `+productUpdate+` RETURNING id`,
			p.ID, p.Code, p.Name, brandID, p.BasePrice, p.Active, p.Stock, p.Description, Now(), kind, p.CustomerCheck, p.AdminFee, p.Commission).Scan(&id)
	} else {
		err = t.QueryRow(`INSERT INTO products (code, name, brand_id, base_price, active, stock, description, updated_at, kind, customer_check, admin_fee, commission)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (code) DO UPDATE SET `+productUpdate+` RETURNING id`,
			p.Code, p.Name, brandID, p.BasePrice, p.Active, p.Stock, p.Description, Now(), kind, p.CustomerCheck, p.AdminFee, p.Commission).Scan(&id)
	}
	if isUnique(err) {
		return 0, loket.FieldError(loket.ECONFLICT, "id", "product id %d is taken by another product", p.ID)
	}
	return id, err
}

// productUpdate is what a catalog file's product changes in an existing one.
const productUpdate = `name = excluded.name, brand_id = excluded.brand_id, base_price = excluded.base_price,
	active = excluded.active, stock = excluded.stock, description = excluded.description, updated_at = excluded.updated_at,
	kind = excluded.kind, customer_check = excluded.customer_check, admin_fee = excluded.admin_fee, commission = excluded.commission`

// SetCommission fixes a level's commission per period of a postpaid product's bill.
func (t *Tx) SetCommission(productID int64, level string, commission loket.Money) error {
	_, err := t.Exec(`INSERT INTO product_commissions (product_id, level, commission) VALUES ($1, $2, $3)
		ON CONFLICT (product_id, level) DO UPDATE SET commission = excluded.commission`, productID, level, commission)
	return err
}

// SetOverride fixes a product's price for one level.
func (t *Tx) SetOverride(productID int64, level string, price loket.Money) error {
	_, err := t.Exec(`INSERT INTO price_overrides (product_id, level, price) VALUES ($1, $2, $3)
		ON CONFLICT (product_id, level) DO UPDATE SET price = excluded.price`, productID, level, price)
	return err
}

// SyncSequences moves PostgreSQL's id sequences past explicitly inserted ids.
func (t *Tx) SyncSequences() error {
	if t.Dialect() != Postgres {
		return nil
	}
	for _, tbl := range []string{"brands", "products", "categories"} {
		if _, err := t.Exec(fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM %s), 1))`, tbl, tbl)); err != nil {
			return err
		}
	}
	return nil
}

// ProductID returns a product's id by code.
func (t *Tx) ProductID(code string) (int64, error) {
	var id int64
	err := t.QueryRow(`SELECT id FROM products WHERE code = $1`, code).Scan(&id)
	if noRows(err) {
		return 0, loket.FieldError(loket.EPRODUCT, "product", "no product %q", code)
	}
	return id, err
}

// UpsertSupplier registers a supplier by name and returns its id. Empty credentials
// keep the stored ones, so a catalog file need not carry secrets.
func (t *Tx) UpsertSupplier(s loket.Supplier) (int64, error) {
	var id int64
	err := t.QueryRow(`INSERT INTO suppliers (name, kind, base_url, api_key, secret, member_id, enabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url,
		api_key = COALESCE(NULLIF(excluded.api_key, ''), suppliers.api_key),
		secret = COALESCE(NULLIF(excluded.secret, ''), suppliers.secret),
		member_id = COALESCE(NULLIF(excluded.member_id, ''), suppliers.member_id),
		enabled = excluded.enabled RETURNING id`,
		s.Name, s.Kind, s.BaseURL, s.APIKey, s.Secret, s.MemberID, s.Enabled, Now()).Scan(&id)
	return id, err
}

// SupplierID returns a supplier's id by name.
func (t *Tx) SupplierID(name string) (int64, error) {
	var id int64
	err := t.QueryRow(`SELECT id FROM suppliers WHERE name = $1`, name).Scan(&id)
	if noRows(err) {
		return 0, loket.FieldError(loket.ENOTFOUND, "supplier", "no supplier %q", name)
	}
	return id, err
}

// UpsertRoute lets a product be bought from a supplier.
func (t *Tx) UpsertRoute(productID, supplierID int64, code string, cost loket.Money, priority int) (int64, error) {
	var id int64
	err := t.QueryRow(`INSERT INTO routes (product_id, supplier_id, supplier_code, cost, priority, active) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (product_id, supplier_id) DO UPDATE SET supplier_code = excluded.supplier_code, cost = excluded.cost,
		priority = excluded.priority, active = excluded.active RETURNING id`, productID, supplierID, code, cost, priority, true).Scan(&id)
	return id, err
}

// CategoryID returns a category's id by code.
func (t *Tx) CategoryID(code string) (int64, error) {
	var id int64
	err := t.QueryRow(`SELECT id FROM categories WHERE code = $1`, code).Scan(&id)
	if noRows(err) {
		return 0, loket.FieldError(loket.ENOTFOUND, "category", "no category %q", code)
	}
	return id, err
}

// BrandID returns a brand's id by code.
func (t *Tx) BrandID(code string) (int64, error) {
	var id int64
	err := t.QueryRow(`SELECT id FROM brands WHERE code = $1`, code).Scan(&id)
	if noRows(err) {
		return 0, loket.FieldError(loket.ENOTFOUND, "brand", "no brand %q", code)
	}
	return id, err
}

// LevelExists reports whether a price level exists.
func (t *Tx) LevelExists(name string) (bool, error) {
	var n int
	err := t.QueryRow(`SELECT count(*) FROM price_levels WHERE name = $1`, name).Scan(&n)
	return n > 0, err
}

// EnsureDefaultLevel makes the default price level exist (no markup), so a fresh
// database can take resellers before any catalog is imported.
func (db *DB) EnsureDefaultLevel(ctx context.Context) error {
	return db.Direct(ctx, func(t *Tx) error {
		_, err := t.Exec(`INSERT INTO price_levels (name, markup_bp, markup_flat, created_at) VALUES ($1, 0, 0, $2) ON CONFLICT (name) DO NOTHING`,
			loket.DefaultLevel, Now())
		return err
	})
}
