package app

import (
	"testing"

	"github.com/loket/loket/internal/web"
)

// The words of the refusals and labels kept in maps have their English (the messages
// the templates and handlers use: TestCatalogComplete in internal/web/dashboards).
func TestMapsHaveEnglish(t *testing.T) {
	for name, m := range map[string]map[string]string{"billRefusals": billRefusals, "meterRefusals": meterRefusals} {
		for _, key := range m {
			if _, ok := web.English(key); !ok {
				t.Errorf("%s: %q has no English", name, key)
			}
		}
	}
}
