// Package report owns 'flowlog report': the data behind one self-contained
// HTML page about a set of flow log records — traffic over time, top
// talkers, rejected ports, protocols, scanners, networks by label and
// AS, gaps — computed in one pass over the
// records by the query package's aggregation, and its rendering as HTML
// with inline SVG charts that need no network and no script.
package report

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/scans"
)

// DefaultTop is how many rows a ranking shows unless told otherwise.
const DefaultTop = 10

// Options say what the report covers beyond the query's inputs and filter.
type Options struct {
	// Since and Until are the window asked for; zero bounds are open.
	Since, Until time.Time
	// Top is the number of rows of each ranking; 0 means DefaultTop.
	Top int
	// Scans are the thresholds of the scanners panel; zero thresholds
	// mean those of flowlog scans (scans.Defaults). Its Top is Top.
	Scans scans.Options
	// Names, when it has labels or a MaxMind database, adds rankings by
	// label and by autonomous system.
	Names *addrinfo.Names
}

// Report is the data behind every panel of the page. Times are UTC; the
// page shows them in Header.Location.
type Report struct {
	Header    Header
	Totals    Totals
	Traffic   Series
	Sources   Ranking // top sources by bytes
	Dests     Ranking // top destinations by bytes
	Convs     Ranking // top conversations by bytes
	Rejected  Ranking // top rejected destination ports by flows
	Protocols Ranking // protocols by bytes
	Scanners  Scanners
	Networks  []Ranking // by label and AS, when names are configured
	Gaps      Gaps
}

// Header is what the page says about itself: what was read, how, and by
// which flowlog.
type Header struct {
	Version   string
	Sources   []string       // as named on the command line
	Filters   string         // the filter expression, "" for none
	Since     time.Time      // the window asked for; zero when open
	Until     time.Time      //
	Location  *time.Location `json:"-"` // nil is UTC
	Generated time.Time
	Objects   int   // inputs read
	BytesRead int64 // as stored, compressed
	Records   int64 // records parsed
	Matched   int64 // records the filters kept
	Skipped   int64 // malformed lines skipped
}

// Sums are flows, packets and bytes.
type Sums struct {
	Flows, Packets, Bytes uint64
}

func (s *Sums) add(g query.Group) {
	s.Flows += g.Flows
	s.Packets += g.Packets
	s.Bytes += g.Bytes
}

// Totals are the sums of the records kept, by verdict and IP version; the
// NODATA and SKIPDATA lines are counted in Gaps.
type Totals struct {
	Accepted, Rejected Sums
	IPv4, IPv6         Sums
	First, Last        time.Time // earliest start and latest end of a flow; zero with none
}

// Ranking is one "top N" table: its rows in order, largest first, and the
// query flags that print the same rows.
type Ranking struct {
	Title  string
	Key    string // the column the rows are named by
	Metric query.SortBy
	Query  string // the flowlog query flags that give these rows
	Rows   []RankRow
}

// RankRow is one row of a ranking.
type RankRow struct {
	Label string // the key as printed: an address, "10.0.0.1 → 10.0.0.2", "22/tcp (ssh)"
	Sums
}

// Value is the row's value in the ranking's metric.
func (r RankRow) Value(m query.SortBy) uint64 {
	switch m {
	case query.SortBytes:
		return r.Bytes
	case query.SortPackets:
		return r.Packets
	}
	return r.Flows
}

// panel is one aggregation of the pass and what to do with its groups.
type panel struct {
	agg  query.Aggregation
	take func([]query.Group) error
}

// mustCompile compiles a filter written in this file.
func mustCompile(src string) *expr.Expr {
	e, err := expr.Compile(src)
	if err != nil {
		panic(fmt.Sprintf("report filter %q: %v", src, err))
	}
	return e
}

var (
	onlyFlows    = mustCompile("status OK")
	onlyRejected = mustCompile("status OK and action reject")
	onlyIPv4     = mustCompile("status OK and ipv4")
	onlyIPv6     = mustCompile("status OK and ipv6")
	onlyGaps     = mustCompile("status NODATA or status SKIPDATA")
)

// Build reads q's inputs once and computes every panel: each panel is a
// group-by of the query package, and all of them are fed from the same
// visit of each record (query.AggregateEach), so a report costs about one
// group-by. Header has the counts of the run; the caller names the sources,
// filters and version.
func Build(ctx context.Context, q *query.Query, opts Options) (*Report, error) {
	top := opts.Top
	if top <= 0 {
		top = DefaultTop
	}
	rep := &Report{}
	fine := fineInterval(opts.Since, opts.Until, q.Inputs)
	series := newSeriesBuilder(fine)
	timeKey := "time/" + strconv.FormatInt(int64(fine/time.Second), 10) + "s"
	keys := func(spec string) []query.GroupKey {
		k, err := query.ParseGroupKeysWith(spec, opts.Names)
		if err != nil {
			panic(fmt.Sprintf("report group keys %q: %v", spec, err))
		}
		return k
	}
	ranking := func(dst *Ranking, title, key string, filter *expr.Expr, spec string, sortBy query.SortBy, top int, label func([]query.KeyValue) string) panel {
		*dst = Ranking{Title: title, Key: key, Metric: sortBy, Query: rankingFlags(filter, spec, sortBy, top)}
		return panel{
			agg: query.Aggregation{Filter: filter, Grouping: query.Grouping{Keys: keys(spec), SortBy: sortBy, Top: top}},
			take: func(groups []query.Group) error {
				for _, g := range groups {
					dst.Rows = append(dst.Rows, RankRow{Label: label(g.Key), Sums: Sums{g.Flows, g.Packets, g.Bytes}})
				}
				return nil
			},
		}
	}
	panels := []panel{
		{
			agg:  query.Aggregation{Filter: onlyFlows, Grouping: query.Grouping{Keys: keys(timeKey + ",action")}},
			take: func(groups []query.Group) error { return series.addActions(groups, &rep.Totals) },
		},
		{
			agg:  query.Aggregation{Filter: onlyIPv4, Grouping: query.Grouping{Keys: keys(timeKey)}},
			take: func(groups []query.Group) error { return series.addFamily(groups, 4, &rep.Totals.IPv4) },
		},
		{
			agg:  query.Aggregation{Filter: onlyIPv6, Grouping: query.Grouping{Keys: keys(timeKey)}},
			take: func(groups []query.Group) error { return series.addFamily(groups, 6, &rep.Totals.IPv6) },
		},
		ranking(&rep.Sources, "Top sources", "source", onlyFlows, "srcaddr", query.SortBytes, top, joinKeys(" ")),
		ranking(&rep.Dests, "Top destinations", "destination", onlyFlows, "dstaddr", query.SortBytes, top, joinKeys(" ")),
		ranking(&rep.Convs, "Top conversations", "conversation (client → server)", onlyFlows, "conversation", query.SortBytes, top, joinKeys(" ")),
		ranking(&rep.Rejected, "Top rejected destination ports", "port", onlyRejected, "dstport,protocol", query.SortFlows, top, portLabel),
		ranking(&rep.Protocols, "Protocols", "protocol", onlyFlows, "protocol", query.SortBytes, 0, protocolLabel),
		{
			agg:  query.Aggregation{Filter: onlyGaps, Grouping: query.Grouping{Keys: keys("interface_id,log_status"), SortBy: query.SortFlows}},
			take: func(groups []query.Group) error { rep.Gaps.Statuses = statusRows(groups); return nil },
		},
	}
	named := namePanels(opts.Names)
	rep.Networks = make([]Ranking, len(named))
	for i, n := range named {
		panels = append(panels, ranking(&rep.Networks[i], n.title, n.key, onlyFlows, n.spec, query.SortBytes, top, n.label))
	}
	aggs := make([]query.Aggregation, len(panels))
	for i, p := range panels {
		aggs[i] = p.agg
	}
	scanOpts := scanOptions(opts, top)
	scanners := scans.NewCollector(scanOpts)
	groups, stats, err := q.AggregateEach(ctx, aggs, scanners.Visitor())
	if err != nil {
		return nil, err
	}
	rep.Scanners = Scanners{Title: "Scanners", MinPorts: scanOpts.MinPorts, MinHosts: scanOpts.MinHosts,
		Query: scansFlags(scanOpts), Rows: scanners.Scanners()}
	for i, p := range panels {
		if err := p.take(groups[i]); err != nil {
			return nil, err
		}
	}
	rep.Traffic = series.finish()
	rep.Gaps.FlowLogs = objectGaps(q.Inputs, opts.Since, opts.Until)
	rep.Header = Header{
		Since: opts.Since, Until: opts.Until,
		Objects: stats.Sources, BytesRead: stats.BytesRead,
		Records: stats.Records, Matched: stats.Matched, Skipped: stats.Skipped,
	}
	return rep, nil
}

// rankingFlags are the flowlog query flags that print a ranking's rows.
func rankingFlags(filter *expr.Expr, spec string, sortBy query.SortBy, top int) string {
	s := fmt.Sprintf("--where '%s' --group-by %s --sort %s", filter, spec, sortBy)
	if top > 0 {
		s += fmt.Sprintf(" --top %d", top)
	}
	return s
}

// joinKeys labels a row by its key values, as query prints them.
func joinKeys(sep string) func([]query.KeyValue) string {
	return func(kv []query.KeyValue) string {
		s := ""
		for i, v := range kv {
			if i > 0 {
				s += sep
			}
			s += v.String()
		}
		return s
	}
}

// portLabel labels a dstport,protocol row: "22/tcp (ssh)".
func portLabel(kv []query.KeyValue) string {
	s := kv[0].String() + "/" + protocolLabel(kv[1:])
	if name := expr.PortName(kv[0].Num); name != "" && kv[0].Present {
		s += " (" + name + ")"
	}
	return s
}

// protocolLabel names a protocol number: "tcp", or the number.
func protocolLabel(kv []query.KeyValue) string {
	if name := expr.ProtocolName(kv[0].Num); name != "" && kv[0].Present {
		return name
	}
	return kv[0].String()
}

// Gaps are the places where the logs say less than the traffic did.
type Gaps struct {
	// Statuses are the NODATA and SKIPDATA lines, per interface.
	Statuses []StatusRow
	// FlowLogs are the flow logs read from objects, with the 10-minute
	// windows that have no object.
	FlowLogs []FlowLogGaps
}

// StatusRow counts one interface's NODATA and SKIPDATA lines.
type StatusRow struct {
	Interface        string
	NoData, SkipData uint64
	First, Last      time.Time
}

func statusRows(groups []query.Group) []StatusRow {
	var rows []StatusRow
	index := map[string]int{}
	for _, g := range groups {
		iface := g.Key[0].String()
		i, ok := index[iface]
		if !ok {
			i = len(rows)
			index[iface] = i
			rows = append(rows, StatusRow{Interface: iface})
		}
		r := &rows[i]
		switch g.Key[1].Text {
		case record.NoData.String():
			r.NoData += g.Flows
		case record.SkipData.String():
			r.SkipData += g.Flows
		}
		first, last := unixTime(g.FirstStart), unixTime(g.LastEnd)
		if !first.IsZero() && (r.First.IsZero() || first.Before(r.First)) {
			r.First = first
		}
		if last.After(r.Last) {
			r.Last = last
		}
	}
	return rows
}

func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}
