package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"

	"github.com/flowlog/flowlog/internal/output"
)

//go:embed templates/report.html.tmpl
var templates embed.FS

// pageTemplate is parsed when a report is rendered, not when flowlog
// starts: every command pays for package initialisation.
var pageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report.html.tmpl").ParseFS(templates, "templates/report.html.tmpl"))
})

// page is what the template shows: the report, laid out.
type page struct {
	Title    string
	Header   []term
	Cards    []card
	Traffic  []figure
	Talkers  []figure
	Ports    []figure
	Networks []figure
	Scanners []figure
	Gaps     []figure
	Statuses dataTable
	Zone     string
}

// term is one line of the header.
type term struct{ Name, Value string }

// card is one headline number.
type card struct{ Name, Value, Note string }

// figure is a chart, or the sentence that stands in for a chart with no
// data.
type figure struct {
	Chart   *chart
	Title   string
	Empty   string
	Command string // the flowlog command that prints the data of an empty chart
	Query   string // its flags
}

// Render writes the report as one HTML page: inline CSS and SVG, no script
// and nothing fetched (its content security policy forbids it).
func Render(w io.Writer, r *Report) error {
	return pageTemplate().Execute(w, layout(r))
}

func layout(r *Report) page {
	h, loc := r.Header, r.Header.Location
	p := page{Title: "Flow log report", Zone: location(loc).String()}
	window := "all records"
	if !h.Since.IsZero() || !h.Until.IsZero() {
		window = timeText(h.Since, loc) + " to " + timeText(h.Until, loc)
	}
	filters := h.Filters
	if filters == "" {
		filters = "none"
	}
	p.Header = []term{
		{"sources", strings.Join(h.Sources, ", ")},
		{"window", window},
		{"records span", timeText(r.Totals.First, loc) + " to " + timeText(r.Totals.Last, loc)},
		{"filters", filters},
		{"read", fmt.Sprintf("%s %s (%s), %s records, %s kept, %s malformed lines skipped",
			output.Thousands(uint64(h.Objects)), plural(h.Objects, "source"), output.SizeText(uint64(max(h.BytesRead, 0))),
			output.Thousands(uint64(h.Records)), output.Thousands(uint64(h.Matched)), output.Thousands(uint64(h.Skipped)))},
		{"times", "in " + p.Zone},
		{"made by", fmt.Sprintf("flowlog %s at %s", h.Version, timeText(h.Generated, loc))},
	}

	t := r.Totals
	all := Sums{t.Accepted.Flows + t.Rejected.Flows, t.Accepted.Packets + t.Rejected.Packets, t.Accepted.Bytes + t.Rejected.Bytes}
	var noData, skipData uint64
	for _, s := range r.Gaps.Statuses {
		noData += s.NoData
		skipData += s.SkipData
	}
	missing := 0
	for _, g := range r.Gaps.FlowLogs {
		missing += g.MissingWindows
	}
	p.Cards = []card{
		{"bytes", output.SizeText(all.Bytes), output.CountText(all.Packets) + " packets"},
		{"flows", output.CountText(all.Flows), output.Thousands(all.Flows)},
		{"rejected", percentText(t.Rejected.Flows, all.Flows), output.CountText(t.Rejected.Flows) + " flows, " + output.SizeText(t.Rejected.Bytes)},
		{"IPv6", percentText(t.IPv6.Bytes, t.IPv4.Bytes+t.IPv6.Bytes), "of bytes; " + percentText(t.IPv6.Flows, t.IPv4.Flows+t.IPv6.Flows) + " of flows"},
		{"gaps", fmt.Sprintf("%d %s", missing, plural(missing, "window")), "without an object; " + output.Thousands(noData+skipData) + " NODATA/SKIPDATA lines"},
	}

	if len(r.Traffic.Points) == 0 {
		p.Traffic = []figure{{Title: "Traffic over time", Empty: "No flows were kept."}}
	} else {
		s := r.Traffic
		accepted := layer{"s-accept", "accepted", nil}
		rejected := layer{"s-reject", "rejected", nil}
		v4, v6 := layer{"s-ipv4", "IPv4", nil}, layer{"s-ipv6", "IPv6", nil}
		bytesOf := func(l layer, f func(Point) Sums) layer {
			l.Value = func(p Point) uint64 { return f(p).Bytes }
			return l
		}
		flowsOf := func(l layer, f func(Point) Sums) layer {
			l.Value = func(p Point) uint64 { return f(p).Flows }
			return l
		}
		acc := func(p Point) Sums { return p.Accepted }
		rej := func(p Point) Sums { return p.Rejected }
		ip4 := func(p Point) Sums { return p.IPv4 }
		ip6 := func(p Point) Sums { return p.IPv6 }
		per := " per " + durationText(s.Interval)
		charts := []chart{
			seriesChart("bytes-by-action", "Bytes"+per+", accepted and rejected", s, true, loc, bytesOf(accepted, acc), bytesOf(rejected, rej)),
			seriesChart("flows-by-action", "Flows"+per+", accepted and rejected", s, false, loc, flowsOf(accepted, acc), flowsOf(rejected, rej)),
			seriesChart("bytes-by-family", "Bytes"+per+", IPv4 and IPv6", s, true, loc, bytesOf(v4, ip4), bytesOf(v6, ip6)),
			seriesChart("flows-by-family", "Flows"+per+", IPv4 and IPv6", s, false, loc, flowsOf(v4, ip4), flowsOf(v6, ip6)),
		}
		for i := range charts {
			p.Traffic = append(p.Traffic, figure{Chart: &charts[i], Title: charts[i].Title})
		}
	}

	rank := func(id string, rk Ranking, empty string) figure {
		if len(rk.Rows) == 0 {
			return figure{Title: rk.Title, Empty: empty, Command: "query", Query: rk.Query}
		}
		c := rankChart(id, rk)
		return figure{Chart: &c, Title: rk.Title, Query: rk.Query}
	}
	p.Talkers = []figure{
		rank("top-sources", r.Sources, "No flows were kept."),
		rank("top-destinations", r.Dests, "No flows were kept."),
		rank("top-conversations", r.Convs, "No flows were kept."),
	}
	p.Ports = []figure{
		rank("top-rejected-ports", r.Rejected, "No flow was rejected."),
		rank("protocols", r.Protocols, "No flows were kept."),
	}
	for i, rk := range r.Networks {
		p.Networks = append(p.Networks, rank(fmt.Sprintf("networks-%d", i+1), rk, "No flows were kept."))
	}
	if s := r.Scanners; len(s.Rows) == 0 {
		p.Scanners = []figure{{Title: s.Title, Command: "scans", Query: s.Query,
			Empty: fmt.Sprintf("No source touched %d or more distinct destination ports or %d or more hosts.", s.MinPorts, s.MinHosts)}}
	} else {
		c := scannerChart("top-scanners", s, loc)
		p.Scanners = []figure{{Chart: &c, Title: c.Title}}
	}

	if len(r.Gaps.FlowLogs) == 0 {
		p.Gaps = []figure{{Title: "Windows without an object", Empty: "No flow log objects were read (files of other names or standard input carry no times to compare)."}}
	} else {
		c := gapChart("object-gaps", r.Gaps.FlowLogs, loc)
		p.Gaps = []figure{{Chart: &c, Title: c.Title}}
	}
	p.Statuses.Head = []string{"interface", "NODATA", "SKIPDATA", "first", "last"}
	p.Statuses.Numeric = []bool{false, true, true, false, false}
	for _, s := range r.Gaps.Statuses {
		p.Statuses.Rows = append(p.Statuses.Rows, []string{s.Interface, output.Thousands(s.NoData), output.Thousands(s.SkipData), timeText(s.First, loc), timeText(s.Last, loc)})
	}
	return p
}
