package query

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/record"
)

// SortBy orders groups, largest first.
type SortBy string

const (
	SortFlows   SortBy = "flows"
	SortPackets SortBy = "packets"
	SortBytes   SortBy = "bytes"
)

// Group is one row of an aggregation.
type Group struct {
	Key        []KeyValue
	Flows      uint64
	Packets    uint64
	Bytes      uint64
	FirstStart int64 // 0 when no record of the group had a start
	LastEnd    int64 // 0 when no record had an end

	// With a conversation key: Packets and Bytes split by the side that
	// sent them, as Zeek's orig_bytes and resp_bytes.
	ClientPackets, ClientBytes uint64 // client to server
	ServerPackets, ServerBytes uint64 // server to client
}

// KeyValue is the value of one group key; Present is false for "-".
type KeyValue struct {
	Present bool
	Addr    netip.Prefix // address keys: the (masked) address as a prefix
	Num     uint64
	Text    string        // string keys, action and log_status
	Conv    *Conversation // a conversation key
}

// String formats the key value as printed: an address, a prefix when
// masked, a number or text; "-" when absent.
func (v KeyValue) String() string {
	switch {
	case !v.Present:
		return "-"
	case v.Conv != nil:
		c := v.Conv
		return fmt.Sprintf("%s %s -> %s", protocolName(c.Protocol), netip.AddrPortFrom(c.Client, c.ClientPort), netip.AddrPortFrom(c.Server, c.ServerPort))
	case v.Addr.IsValid():
		if v.Addr.IsSingleIP() {
			return v.Addr.Addr().String()
		}
		return v.Addr.String()
	case v.Text != "":
		return v.Text
	}
	return strconv.FormatUint(v.Num, 10)
}

// protocolName is the name of the common IP protocols, else the number.
func protocolName(p uint8) string {
	switch p {
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 58:
		return "icmpv6"
	}
	return strconv.Itoa(int(p))
}

// groupSums holds a group's sums. A first or last of 0 means no record of the
// group had a start or an end.
type groupSums struct {
	flows, packets, bytes uint64
	first, last           int64
}

// sumsOf returns the sums of a group of one record. An absent start or
// end is 0 in the record, which is also what groupSums takes for "none".
func sumsOf(r *record.Record) groupSums {
	return groupSums{flows: 1, packets: r.Packets, bytes: r.Bytes, first: r.Start, last: r.End}
}

func (a *groupSums) add(r *record.Record) {
	s := sumsOf(r)
	a.merge(&s)
}

func (a *groupSums) merge(b *groupSums) {
	a.flows += b.flows
	a.packets += b.packets
	a.bytes += b.bytes
	if b.first != 0 && (a.first == 0 || b.first < a.first) {
		a.first = b.first
	}
	a.last = max(a.last, b.last)
}

// Aggregate groups the records the filter keeps by keys and returns the
// groups, sorted by sortBy (largest first, ties by key), at most top when
// top > 0. Memory grows with the number of groups, not records.
func (q *Query) Aggregate(ctx context.Context, keys []GroupKey, sortBy SortBy, top int) ([]Group, Stats, error) {
	return q.Group(ctx, Grouping{Keys: keys, SortBy: sortBy, Top: top})
}

// Grouping is an aggregation: the keys, the order, how many groups, and
// with a time key how to fill the series.
type Grouping struct {
	Keys   []GroupKey
	SortBy SortBy
	// Top keeps the largest groups; with a time key, the largest series
	// (groups of the other keys, by their total over every interval), each
	// with all its intervals, and with time the only key the largest
	// intervals. 0 keeps all.
	Top int
	// Limit cuts the rows after ordering; 0 for all.
	Limit int
	// Fill, with a time key, adds a row of zeros for every interval of
	// every series that had no record in it: from Since to Until when
	// they are set, else from the first interval seen to the last.
	Fill         bool
	Since, Until time.Time
}

// Group aggregates the records the filter keeps as g says. Without a time
// key the groups come largest first by g.SortBy, ties in key order; with
// one they come in time order (see orderSeries). Memory grows with the
// number of groups, not records.
func (q *Query) Group(ctx context.Context, g Grouping) ([]Group, Stats, error) {
	groups, stats, err := q.AggregateEach(ctx, []Aggregation{{Grouping: g}})
	if err != nil {
		return nil, stats, err
	}
	return groups[0], stats, nil
}

// groupsOf finishes the tables of an aggregation (see finishTables), none
// when no input was read, and returns the groups (then nil) as g orders
// and cuts them.
func groupsOf(tables []*groupTable, g Grouping, workers int) ([]Group, error) {
	keys := g.Keys
	metric := func(a *groupSums) uint64 {
		switch g.SortBy {
		case SortPackets:
			return a.packets
		case SortBytes:
			return a.bytes
		}
		return a.flows
	}
	top := g.Top
	if g.Limit > 0 && (top == 0 || g.Limit < top) {
		top = g.Limit
	}
	// Largest first; ties in key order, as the key encoding sorts: absent
	// first, then IPv4 before IPv6, numbers and addresses numerically.
	compare := func(x, y groupRow) int {
		if c := cmp.Compare(metric(y.sums), metric(x.sums)); c != 0 {
			return c
		}
		return strings.Compare(x.key, y.key)
	}
	ti, ci := timeIndex(keys), conversationIndex(keys)
	// A time series orders whole series, and a conversation's two
	// directions are groups of their own until folded: both need every
	// group. Any other top is kept while the tables are finished.
	whole := ti >= 0 || ci >= 0
	finishTop := top
	if whole {
		finishTop = 0
	}
	if len(tables) == 0 && !g.Fill {
		return nil, nil
	}
	rows, err := finishTables(tables, workers, finishTop, compare)
	if err != nil {
		return nil, err
	}
	if ci >= 0 {
		rows = foldConversations(rows, keys)
	}
	switch {
	case ti >= 0:
		if rows, err = orderSeries(rows, keys, ti, g, metric); err != nil {
			return nil, err
		}
	case whole || top == 0:
		rows = topN(rows, top, compare)
	}
	groups := make([]Group, len(rows))
	for i, row := range rows {
		a := row.sums
		groups[i] = Group{
			Key:        row.decode(keys),
			Flows:      a.flows,
			Packets:    a.packets,
			Bytes:      a.bytes,
			FirstStart: a.first,
			LastEnd:    a.last,
		}
		if row.back != nil {
			groups[i].ServerPackets, groups[i].ServerBytes = row.back.packets, row.back.bytes
			groups[i].ClientPackets, groups[i].ClientBytes = a.packets-row.back.packets, a.bytes-row.back.bytes
		}
	}
	return groups, nil
}
