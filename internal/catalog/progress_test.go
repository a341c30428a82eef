package catalog_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/store"
)

// ImportProgress tells the products applied, from none to all the file's, and imports
// what Import does.
func TestImportProgress(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		var calls [][2]int64
		sum, err := catalog.ImportProgress(context.Background(), db, bytes.NewReader(catalog.Demo()), "demo.yaml",
			func(done, total int64) { calls = append(calls, [2]int64{done, total}) })
		if err != nil {
			t.Fatal(err)
		}
		n := int64(sum.Products)
		if n == 0 || len(calls) != int(n)+1 || calls[0] != [2]int64{0, n} || calls[n] != [2]int64{n, n} {
			t.Fatalf("%d products, progress %v", n, calls)
		}
		for i, c := range calls {
			if c[0] != int64(i) {
				t.Fatalf("progress %v", calls)
			}
		}
	})
}
