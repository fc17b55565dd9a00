package query

import (
	"cmp"
	"context"
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
}

// KeyValue is the value of one group key; Present is false for "-".
type KeyValue struct {
	Present bool
	Addr    netip.Prefix // address keys: the (masked) address as a prefix
	Num     uint64
	Text    string // string keys, action and log_status
}

// String formats the key value as printed: an address, a prefix when
// masked, a number or text; "-" when absent.
func (v KeyValue) String() string {
	switch {
	case !v.Present:
		return "-"
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
	start := time.Now()
	need := record.FieldSet(0).With(record.Packets).With(record.Bytes).With(record.Start).With(record.End)
	for _, k := range keys {
		need = need.With(k.Field)
	}
	tables := make([]groupTable, q.workers())
	readers, err := q.forEachInput(ctx, q.need(need), false, func(rd *reader, i int) error {
		t := tables[rd.slot]
		if t == nil {
			t = newGroupTable(keys)
			tables[rd.slot] = t
		}
		return rd.read(ctx, q.Inputs[i], t.add)
	})
	stats := sumStats(readers, start)
	if err != nil {
		return nil, stats, err
	}

	var all groupTable
	for _, t := range tables {
		switch {
		case t == nil:
		case all == nil:
			all = t
		default:
			all.merge(t)
		}
	}
	if all == nil {
		return nil, stats, nil
	}
	rows := all.rows()
	metric := func(a *groupSums) uint64 {
		switch sortBy {
		case SortPackets:
			return a.packets
		case SortBytes:
			return a.bytes
		}
		return a.flows
	}
	// Largest first; ties in key order, as the key encoding sorts: absent
	// first, then IPv4 before IPv6, numbers and addresses numerically.
	rows = topN(rows, top, func(x, y groupRow) int {
		if c := cmp.Compare(metric(y.sums), metric(x.sums)); c != 0 {
			return c
		}
		if x.addr.IsValid() != y.addr.IsValid() {
			if x.addr.IsValid() {
				return 1
			}
			return -1
		}
		if c := x.addr.Compare(y.addr); c != 0 {
			return c
		}
		return strings.Compare(x.key, y.key)
	})
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
	}
	return groups, stats, nil
}
