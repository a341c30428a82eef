package web

import (
	"fmt"

	"github.com/loket/loket/internal/loket"
)

// barChart is an inline SVG bar chart laid out here, so that its template only draws:
// a value axis with three ticks, one bar a group with its value above it and its
// label (a date, a code) below. The viewBox keeps its proportions, so the text reads
// at 390 px as at 1366.
type barChart struct {
	W, H         int // the viewBox
	Left, Bottom int // the plot's left edge and baseline
	Aria         string
	Upright      bool // the values stand turned up the bars: too narrow to lie across
	Bars         []chartBar
	Ticks        []chartTick
}

type chartBar struct {
	X, Y, W, H int
	CX         int    // the bar's centre
	Value      string // above the bar; empty when the bars are too narrow for it
	Label      string // below the axis; empty on bars between shown labels
	Title      string // the tooltip: label and full value
}

type chartTick struct {
	Y     int
	Label string
}

// newBarChart lays out one bar per value, labelled by labels (and titled by titles).
func newBarChart(aria string, labels, titles []string, values []loket.Money) barChart {
	c := barChart{W: 400, H: 200, Left: 44, Bottom: 176, Aria: aria}
	n := len(values)
	top := 16
	slot := c.W - c.Left
	if n > 0 {
		slot /= n
	}
	c.Upright = slot < 36
	if c.Upright {
		top = 46 // room for an upright value over the highest bar
	}
	var hi loket.Money
	for _, v := range values {
		hi = max(hi, v)
	}
	scale := niceCeil(hi)
	for _, f := range []int64{0, 1, 2} {
		v := loket.Money(int64(scale) * f / 2)
		c.Ticks = append(c.Ticks, chartTick{Y: c.Bottom - int(int64(c.Bottom-top)*f/2), Label: shortRupiah(v)})
	}
	if n == 0 {
		return c
	}
	every := 1 // show a label every so many bars: about 40 units a label
	for slot*every < 40 {
		every++
	}
	for i, v := range values {
		h := 0
		if scale > 0 && v > 0 {
			h = int(int64(v) * int64(c.Bottom-top) / int64(scale))
		}
		b := chartBar{X: c.Left + i*slot + max(slot/8, 1), W: max(slot-2*max(slot/8, 1), 1), H: h, Y: c.Bottom - h, Title: titles[i]}
		b.CX = b.X + b.W/2
		if slot >= 12 {
			b.Value = shortRupiah(v)
		}
		if (n-1-i)%every == 0 {
			b.Label = labels[i]
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}

// niceCeil rounds up to 1, 2 or 5 times a power of ten.
func niceCeil(v loket.Money) loket.Money {
	if v <= 0 {
		return 0
	}
	p := loket.Money(1)
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []loket.Money{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// shortRupiah writes an amount in the short form of a chart: 950rb, 1,2jt, 3M.
func shortRupiah(v loket.Money) string {
	n := int64(v)
	switch {
	case n >= 1_000_000_000:
		return shortUnit(n, 1_000_000_000, "M")
	case n >= 1_000_000:
		return shortUnit(n, 1_000_000, "jt")
	case n >= 1_000:
		return shortUnit(n, 1_000, "rb")
	}
	return fmt.Sprint(n)
}

func shortUnit(n, unit int64, suffix string) string {
	whole, tenth := n/unit, n%unit*10/unit
	if tenth == 0 || whole >= 100 {
		return fmt.Sprintf("%d%s", whole, suffix)
	}
	return fmt.Sprintf("%d,%d%s", whole, tenth, suffix)
}
