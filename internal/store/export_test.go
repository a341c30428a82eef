package store

// SetVerifyChunks sets how many entries Verify reads per statement and how many
// unbalanced transfers it carries between them, until the test ends.
func SetVerifyChunks(cleanup func(func()), chunk int64, carry int) {
	c, k := verifyChunk, verifyCarry
	verifyChunk, verifyCarry = chunk, carry
	cleanup(func() { verifyChunk, verifyCarry = c, k })
}
