package admin

import (
	"fmt"
	"sort"
	"time"

	"kaede/internal/secevent"
	"kaede/internal/shop"
)

// svgChart is a bar chart the template draws as inline SVG: numbers only,
// computed here, so that the admin needs no script to show it.
type svgChart struct {
	ID            string // the svg element's id, when set
	Width, Height int
	Bars          []svgBar
	Legend        []svgLegend
	Max           int64
	Labels        []svgLabel
}

type svgBar struct {
	X, Y, W, H int
	Color      string
	Title      string // the tooltip: what and how many
}

type svgLegend struct {
	Color, Label string
}

type svgLabel struct {
	X    int
	Text string
}

// palette colours the kinds in the order they are first met.
var palette = []string{"#c0392b", "#2c7fb8", "#e67e22", "#27ae60", "#8e44ad", "#7f8c8d", "#d35400", "#16a085"}

const (
	chartWidth  = 840 // 168 hours × 5 px
	chartHeight = 160
)

// eventsChart stacks the sightings of each kind per hour over the last
// seven days.
func eventsChart(counts []secevent.HourCount, now time.Time) svgChart {
	c := svgChart{Width: chartWidth, Height: chartHeight}
	hours := chartDays * 24
	// The last bar is the current hour.
	start := now.Truncate(time.Hour).Add(-time.Duration(hours-1) * time.Hour)
	w := chartWidth / hours
	perHour := map[int]map[string]int64{}
	colour := map[string]string{}
	var kinds []string
	for _, hc := range counts {
		i := int(hc.Hour.Sub(start) / time.Hour)
		if i < 0 || i >= hours {
			continue
		}
		if perHour[i] == nil {
			perHour[i] = map[string]int64{}
		}
		perHour[i][hc.Kind] += hc.Count
		if _, ok := colour[hc.Kind]; !ok {
			kinds = append(kinds, hc.Kind)
		}
		colour[hc.Kind] = ""
	}
	sort.Strings(kinds)
	for i, k := range kinds {
		colour[k] = palette[i%len(palette)]
		c.Legend = append(c.Legend, svgLegend{Color: colour[k], Label: k})
	}
	for _, m := range perHour {
		var sum int64
		for _, n := range m {
			sum += n
		}
		c.Max = max(c.Max, sum)
	}
	if c.Max == 0 {
		return c
	}
	for i := 0; i < hours; i++ {
		y := chartHeight
		for _, k := range kinds {
			n := perHour[i][k]
			if n == 0 {
				continue
			}
			h := max(int(n*int64(chartHeight)/c.Max), 1)
			y -= h
			at := start.Add(time.Duration(i) * time.Hour).In(shop.JST).Format("1/2 15:00")
			c.Bars = append(c.Bars, svgBar{X: i * w, Y: y, W: w - 1, H: h, Color: colour[k],
				Title: fmt.Sprintf("%s %s: %d", at, k, n)})
		}
	}
	c.Labels = dayLabels(start, w*24)
	return c
}

// declinesChart counts card declines per day (Japan time), the last seven
// days.
func declinesChart(declines []time.Time, now time.Time) svgChart {
	counts := make([]dayCount, len(declines))
	for i, t := range declines {
		counts[i] = dayCount{At: t, N: 1}
	}
	c := dailyChart(counts, now, "#c0392b")
	c.ID = "chart-declines"
	return c
}

// cspChart counts the CSP violation reports per day (Japan time), the
// last seven days, from the hourly sightings of csp.violation events. An
// event keeps one row per page and blocked address, so its reports count
// on the day it was last seen.
func cspChart(hourly []secevent.HourCount, now time.Time) svgChart {
	var counts []dayCount
	for _, hc := range hourly {
		if hc.Kind == secevent.KindCSPViolation {
			counts = append(counts, dayCount{At: hc.Hour, N: hc.Count})
		}
	}
	c := dailyChart(counts, now, "#8e44ad")
	c.ID = "chart-csp"
	return c
}

// dayCount is how many things happened at a time.
type dayCount struct {
	At time.Time
	N  int64
}

// dailyChart draws one bar per day (Japan time) of the last seven, today
// last.
func dailyChart(counts []dayCount, now time.Time, colour string) svgChart {
	c := svgChart{Width: chartWidth, Height: chartHeight}
	j := now.In(shop.JST)
	today := time.Date(j.Year(), j.Month(), j.Day(), 0, 0, 0, 0, shop.JST)
	first := today.AddDate(0, 0, -(chartDays - 1))
	per := make([]int64, chartDays)
	for _, dc := range counts {
		// Days, not 24-hour spans: the JST calendar has no daylight
		// saving, so the two agree.
		i := int(dc.At.In(shop.JST).Sub(first) / (24 * time.Hour))
		if i >= 0 && i < chartDays {
			per[i] += dc.N
		}
	}
	for _, n := range per {
		c.Max = max(c.Max, n)
	}
	w := chartWidth / chartDays
	for i, n := range per {
		day := first.AddDate(0, 0, i)
		c.Labels = append(c.Labels, svgLabel{X: i*w + 4, Text: day.Format("1/2")})
		if n == 0 {
			continue
		}
		h := max(int(n*int64(chartHeight)/c.Max), 1)
		c.Bars = append(c.Bars, svgBar{X: i*w + 4, Y: chartHeight - h, W: w - 8, H: h, Color: colour,
			Title: fmt.Sprintf("%s: %d", day.Format("2006-01-02"), n)})
	}
	return c
}

func dayLabels(start time.Time, step int) []svgLabel {
	var out []svgLabel
	for d := 0; d < chartDays; d++ {
		out = append(out, svgLabel{X: d*step + 2, Text: start.AddDate(0, 0, d).In(shop.JST).Format("1/2")})
	}
	return out
}
