package warungnokos

import (
	"net/http"

	"github.com/loket/loket/internal/compat/input"
)

// params is a request's input. The seed sends JSON bodies; to be liberal (package
// input) the query string, a JSON body (whatever the content type says) and a form
// body all count, the body winning over the query. Keys are matched without regard to
// case.
type params input.Params

func (p params) get(keys ...string) string { return input.Params(p).Get(keys...) }

func (p params) has(key string) bool { return input.Params(p).Has(key) }

// readParams reads the input of r; a body that is not readable input is an EINVALID
// error (or ETOOLARGE).
func readParams(w http.ResponseWriter, r *http.Request) (params, error) {
	p, err := input.Read(w, r)
	return params(p), err
}

// apiKey is the key a request presents: the seed's x-api-key header (any case),
// Authorization: Bearer, or apikey / api_key in the query or the body.
func apiKey(r *http.Request, p params) string { return input.APIKey(r, input.Params(p)) }

// parseID reads a positive whole number that may arrive as "55", 55 or 55.0.
func parseID(s string) (int64, bool) { return input.ParseID(s) }
