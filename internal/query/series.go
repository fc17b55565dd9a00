package query

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// timeIndex returns the index of the time key in keys, or -1.
func timeIndex(keys []GroupKey) int {
	return slices.IndexFunc(keys, GroupKey.IsTime)
}

// conversationIndex returns the index of the conversation key, or -1.
func conversationIndex(keys []GroupKey) int {
	return slices.IndexFunc(keys, func(k GroupKey) bool { return k.Conversation })
}

// segmentAt returns where the encoding of keys[i] starts and ends in key.
func segmentAt(key string, keys []GroupKey, i int) (from, to int) {
	b := []byte(key)
	for j := 0; j < i; j++ {
		from += segmentLen(b[from:], keys[j])
	}
	return from, from + segmentLen(b[from:], keys[i])
}

// foldConversations joins the two directions of each conversation. The
// tables keep them apart (the last byte of an encoded conversation is the
// direction), so that they need no wider sums; here each pair becomes one
// row whose sums hold both and whose back holds the server's share. It
// reuses the rows' keys and sums: a key is made only for a conversation
// seen from the server alone.
func foldConversations(rows []groupRow, keys []GroupKey) []groupRow {
	ci := conversationIndex(keys)
	index := make(map[string]int, len(rows))
	folded := make([]groupRow, 0, len(rows))
	none := &groupSums{} // the back of a conversation the server never answered in
	fromServer := make([]int, 0, len(rows)/2)
	for i, row := range rows {
		from, to := segmentAt(row.key, keys, ci)
		if to-from > 1 && row.key[to-1] == 1 {
			fromServer = append(fromServer, i)
			continue
		}
		index[row.key] = len(folded)
		folded = append(folded, groupRow{sums: row.sums, key: row.key, back: none})
	}
	var buf []byte
	for _, i := range fromServer {
		row := rows[i]
		_, to := segmentAt(row.key, keys, ci)
		buf = append(buf[:0], row.key...)
		buf[to-1] = 0
		if j, ok := index[string(buf)]; ok {
			folded[j].sums.merge(row.sums)
			folded[j].back = row.sums
			continue
		}
		folded = append(folded, groupRow{sums: row.sums, key: string(buf), back: row.sums})
	}
	return folded
}

// maxFilled bounds the empty rows --fill may add: a fine interval over a
// long window times many series would otherwise fill memory with zeros.
const maxFilled = 2_000_000

// seriesRow is a row of a time-keyed aggregation, split into the start of
// its interval and the rest of its key, its series.
type seriesRow struct {
	row    groupRow
	t      int64
	hasT   bool
	series string
}

// orderSeries orders the rows of an aggregation with a time key at index
// ti: by interval (rows without a start first), then within an interval
// largest first by metric, ties by key. g.Top keeps the g.Top largest
// series by their total (with time the only key, the g.Top largest
// intervals); g.Fill adds zero rows for their empty intervals.
func orderSeries(rows []groupRow, keys []GroupKey, ti int, g Grouping, metric func(*groupSums) uint64) ([]groupRow, error) {
	srows := make([]seriesRow, len(rows))
	for i, row := range rows {
		from, to := segmentAt(row.key, keys, ti)
		sr := seriesRow{row: row, series: row.key[:from] + row.key[to:]}
		if to-from > 1 {
			sr.hasT = true
			sr.t = int64(decodeUint64(row.key[from+1 : to]))
		}
		srows[i] = sr
	}

	if g.Top > 0 && len(keys) == 1 {
		// Time is the only key: each interval is a series of one point,
		// and --top keeps the busiest intervals, still in time order.
		if len(srows) > g.Top {
			slices.SortFunc(srows, func(x, y seriesRow) int {
				if c := cmp.Compare(metric(y.row.sums), metric(x.row.sums)); c != 0 {
					return c
				}
				return cmp.Compare(x.row.key, y.row.key)
			})
			srows = srows[:g.Top]
		}
	} else if g.Top > 0 {
		srows = topSeries(srows, g.Top, metric)
	}

	if g.Fill {
		var err error
		if srows, err = fill(srows, keys, ti, g); err != nil {
			return nil, err
		}
	}

	slices.SortFunc(srows, func(x, y seriesRow) int {
		if x.hasT != y.hasT {
			if x.hasT {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(x.t, y.t); c != 0 {
			return c
		}
		if c := cmp.Compare(metric(y.row.sums), metric(x.row.sums)); c != 0 {
			return c
		}
		return cmp.Compare(x.series, y.series)
	})
	if g.Limit > 0 && len(srows) > g.Limit {
		srows = srows[:g.Limit]
	}
	out := make([]groupRow, len(srows))
	for i, sr := range srows {
		out[i] = sr.row
	}
	return out, nil
}

// seriesTotal is a series and its total of the sort metric.
type seriesTotal struct {
	series string
	total  uint64
}

// topSeries keeps the rows of the top series with the largest totals, ties
// in key order.
func topSeries(srows []seriesRow, top int, metric func(*groupSums) uint64) []seriesRow {
	index := map[string]int{}
	var totals []seriesTotal
	for _, sr := range srows {
		i, ok := index[sr.series]
		if !ok {
			i = len(totals)
			index[sr.series] = i
			totals = append(totals, seriesTotal{series: sr.series})
		}
		totals[i].total += metric(sr.row.sums)
	}
	if len(totals) <= top {
		return srows
	}
	// The comparison reads the totals beside the names: with hundreds of
	// thousands of series, a map lookup per comparison took seconds.
	slices.SortFunc(totals, func(x, y seriesTotal) int {
		if c := cmp.Compare(y.total, x.total); c != 0 {
			return c
		}
		return cmp.Compare(x.series, y.series)
	})
	keep := make(map[string]bool, top)
	for _, t := range totals[:top] {
		keep[t.series] = true
	}
	return slices.DeleteFunc(srows, func(sr seriesRow) bool { return !keep[sr.series] })
}

// fill adds a zero row for every interval of every series without one,
// from the interval of g.Since (else the first seen) to that of g.Until
// (else the last seen). An Until on an interval boundary ends the interval
// before it: --until 10:00 with time/1h fills up to 09:00.
func fill(srows []seriesRow, keys []GroupKey, ti int, g Grouping) ([]seriesRow, error) {
	k := keys[ti]
	have := map[string]map[int64]bool{}
	var first, last int64
	seen := false
	for _, sr := range srows {
		if have[sr.series] == nil {
			have[sr.series] = map[int64]bool{}
		}
		if !sr.hasT {
			continue
		}
		have[sr.series][sr.t] = true
		if !seen || sr.t < first {
			first = sr.t
		}
		if !seen || sr.t > last {
			last = sr.t
		}
		seen = true
	}
	if !g.Since.IsZero() {
		first, seen = k.interval(g.Since.Unix()), true
		if g.Until.IsZero() && last < first {
			last = first
		}
	}
	if !g.Until.IsZero() {
		last = k.interval(g.Until.Unix() - 1)
		if g.Since.IsZero() && !seen {
			first = last
		}
		seen = true
	}
	if !seen || last < first {
		return srows, nil
	}
	if len(have) == 0 {
		// No record at all: one series, of no other keys' values.
		have[absentSeries(keys)] = map[int64]bool{}
	}
	intervals := (last-first)/k.Step + 1
	if n := intervals * int64(len(have)); n > maxFilled+int64(len(srows)) || intervals > maxFilled {
		return nil, fmt.Errorf("--fill would print %s rows (%d series × %d intervals): use a longer interval, --top or a shorter window",
			strconv.FormatInt(n, 10), len(have), intervals)
	}
	for series, times := range have {
		for t := first; t <= last; t += k.Step {
			if times[t] {
				continue
			}
			srows = append(srows, seriesRow{row: emptyRow(keys, ti, series, t), t: t, hasT: true, series: series})
		}
	}
	return srows, nil
}

// absentSeries is the encoded rest of a key whose other keys are all absent:
// the series of a fill with no records.
func absentSeries(keys []GroupKey) string {
	return string(make([]byte, len(keys)-1))
}

// emptyRow is the row of zeros of series at interval t.
func emptyRow(keys []GroupKey, ti int, series string, t int64) groupRow {
	from := 0
	b := []byte(series)
	for j := 0; j < ti; j++ {
		from += segmentLen(b[from:], keys[j])
	}
	key := make([]byte, 0, len(series)+9)
	key = append(key, series[:from]...)
	key = append(key, 1)
	key = appendUint64(key, uint64(t))
	key = append(key, series[from:]...)
	row := groupRow{sums: &groupSums{}, key: string(key)}
	if conversationIndex(keys) >= 0 {
		row.back = &groupSums{}
	}
	return row
}

// Series is one line of a time series: the values of the keys other than
// the time key, and its groups, one per interval, in time order.
type Series struct {
	Key    []KeyValue // the keys other than the time key, in --group-by order
	Groups []Group    // Key of each still holds every key; the time is Time(g)
}

// SeriesOf arranges the groups of an aggregation with a time key (as Group
// returns them, in time order) into series, in the order each first
// appears, and returns the interval. A report draws one line per series.
func SeriesOf(keys []GroupKey, groups []Group) (step time.Duration, series []Series) {
	ti := timeIndex(keys)
	if ti < 0 {
		return 0, nil
	}
	index := map[string]int{}
	for _, g := range groups {
		rest := make([]KeyValue, 0, len(keys)-1)
		rest = append(rest, g.Key[:ti]...)
		rest = append(rest, g.Key[ti+1:]...)
		var name strings.Builder
		for _, v := range rest {
			name.WriteString(v.String())
			name.WriteByte(0)
		}
		i, ok := index[name.String()]
		if !ok {
			i = len(series)
			index[name.String()] = i
			series = append(series, Series{Key: rest})
		}
		series[i].Groups = append(series[i].Groups, g)
	}
	return time.Duration(keys[ti].Step) * time.Second, series
}

// TimeOf returns the start of the interval of a group of an aggregation
// with a time key, and false for a group of records without a start.
func TimeOf(keys []GroupKey, g Group) (time.Time, bool) {
	ti := timeIndex(keys)
	if ti < 0 || !g.Key[ti].Present {
		return time.Time{}, false
	}
	return time.Unix(int64(g.Key[ti].Num), 0).UTC(), true
}
