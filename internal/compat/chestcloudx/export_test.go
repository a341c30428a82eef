package chestcloudx

// Hooks for the end-to-end tests of package chestcloudx_test, which cannot be in this
// package: they start a whole server, and the server imports this package.
var NewHandler = newHandler

const (
	KeyLimit  = keyLimit
	AuthLimit = authLimit
)

var DepositStatusWord = depositStatusWord
