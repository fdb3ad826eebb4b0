package admin

import (
	"kaede/internal/report"
	"kaede/internal/shop"
)

// salesChart is a bar chart of net sales that the template draws as
// inline SVG with presentation attributes only (no style attribute, no
// script), so that the admin's strict CSP needs no exception.
type salesChart struct {
	Width, Height int // the plot; labels are drawn below or beside it
	Outer         int // the drawing's height, the labels under a time chart included
	Horizontal    bool
	Bars          []salesBar
	Labels        []svgLabel // under a time chart: some of the days or months
	Max           shop.Yen
}

// salesBar is one bar and its tooltip.
type salesBar struct {
	X, Y, W, H int
	Label      string // beside a horizontal bar
	Title      string
}

const (
	salesChartHeight = 160
	salesBarWidth    = 18  // a time chart's widest bar with its gap
	salesTimeWidth   = 840 // a long period's bars are narrowed to fit this
	salesRowHeight   = 22  // a horizontal chart's row
	salesHWidth      = 420
	maxChartRows     = 20 // a horizontal chart shows the largest rows
)

// timeChart draws rows that are days or months, oldest on the left, with
// every step-th row's key under the axis.
func timeChart(rows []report.Row, step int) salesChart {
	bw := salesBarWidth
	if len(rows) > 0 {
		bw = min(salesBarWidth, max(3, salesTimeWidth/len(rows)))
	}
	gap := bw / 5
	c := salesChart{Width: len(rows) * bw, Height: salesChartHeight, Outer: salesChartHeight + 30}
	for _, r := range rows {
		c.Max = max(c.Max, r.Net)
	}
	for i, r := range rows {
		h := scale(r.Net, c.Max, c.Height)
		c.Bars = append(c.Bars, salesBar{X: i*bw + gap, Y: c.Height - h, W: bw - 2*gap, H: h,
			Title: r.Key + " " + r.Net.String()})
		if step > 0 && i%step == 0 {
			c.Labels = append(c.Labels, svgLabel{X: i * bw, Text: shortKey(r.Key)})
		}
	}
	return c
}

// rankChart draws the goods, methods or customer types as horizontal
// bars, named by label, largest first; the rows that complete goods (fees, refunds) are
// left out, being no goods.
func rankChart(rows []report.Row, label func(report.Row) string) salesChart {
	c := salesChart{Width: salesHWidth, Horizontal: true}
	var shown []report.Row
	for _, r := range rows {
		if r.Kind == "" && len(shown) < maxChartRows {
			shown = append(shown, r)
			c.Max = max(c.Max, r.Net)
		}
	}
	for i, r := range shown {
		c.Bars = append(c.Bars, salesBar{X: 0, Y: i*salesRowHeight + 3, W: scale(r.Net, c.Max, c.Width),
			H: salesRowHeight - 6, Label: label(r) + " " + r.Net.String(), Title: label(r) + " " + r.Net.String()})
	}
	c.Height = len(shown) * salesRowHeight
	c.Outer = c.Height
	return c
}

// scale is v's length on an axis of size for the largest value top; a
// value at or under zero draws nothing.
func scale(v, top shop.Yen, size int) int {
	if v <= 0 || top <= 0 {
		return 0
	}
	return max(1, int(int64(v)*int64(size)/int64(top)))
}

// shortKey is a day as MM/DD, a month as YYYY/MM.
func shortKey(k string) string {
	if len(k) == len("2006-01-02") {
		return k[5:7] + "/" + k[8:]
	}
	return k[:4] + "/" + k[5:]
}
