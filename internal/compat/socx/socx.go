// Package socx serves a seed API as a compatibility surface under /compat/socx.
package socx

import (
	"github.com/loket/loket/internal/api"
	"github.com/loket/loket/internal/app"
)

// Mount adds the surface's routes to s.
func Mount(s *api.Server, a *app.App) {}
