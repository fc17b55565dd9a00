// Package diff owns comparing the groups of two windows (flowlog diff):
// groups new in the compared window, groups that vanished from it, and the
// groups whose traffic changed most, by amount or by ratio.
package diff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/flowlog/flowlog/internal/query"
)

// Change says what happened to a group.
type Change string

const (
	New  Change = "new"  // in the compared window only
	Gone Change = "gone" // in the base window only
	Up   Change = "up"   // in both, more in the compared window
	Down Change = "down" // in both, less in the compared window
)

// Rank orders the groups in both windows.
type Rank string

const (
	ByDelta Rank = "delta" // the largest difference first
	ByRatio Rank = "ratio" // the largest factor first, up or down
)

// Options say what to compare and how much to keep.
type Options struct {
	Metric query.SortBy // flows, packets or bytes
	Rank   Rank
	Top    int // rows kept of each of new, gone and changed; 0 for all
}

// Row is one group of the comparison.
type Row struct {
	Key           []query.KeyValue
	Change        Change
	Base, Compare uint64 // the metric in each window; 0 when absent there
}

// Delta is Compare - Base.
func (r Row) Delta() int64 { return int64(r.Compare) - int64(r.Base) }

// Ratio is Compare / Base; 0 when the group is not in both.
func (r Row) Ratio() float64 {
	if r.Base == 0 || r.Compare == 0 {
		return 0
	}
	return float64(r.Compare) / float64(r.Base)
}

// factor is how many times larger the larger side is.
func (r Row) factor() float64 {
	lo, hi := min(r.Base, r.Compare), max(r.Base, r.Compare)
	if lo == 0 {
		return 0
	}
	return float64(hi) / float64(lo)
}

// Result is a comparison, each part in its order: new and gone by their
// metric, changed by Options.Rank; ties in key order.
type Result struct {
	New, Gone, Changed []Row
}

// Rows lists the result's rows: new, gone, then changed.
func (r Result) Rows() []Row { return slices.Concat(r.New, r.Gone, r.Changed) }

func metric(g query.Group, m query.SortBy) uint64 {
	switch m {
	case query.SortPackets:
		return g.Packets
	case query.SortBytes:
		return g.Bytes
	}
	return g.Flows
}

func keyString(kv []query.KeyValue) string {
	parts := make([]string, len(kv))
	for i, v := range kv {
		parts[i] = v.String()
	}
	return strings.Join(parts, "\x00")
}

// Compare compares the groups of two aggregations with the same keys (all
// their groups: no --top).
func Compare(base, compare []query.Group, opts Options) Result {
	type entry struct {
		row Row
		in  uint8 // 1 base, 2 compare
		key string
	}
	index := map[string]*entry{}
	var order []*entry
	for side, groups := range [][]query.Group{base, compare} {
		for _, g := range groups {
			k := keyString(g.Key)
			e := index[k]
			if e == nil {
				e = &entry{row: Row{Key: g.Key}, key: k}
				index[k] = e
				order = append(order, e)
			}
			if side == 0 {
				e.row.Base += metric(g, opts.Metric)
				e.in |= 1
			} else {
				e.row.Compare += metric(g, opts.Metric)
				e.in |= 2
			}
		}
	}
	var res Result
	for _, e := range order {
		r := e.row
		switch {
		case e.in == 2:
			r.Change = New
			res.New = append(res.New, r)
		case e.in == 1:
			r.Change = Gone
			res.Gone = append(res.Gone, r)
		case r.Compare > r.Base:
			r.Change = Up
			res.Changed = append(res.Changed, r)
		case r.Compare < r.Base:
			r.Change = Down
			res.Changed = append(res.Changed, r)
		}
	}
	byKey := func(a, b Row) int { return compareKeys(a.Key, b.Key) }
	sortTop := func(rows []Row, value func(Row) float64) []Row {
		slices.SortFunc(rows, func(a, b Row) int {
			if c := cmp.Compare(value(b), value(a)); c != 0 {
				return c
			}
			return byKey(a, b)
		})
		if opts.Top > 0 && len(rows) > opts.Top {
			rows = rows[:opts.Top]
		}
		return rows
	}
	res.New = sortTop(res.New, func(r Row) float64 { return float64(r.Compare) })
	res.Gone = sortTop(res.Gone, func(r Row) float64 { return float64(r.Base) })
	if opts.Rank == ByRatio {
		res.Changed = sortTop(res.Changed, Row.factor)
	} else {
		res.Changed = sortTop(res.Changed, func(r Row) float64 {
			d := r.Delta()
			if d < 0 {
				d = -d
			}
			return float64(d)
		})
	}
	return res
}

// compareKeys orders keys as a group-by prints them: absent first,
// addresses and numbers by value, text by bytes.
func compareKeys(a, b []query.KeyValue) int {
	for i := range a {
		x, y := a[i], b[i]
		if x.Present != y.Present {
			if x.Present {
				return 1
			}
			return -1
		}
		if c := x.Addr.Addr().Compare(y.Addr.Addr()); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Addr.Bits(), y.Addr.Bits()); c != 0 {
			return c
		}
		if c := cmp.Compare(x.Num, y.Num); c != 0 {
			return c
		}
		if c := strings.Compare(x.Text, y.Text); c != 0 {
			return c
		}
	}
	return 0
}
