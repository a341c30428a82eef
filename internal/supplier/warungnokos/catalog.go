package warungnokos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

type serviceItem struct {
	Code  json.RawMessage `json:"service_code"`
	Name  json.RawMessage `json:"service_name"`
	Image json.RawMessage `json:"service_img"`
}

type countryItem struct {
	NumberID  json.RawMessage `json:"number_id"`
	Name      json.RawMessage `json:"name"`
	Prefix    json.RawMessage `json:"prefix"`
	Pricelist []priceItem     `json:"pricelist"`
}

type priceItem struct {
	ProviderID json.RawMessage `json:"provider_id"`
	ServerID   json.RawMessage `json:"server_id"`
	Stock      json.RawMessage `json:"stock"`
	Rate       json.RawMessage `json:"rate"`
	Price      json.RawMessage `json:"price"`
}

type operatorItem struct {
	ID    json.RawMessage `json:"id"`
	Name  json.RawMessage `json:"name"`
	Image json.RawMessage `json:"image"`
}

// opsKey is one otp/operators/{country}/{providerId} request: the country's name
// lowercased, as in the seed's example "indonesia".
type opsKey struct {
	country  string
	provider string
}

// VNCatalog walks the upstream's catalog: otp/services, then otp/countries/{code}
// for every service, then otp/operators/{country}/{providerId} once for every
// country name and provider met in the price lists. At most c.workers requests run
// at once and the whole walk is bounded by c.walkTimeout. Any failed request fails the
// walk (a partial catalog would read as numbers gone), except a 404 with
// success:false on a country or operator list, which is read as an empty list.
//
// Price entries without a provider_id or with an unreadable or zero price are left
// out (a wrong cost is worse than a missing one); a fraction of a rupiah rounds the
// price up. rate (a percentage) becomes basis points.
func (c *Client) VNCatalog(ctx context.Context) (supplier.VNCatalog, error) {
	ctx, cancel := context.WithTimeout(ctx, c.walkTimeout)
	defer cancel()

	var items []serviceItem
	found, err := c.list(ctx, "otp/services", "/otp/services", &items)
	if err != nil {
		return supplier.VNCatalog{}, err
	}
	if !found {
		return supplier.VNCatalog{}, errors.New("warungnokos: otp/services: not found")
	}
	var out supplier.VNCatalog
	seen := map[int64]bool{}
	for _, it := range items {
		code, ok := parseInt(it.Code)
		if !ok || code <= 0 || seen[code] {
			continue
		}
		seen[code] = true
		out.Services = append(out.Services, loket.VNService{Code: code, Name: rawString(it.Name), Image: rawString(it.Image), Active: true})
	}
	if len(out.Services) == 0 && len(items) > 0 {
		return supplier.VNCatalog{}, fmt.Errorf("warungnokos: otp/services: none of %d services has a readable service_code", len(items))
	}

	pages, err := walk(ctx, c.workers, len(out.Services), func(ctx context.Context, i int) ([]countryItem, error) {
		code := strconv.FormatInt(out.Services[i].Code, 10)
		var page []countryItem
		_, err := c.list(ctx, "otp/countries/"+code, "/otp/countries/"+code, &page)
		return page, err
	})
	if err != nil {
		return supplier.VNCatalog{}, err
	}

	byID := map[int64]int{} // number_id -> index in out.Countries
	var keys []opsKey
	pairs := map[opsKey][]int64{} // the number_ids each operators request stands for
	paired := map[opsKey]map[int64]bool{}
	entries, read := 0, 0
	for i, page := range pages {
		svc := out.Services[i].Code
		for _, cn := range page {
			entries += len(cn.Pricelist)
			id, ok := parseInt(cn.NumberID)
			if !ok || id <= 0 {
				continue
			}
			j, ok := byID[id]
			if !ok {
				j = len(out.Countries)
				byID[id] = j
				out.Countries = append(out.Countries, loket.VNCountry{NumberID: id, Name: rawString(cn.Name), Prefix: rawString(cn.Prefix)})
			}
			name := strings.ToLower(out.Countries[j].Name)
			for _, p := range cn.Pricelist {
				vp, ok := vnPrice(svc, id, p)
				if !ok {
					continue
				}
				read++
				out.Countries[j].Prices = append(out.Countries[j].Prices, vp)
				k := opsKey{country: name, provider: vp.ProviderID}
				if name == "" {
					continue // no name to ask otp/operators with
				}
				if _, ok := pairs[k]; !ok {
					keys = append(keys, k)
					paired[k] = map[int64]bool{}
				}
				if !paired[k][id] {
					paired[k][id] = true
					pairs[k] = append(pairs[k], id)
				}
			}
		}
	}
	if read == 0 && entries > 0 {
		return supplier.VNCatalog{}, fmt.Errorf("warungnokos: otp/countries: none of %d price entries could be read", entries)
	}

	ops, err := walk(ctx, c.workers, len(keys), func(ctx context.Context, i int) ([]loket.VNOperator, error) {
		k := keys[i]
		var page []operatorItem
		what := "otp/operators/" + k.country + "/" + k.provider
		if _, err := c.list(ctx, what, "/otp/operators/"+url.PathEscape(k.country)+"/"+url.PathEscape(k.provider), &page); err != nil {
			return nil, err
		}
		var list []loket.VNOperator
		for _, o := range page {
			if id := rawString(o.ID); id != "" {
				list = append(list, loket.VNOperator{ID: id, Name: rawString(o.Name), Image: rawString(o.Image)})
			}
		}
		return list, nil
	})
	if err != nil {
		return supplier.VNCatalog{}, err
	}
	for i, k := range keys {
		for _, id := range pairs[k] {
			out.Operators = append(out.Operators, supplier.VNOperators{NumberID: id, ProviderID: k.provider, Operators: ops[i]})
		}
	}
	return out, nil
}

// vnPrice reads one price list entry; ok is false when it has no provider_id or no
// usable price.
func vnPrice(service, numberID int64, p priceItem) (loket.VNPrice, bool) {
	provider := rawString(p.ProviderID)
	price, err := cost(p.Price)
	if provider == "" || err != nil || price <= 0 {
		return loket.VNPrice{}, false
	}
	vp := loket.VNPrice{ServiceCode: service, NumberID: numberID, ProviderID: provider, Price: price}
	vp.ServerID, _ = parseInt(p.ServerID)
	if n, ok := parseInt(p.Stock); ok && n > 0 {
		vp.Stock = n
	}
	vp.RateBP, _ = rateBP(p.Rate)
	return vp, true
}

// list GETs a catalog list into dst (data must be a JSON array). found is false for
// a 404 with success:false: nothing is listed under that path.
func (c *Client) list(ctx context.Context, what, path string, dst any) (found bool, err error) {
	a, err := c.call(ctx, http.MethodGet, path, nil, maxListBody)
	if err != nil {
		return false, c.scrub(what, err)
	}
	if a.code == http.StatusNotFound && a.parsed && a.env.ok() == 0 {
		return false, nil
	}
	if err := c.check(what, a); err != nil {
		return false, err
	}
	if string(a.env.Data) == "null" || len(a.env.Data) == 0 {
		return true, nil
	}
	if err := json.Unmarshal(a.env.Data, dst); err != nil {
		return false, fmt.Errorf("warungnokos: %s: data is not a list", what)
	}
	return true, nil
}

// walk runs f for 0..n-1 with at most workers at once and returns the results in
// order. The first error stops the walk; an unfinished walk (ctx ended) is an error.
func walk[T any](ctx context.Context, workers, n int, f func(context.Context, int) (T, error)) ([]T, error) {
	if n == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]T, n)
	errs := make([]error, n)
	done := make([]bool, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = f(ctx, i)
				done[i] = errs[i] == nil
				if errs[i] != nil {
					cancel()
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	// The first error that is not just the walk being stopped says why.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for i, err := range errs {
		if err != nil {
			return nil, err
		}
		if !done[i] {
			return nil, fmt.Errorf("warungnokos: catalog walk unfinished: %w", context.Cause(ctx))
		}
	}
	return out, nil
}
