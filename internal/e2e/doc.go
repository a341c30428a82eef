// Package e2e holds Loket's end-to-end tests: each starts a real server on port 0
// with the demo catalog, on every database engine storetest offers, and drives it
// over HTTP through the public client (github.com/loket/loket/client) or with raw
// requests, as a reseller's program would. The package has no code of its own.
package e2e
