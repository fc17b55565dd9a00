package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/query"
)

// chart is one SVG figure, laid out in Go: the template only writes out
// its shapes. Every chart carries a title and a description for screen
// readers and a table of the numbers it draws.
type chart struct {
	ID            string
	Title, Desc   string
	Width, Height float64
	Paths         []shape // areas of a series, in drawing order
	Rects         []shape // bars
	Lines         []line  // axes and grid
	Texts         []label
	Legend        []legendItem
	Table         dataTable
	Command       string // the flowlog command behind the chart: query or scans
	Query         string // its flags
}

// shape is a path (D) or a rectangle (X, Y, W, H), filled by a CSS class
// that pairs a colour with a pattern, so the chart reads without colour.
type shape struct {
	D          string
	X, Y, W, H float64
	Class      string
	Tip        string // a <title>: what the shape stands for, with its number
}

type line struct {
	X1, Y1, X2, Y2 float64
	Class          string
}

type label struct {
	X, Y   float64
	Anchor string // start, middle or end
	Class  string
	Text   string
}

type legendItem struct {
	Class, Text string
}

// dataTable is the numbers of a chart as a table: the text alternative a
// reader can copy.
type dataTable struct {
	Head    []string
	Numeric []bool // right-aligned columns
	Rows    [][]string
}

// Layout of the charts, in SVG user units (the SVG scales to the page).
const (
	chartWidth  = 960.0
	seriesH     = 220.0
	padLeft     = 70.0
	padRight    = 12.0
	padTop      = 10.0
	padBottom   = 26.0
	rankRowH    = 30.0
	rankPadTop  = 4.0
	rankValueW  = 170.0
	legendSwatc = 12.0
)

// layer is one series drawn stacked on those before it.
type layer struct {
	Class, Name string
	Value       func(Point) uint64
}

// seriesChart draws layers stacked as step areas over the intervals of s.
func seriesChart(id, title string, s Series, bytes bool, loc *time.Location, layers ...layer) chart {
	c := chart{ID: id, Title: title, Width: chartWidth, Height: seriesH}
	n := len(s.Points)
	plotW := chartWidth - padLeft - padRight
	plotH := seriesH - padTop - padBottom
	base := padTop + plotH

	var top uint64
	for _, p := range s.Points {
		var sum uint64
		for _, l := range layers {
			sum += l.Value(p)
		}
		top = max(top, sum)
	}
	yMax, step := niceScale(top)
	y := func(v uint64) float64 { return base - plotH*float64(v)/float64(yMax) }
	x := func(i int) float64 { return padLeft + plotW*float64(i)/float64(max(n, 1)) }

	// Grid and y-axis labels.
	for v := uint64(0); v <= yMax; v += step {
		yy := y(v)
		c.Lines = append(c.Lines, line{padLeft, yy, chartWidth - padRight, yy, "grid"})
		c.Texts = append(c.Texts, label{padLeft - 6, yy + 4, "end", "tick", metricText(bytes, v)})
	}
	c.Lines = append(c.Lines, line{padLeft, base, chartWidth - padRight, base, "axis"})
	for _, t := range timeTicks(s, loc) {
		i := int(t.Sub(s.Points[0].Start) / s.Interval)
		xx := x(i)
		c.Lines = append(c.Lines, line{xx, base, xx, base + 4, "axis"})
		c.Texts = append(c.Texts, label{xx, base + 17, "middle", "tick", tickText(t, s.Interval, loc)})
	}

	// Areas: each layer from the running total below it to the total with it.
	below := make([]uint64, n)
	for _, l := range layers {
		var d strings.Builder
		upper := make([]uint64, n)
		for i, p := range s.Points {
			upper[i] = below[i] + l.Value(p)
		}
		fmt.Fprintf(&d, "M%s %s", num(x(0)), num(y(below[0])))
		for i := range n {
			fmt.Fprintf(&d, "V%sH%s", num(y(upper[i])), num(x(i+1)))
		}
		for i := n - 1; i >= 0; i-- {
			fmt.Fprintf(&d, "V%sH%s", num(y(below[i])), num(x(i)))
		}
		d.WriteString("Z")
		c.Paths = append(c.Paths, shape{D: d.String(), Class: l.Class, Tip: l.Name})
		c.Legend = append(c.Legend, legendItem{l.Class, l.Name})
		below = upper
	}

	// The table and the description.
	what := "Flows"
	if bytes {
		what = "Bytes"
	}
	c.Table.Head = []string{"interval start"}
	c.Table.Numeric = []bool{false}
	totals := make([]uint64, len(layers))
	for _, l := range layers {
		c.Table.Head = append(c.Table.Head, l.Name)
		c.Table.Numeric = append(c.Table.Numeric, true)
	}
	peak, peakAt := uint64(0), time.Time{}
	for _, p := range s.Points {
		row := []string{timeText(p.Start, loc)}
		var sum uint64
		for i, l := range layers {
			v := l.Value(p)
			totals[i] += v
			sum += v
			row = append(row, metricText(bytes, v))
		}
		if sum > peak {
			peak, peakAt = sum, p.Start
		}
		c.Table.Rows = append(c.Table.Rows, row)
	}
	var parts []string
	for i, l := range layers {
		parts = append(parts, fmt.Sprintf("%s %s", l.Name, metricText(bytes, totals[i])))
	}
	c.Desc = fmt.Sprintf("%s per %s over %d intervals from %s: %s. The busiest interval, %s, had %s.",
		what, durationText(s.Interval), n, timeText(s.Points[0].Start, loc), strings.Join(parts, ", "),
		timeText(peakAt, loc), metricText(bytes, peak))
	return c
}

// rankChart draws a ranking as horizontal bars, each under its label.
func rankChart(id string, r Ranking) chart {
	bytes := r.Metric == query.SortBytes
	c := chart{ID: id, Title: r.Title, Width: chartWidth, Command: "query", Query: r.Query}
	c.Height = rankPadTop + rankRowH*float64(len(r.Rows)) + 4
	var top uint64
	for _, row := range r.Rows {
		top = max(top, row.Value(r.Metric))
	}
	barW := chartWidth - rankValueW
	c.Table.Head = []string{"#", r.Key, "flows", "packets", "bytes"}
	c.Table.Numeric = []bool{true, false, true, true, true}
	var parts []string
	for i, row := range r.Rows {
		v := row.Value(r.Metric)
		y := rankPadTop + rankRowH*float64(i)
		w := 0.0
		if top > 0 {
			w = math.Max(1, barW*float64(v)/float64(top))
		}
		value := metricText(bytes, v)
		if bytes {
			value += " · " + output.CountText(row.Flows)
		}
		value += " " + plural(int(min(row.Flows, 2)), "flow")
		c.Texts = append(c.Texts, label{0, y + 11, "start", "name", fmt.Sprintf("%d. %s", i+1, row.Label)})
		c.Rects = append(c.Rects, shape{X: 0, Y: y + 15, W: w, H: 10, Class: "bar", Tip: row.Label + ": " + value})
		c.Texts = append(c.Texts, label{w + 6, y + 24, "start", "value", value})
		c.Table.Rows = append(c.Table.Rows, []string{strconv.Itoa(i + 1), row.Label, output.Thousands(row.Flows), output.Thousands(row.Packets), output.Thousands(row.Bytes)})
		if i < 3 {
			parts = append(parts, fmt.Sprintf("%s with %s", row.Label, value))
		}
	}
	c.Desc = fmt.Sprintf("%d rows by %s; the first: %s.", len(r.Rows), r.Metric, strings.Join(parts, "; "))
	return c
}

// gapChart draws each flow log's objects as a strip over time, with the
// stretches without an object marked.
func gapChart(id string, flowLogs []FlowLogGaps, loc *time.Location) chart {
	c := chart{ID: id, Title: "Windows without an object, per flow log", Width: chartWidth}
	const rowH, barH = 34.0, 12.0
	c.Height = padTop + rowH*float64(len(flowLogs)) + padBottom
	first, last := flowLogs[0].First, flowLogs[0].Last
	for _, g := range flowLogs {
		for _, s := range append(g.Missing, Span{From: g.First, To: g.Last}) {
			if s.From.Before(first) {
				first = s.From
			}
			if s.To.After(last) {
				last = s.To
			}
		}
	}
	span := last.Sub(first)
	if span <= 0 {
		span = rotation
	}
	plotW := chartWidth - padRight
	x := func(t time.Time) float64 { return plotW * float64(t.Sub(first)) / float64(span) }
	c.Table.Head = []string{"flow log", "objects", "first object", "last object", "windows without an object", "where"}
	c.Table.Numeric = []bool{false, true, false, false, true, false}
	total := 0
	for i, g := range flowLogs {
		y := padTop + rowH*float64(i)
		c.Texts = append(c.Texts, label{0, y + 10, "start", "name",
			fmt.Sprintf("%s — %d objects, %d windows without one", g.FlowLog, g.Objects, g.MissingWindows)})
		c.Rects = append(c.Rects, shape{X: x(g.First), Y: y + 15, W: math.Max(1, x(g.Last)-x(g.First)), H: barH, Class: "covered",
			Tip: fmt.Sprintf("%s: objects from %s to %s", g.FlowLog, timeText(g.First, loc), timeText(g.Last, loc))})
		var where []string
		for _, s := range g.Missing {
			tip := fmt.Sprintf("%s: %d %s without an object between %s and %s", g.FlowLog, s.Windows, plural(s.Windows, "window"), timeText(s.From, loc), timeText(s.To, loc))
			c.Rects = append(c.Rects, shape{X: x(s.From), Y: y + 13, W: math.Max(3, x(s.To)-x(s.From)), H: barH + 4, Class: "missing", Tip: tip})
			where = append(where, fmt.Sprintf("%s – %s (%d)", timeText(s.From, loc), timeText(s.To, loc), s.Windows))
		}
		total += g.MissingWindows
		c.Table.Rows = append(c.Table.Rows, []string{g.FlowLog, strconv.Itoa(g.Objects), timeText(g.First, loc), timeText(g.Last, loc), strconv.Itoa(g.MissingWindows), strings.Join(where, "; ")})
	}
	base := c.Height - padBottom + 4
	c.Lines = append(c.Lines, line{0, base, plotW, base, "axis"})
	c.Texts = append(c.Texts, label{0, base + 16, "start", "tick", timeText(first, loc)}, label{plotW, base + 16, "end", "tick", timeText(last, loc)})
	c.Legend = []legendItem{{"covered", "objects present"}, {"missing", "no object"}}
	c.Desc = fmt.Sprintf("%d flow %s from %s to %s; %d 10-minute %s without an object.",
		len(flowLogs), plural(len(flowLogs), "log"), timeText(first, loc), timeText(last, loc), total, plural(total, "window"))
	return c
}

func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// niceScale returns an axis maximum at or above v and a step that divides
// it into at most five parts, each 1, 2 or 5 times a power of ten.
func niceScale(v uint64) (top, step uint64) {
	if v == 0 {
		return 1, 1
	}
	raw := float64(v) / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = uint64(math.Max(1, m*mag))
			break
		}
	}
	top = (v + step - 1) / step * step
	return top, step
}

// tickSteps are the spacings of time labels.
var tickSteps = []time.Duration{
	10 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
}

// timeTicks picks at most eight interval starts to label, on round times
// in loc.
func timeTicks(s Series, loc *time.Location) []time.Time {
	if len(s.Points) == 0 {
		return nil
	}
	loc = location(loc)
	first, last := s.Points[0].Start, s.Points[len(s.Points)-1].Start
	step := tickSteps[len(tickSteps)-1]
	for _, d := range tickSteps {
		if d >= s.Interval && last.Sub(first)/d < 8 {
			step = d
			break
		}
	}
	var ticks []time.Time
	for _, p := range s.Points {
		t := p.Start.In(loc)
		midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		since := t.Sub(midnight)
		if step < 24*time.Hour && since%step == 0 {
			ticks = append(ticks, p.Start)
		}
		if step >= 24*time.Hour && since == 0 && (t.YearDay()-1)%int(step/(24*time.Hour)) == 0 {
			ticks = append(ticks, p.Start)
		}
	}
	return ticks
}

// tickText labels a time tick: the hour, or the date at midnight.
func tickText(t time.Time, interval time.Duration, loc *time.Location) string {
	t = t.In(location(loc))
	if t.Hour() == 0 && t.Minute() == 0 {
		return t.Format("2 Jan")
	}
	return t.Format("15:04")
}

// num writes a coordinate with at most two decimals.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}
