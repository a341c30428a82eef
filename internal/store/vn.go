package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// UpsertVNService creates or changes a virtual-number service by code.
func (t *Tx) UpsertVNService(s loket.VNService) error {
	_, err := t.Exec(`INSERT INTO vn_services (code, name, image, active) VALUES ($1, $2, $3, $4)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, image = excluded.image, active = excluded.active`,
		s.Code, s.Name, s.Image, s.Active)
	return err
}

// UpsertVNCountry creates or changes a country by number_id.
func (t *Tx) UpsertVNCountry(c loket.VNCountry) error {
	_, err := t.Exec(`INSERT INTO vn_countries (number_id, name, prefix) VALUES ($1, $2, $3)
		ON CONFLICT (number_id) DO UPDATE SET name = excluded.name, prefix = excluded.prefix`, c.NumberID, c.Name, c.Prefix)
	return err
}

// UpsertVNPrice creates or changes a price-list entry; a change of an entry's base
// price is recorded (RecordVNPriceChange).
func (t *Tx) UpsertVNPrice(p loket.VNPrice) error {
	var old loket.Money
	err := t.QueryRow(`SELECT price FROM vn_prices WHERE service_code = $1 AND number_id = $2 AND provider_id = $3`,
		p.ServiceCode, p.NumberID, p.ProviderID).Scan(&old)
	existed := err == nil
	if err != nil && !noRows(err) {
		return err
	}
	_, err = t.Exec(`INSERT INTO vn_prices (service_code, number_id, provider_id, server_id, price, rate_bp, stock)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (service_code, number_id, provider_id) DO UPDATE SET server_id = excluded.server_id, price = excluded.price,
		rate_bp = excluded.rate_bp, stock = excluded.stock`,
		p.ServiceCode, p.NumberID, p.ProviderID, p.ServerID, p.Price, p.RateBP, p.Stock)
	if err != nil || !existed || old == p.Price {
		return err
	}
	return t.RecordVNPriceChange(p.ServiceCode, p.NumberID, p.ProviderID, old, p.Price)
}

// UpsertVNOperator creates or changes an operator of a country and provider.
func (t *Tx) UpsertVNOperator(numberID int64, providerID string, o loket.VNOperator) error {
	_, err := t.Exec(`INSERT INTO vn_operators (number_id, provider_id, id, name, image) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (number_id, provider_id, id) DO UPDATE SET name = excluded.name, image = excluded.image`,
		numberID, providerID, o.ID, o.Name, o.Image)
	return err
}

// VNServices lists the virtual-number services by code.
func (db *DB) VNServices(ctx context.Context) ([]loket.VNService, error) {
	var out []loket.VNService
	err := db.each(ctx, `SELECT code, name, image, active FROM vn_services ORDER BY code`, func(r *sql.Rows) error {
		var s loket.VNService
		if err := r.Scan(&s.Code, &s.Name, &s.Image, &s.Active); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// VNCountries lists the countries that have a price for a service, each with its price
// list ordered by price.
func (db *DB) VNCountries(ctx context.Context, serviceCode int64) ([]loket.VNCountry, error) {
	var out []loket.VNCountry
	idx := map[int64]int{}
	err := db.each(ctx, `SELECT c.number_id, c.name, c.prefix, p.provider_id, p.server_id, p.price, p.rate_bp, p.stock
		FROM vn_prices p JOIN vn_countries c ON c.number_id = p.number_id
		WHERE p.service_code = $1 ORDER BY c.name, c.number_id, p.price, p.provider_id`, func(r *sql.Rows) error {
		var c loket.VNCountry
		p := loket.VNPrice{ServiceCode: serviceCode}
		if err := r.Scan(&c.NumberID, &c.Name, &c.Prefix, &p.ProviderID, &p.ServerID, &p.Price, &p.RateBP, &p.Stock); err != nil {
			return err
		}
		p.NumberID = c.NumberID
		i, ok := idx[c.NumberID]
		if !ok {
			i = len(out)
			idx[c.NumberID] = i
			out = append(out, c)
		}
		out[i].Prices = append(out[i].Prices, p)
		return nil
	}, serviceCode)
	return out, err
}

// VNOperators lists the operators of a country (by name, any case) and provider.
func (db *DB) VNOperators(ctx context.Context, country, providerID string) ([]loket.VNOperator, error) {
	var out []loket.VNOperator
	err := db.each(ctx, `SELECT o.id, o.name, o.image FROM vn_operators o JOIN vn_countries c ON c.number_id = o.number_id
		WHERE lower(c.name) = $1 AND o.provider_id = $2 ORDER BY o.id = 'any' DESC, o.id`, func(r *sql.Rows) error {
		var o loket.VNOperator
		if err := r.Scan(&o.ID, &o.Name, &o.Image); err != nil {
			return err
		}
		out = append(out, o)
		return nil
	}, strings.ToLower(strings.TrimSpace(country)), providerID)
	return out, err
}
