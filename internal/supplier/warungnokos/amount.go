package warungnokos

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/supplier"
)

// parseAmount is supplier.ParseAmount.
var parseAmount = supplier.ParseAmount

// cost reads a price the upstream charges: a fraction of a rupiah rounds up, so a
// cost is never under-stated.
func cost(raw json.RawMessage) (loket.Money, error) {
	n, frac, err := parseAmount(raw)
	if err != nil {
		return 0, err
	}
	if frac {
		n++
	}
	return n, nil
}

// parseInt reads a whole number given as a JSON number or numeric string (14, "14",
// 103.0). ok is false for anything else, including fractions.
func parseInt(raw json.RawMessage) (int64, bool) {
	s := rawString(raw)
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// rateBP reads a success rate in percent (81.6, "81.6", "81,6%") as basis points
// (8160), clamped to 0..10000. ok is false when it cannot be read.
func rateBP(raw json.RawMessage) (int64, bool) {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rawString(raw)), "%"))
	s = strings.Replace(s, ",", ".", 1)
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return int64(math.Round(min(max(f, 0), 100) * 100)), true
}
