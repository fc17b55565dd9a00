package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/scans"
)

// Scanners is the scanners panel: the sources that touched many distinct
// destination ports or hosts, found by the collector of flowlog scans in
// the report's pass.
type Scanners struct {
	Title              string
	MinPorts, MinHosts uint64
	Query              string // the flowlog scans flags that list the same scanners
	Rows               []scans.Scanner
}

// scanOptions are the thresholds of the scanners panel: those of
// flowlog scans unless opts names others, and the report's top.
func scanOptions(opts Options, top int) scans.Options {
	s := opts.Scans
	if s.MinPorts == 0 && s.MinHosts == 0 {
		s.MinPorts, s.MinHosts = scans.Defaults.MinPorts, scans.Defaults.MinHosts
	}
	s.Top = top
	return s
}

// scansFlags are the flowlog scans flags that list a panel's scanners.
func scansFlags(s scans.Options) string {
	return fmt.Sprintf("--min-ports %d --min-hosts %d --top %d", s.MinPorts, s.MinHosts, s.Top)
}

// namePanels are the rankings by the names of addresses that names can
// give: by label when the config file has labels, by autonomous system
// when a MaxMind database is open. None without names.
type namePanel struct {
	id, title, key, spec string
	label                func([]query.KeyValue) string
}

func namePanels(names *addrinfo.Names) []namePanel {
	if names == nil {
		return nil
	}
	var out []namePanel
	if len(names.Labels()) > 0 {
		out = append(out,
			namePanel{"source-labels", "Sources by label", "source label", "src.label", labelName},
			namePanel{"destination-labels", "Destinations by label", "destination label", "dst.label", labelName})
	}
	if names.Supports(addrinfo.Field{Side: addrinfo.Src, Attr: addrinfo.ASN}) == nil {
		out = append(out,
			namePanel{"source-networks", "Source networks (AS)", "source AS", "src.asn,src.as_org", asLabel},
			namePanel{"destination-networks", "Destination networks (AS)", "destination AS", "dst.asn,dst.as_org", asLabel})
	}
	return out
}

// labelName labels a label row; addresses no label covers are one row.
func labelName(kv []query.KeyValue) string {
	if !kv[0].Present {
		return "(no label)"
	}
	return kv[0].String()
}

// asLabel labels an asn,as_org row: "AS64500 Example Net".
func asLabel(kv []query.KeyValue) string {
	if !kv[0].Present {
		return "(no AS known)"
	}
	s := "AS" + kv[0].String()
	if kv[1].Present {
		s += " " + kv[1].String()
	}
	return s
}

// Scanner chart layout: a row is the source's name, a bar of its distinct
// ports and one of its distinct hosts.
const (
	scanRowH = 40.0
	scanBarH = 9.0
)

func scannerChart(id string, s Scanners, loc *time.Location) chart {
	c := chart{ID: id, Title: s.Title, Width: chartWidth, Command: "scans", Query: s.Query}
	c.Height = rankPadTop + scanRowH*float64(len(s.Rows)) + 4
	c.Legend = []legendItem{{"s-ports", "distinct destination ports"}, {"s-hosts", "distinct destination hosts"}}
	var top uint64
	for _, r := range s.Rows {
		top = max(top, r.Ports, r.Hosts)
	}
	barW := chartWidth - rankValueW
	width := func(v uint64) float64 {
		if top == 0 || v == 0 {
			return 0
		}
		return math.Max(1, barW*float64(v)/float64(top))
	}
	c.Table.Head = []string{"#", "source", "ports", "hosts", "flows", "rejected", "first seen", "last seen", "top ports (flows)"}
	c.Table.Numeric = []bool{true, false, true, true, true, true, false, false, false}
	var parts []string
	for i, r := range s.Rows {
		y := rankPadTop + scanRowH*float64(i)
		ports, hosts := distinctText(r, r.Ports), distinctText(r, r.Hosts)
		reject := percentText(r.Rejects, r.Flows)
		name := r.Source.String()
		c.Texts = append(c.Texts, label{0, y + 11, "start", "name", fmt.Sprintf("%d. %s — %s %s, %s rejected", i+1, name, output.CountText(r.Flows), plural(int(min(r.Flows, 2)), "flow"), reject)})
		wp, wh := width(r.Ports), width(r.Hosts)
		c.Rects = append(c.Rects,
			shape{X: 0, Y: y + 15, W: wp, H: scanBarH, Class: "s-ports", Tip: name + ": " + ports + " distinct ports"},
			shape{X: 0, Y: y + 15 + scanBarH + 2, W: wh, H: scanBarH, Class: "s-hosts", Tip: name + ": " + hosts + " distinct hosts"})
		c.Texts = append(c.Texts,
			label{wp + 6, y + 23, "start", "value", ports + " " + plural(int(min(r.Ports, 2)), "port")},
			label{wh + 6, y + 34, "start", "value", hosts + " " + plural(int(min(r.Hosts, 2)), "host")})
		c.Table.Rows = append(c.Table.Rows, []string{strconv.Itoa(i + 1), name, ports, hosts, output.Thousands(r.Flows), reject,
			timeText(unixTime(r.First), loc), timeText(unixTime(r.Last), loc), topPortsText(r)})
		if i < 3 {
			parts = append(parts, fmt.Sprintf("%s with %s ports and %s hosts", name, ports, hosts))
		}
	}
	c.Desc = fmt.Sprintf("%d %s that touched at least %d distinct destination ports or %d hosts, most ports first; the first: %s.",
		len(s.Rows), plural(len(s.Rows), "source"), s.MinPorts, s.MinHosts, strings.Join(parts, "; "))
	return c
}

// distinctText is a distinct count, marked "≈" when it is an estimate
// (counts up to scans.ExactUpTo are exact).
func distinctText(s scans.Scanner, v uint64) string {
	if s.Approximate && v > scans.ExactUpTo {
		return "≈" + output.Thousands(v)
	}
	return output.Thousands(v)
}

// topPortsText lists the ports a scanner touched most: "22 (ssh): 40,
// 3389: 12". When the scanner touched more ports than are tracked, the
// counts are lower bounds: "≥12", and left out when they say no more than
// one flow.
func topPortsText(s scans.Scanner) string {
	var parts []string
	for _, t := range s.TopPorts {
		p := strconv.Itoa(int(t.Port))
		if name := expr.PortName(uint64(t.Port)); name != "" {
			p += " (" + name + ")"
		}
		switch {
		case s.TopExact:
			p += ": " + output.Thousands(t.Flows)
		case t.Flows > 1:
			p += ": ≥" + output.Thousands(t.Flows)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
