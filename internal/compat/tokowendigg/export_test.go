package tokowendigg

// DepositReference exposes depositReference to the package's external tests.
var DepositReference = depositReference
