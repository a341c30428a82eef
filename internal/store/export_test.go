package store

import "time"

// SetVerifyChunks sets how many entries Verify reads per statement and how many
// unbalanced transfers it carries between them, until the test ends.
func SetVerifyChunks(cleanup func(func()), chunk int64, carry int) {
	c, k := verifyChunk, verifyCarry
	verifyChunk, verifyCarry = chunk, carry
	cleanup(func() { verifyChunk, verifyCarry = c, k })
}

// SetCheckpointMargin sets how old a row must be to be covered by a checkpoint, until
// the test ends.
func SetCheckpointMargin(cleanup func(func()), d time.Duration) {
	m := checkpointMargin
	checkpointMargin = d
	cleanup(func() { checkpointMargin = m })
}
