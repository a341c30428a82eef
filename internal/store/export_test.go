package store

import (
	"context"
	"time"

	"github.com/loket/loket/internal/loket"
)

// SetVerifyChunks sets how many entries Verify reads per statement and how many
// unbalanced transfers it carries between them, until the test ends.
func SetVerifyChunks(cleanup func(func()), chunk int64, carry int) {
	c, k := verifyChunk, verifyCarry
	verifyChunk, verifyCarry = chunk, carry
	cleanup(func() { verifyChunk, verifyCarry = c, k })
}

// The reads of the orders themselves that the rollups replace, for the tests that
// compare the two.
func (db *DB) SalesByStatusScan(ctx context.Context, from, to time.Time) ([]loket.StatusSum, error) {
	return db.salesByStatusScan(ctx, from, to)
}

func (db *DB) DailySalesScan(ctx context.Context, from time.Time, loc *time.Location, out []loket.DaySum) error {
	return db.dailySalesScan(ctx, from, loc, out)
}

func (db *DB) ReportScan(ctx context.Context, q loket.ReportQuery) ([]loket.ReportRow, error) {
	dim := reportDims[q.By]
	kind := map[string]string{"": " AND o.inquiry_id IS NULL", loket.ReportPrepaid: " AND o.inquiry_id IS NULL", loket.ReportBills: " AND o.inquiry_id IS NOT NULL"}[q.Kind]
	_, off := q.From.In(q.Loc).Zone()
	return db.reportScan(ctx, q, dim.join, dim.key, dim.label, dim.name, kind, off)
}

// OrdersInSets is how many orders the batcher wrote in sets.
func (db *DB) OrdersInSets() int64 { return db.batcher.InSets.Load() }

// SetCheckpointMargin sets how old a row must be to be covered by a checkpoint, until
// the test ends.
func SetCheckpointMargin(cleanup func(func()), d time.Duration) {
	m := checkpointMargin
	checkpointMargin = d
	cleanup(func() { checkpointMargin = m })
}
