package query

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/record"
)

// GroupKey is one --group-by term: a record field, and for address fields
// the prefix lengths to mask IPv4 and IPv6 addresses to (srcaddr/24/64).
type GroupKey struct {
	Field record.Field
	Bits4 int // 0..32; 32 keeps the whole IPv4 address
	Bits6 int // 0..128
}

// Name is the key as written in --group-by, used as its column name.
func (k GroupKey) Name() string {
	name := k.Field.String()
	if k.Field != record.SrcAddr && k.Field != record.DstAddr {
		return name
	}
	switch {
	case k.Bits4 == 32 && k.Bits6 == 128:
		return name
	case k.Bits6 == defaultBits6(k.Bits4):
		return fmt.Sprintf("%s/%d", name, k.Bits4)
	}
	return fmt.Sprintf("%s/%d/%d", name, k.Bits4, k.Bits6)
}

// defaultBits6 is the IPv6 mask used with an IPv4 mask alone: /64, a
// subnet, for any IPv4 mask shorter than a host.
func defaultBits6(bits4 int) int {
	if bits4 == 32 {
		return 128
	}
	return 64
}

// ParseGroupKeys parses a --group-by value: FIELD[/BITS4[/BITS6]],...
func ParseGroupKeys(spec string) ([]GroupKey, error) {
	var keys []GroupKey
	for _, term := range strings.Split(spec, ",") {
		term = strings.TrimSpace(term)
		if term == "" {
			continue
		}
		parts := strings.Split(term, "/")
		f, ok := record.FieldByName(strings.ToLower(parts[0]))
		if !ok {
			return nil, fmt.Errorf("unknown field %q: use one of %s", parts[0], strings.Join(record.FieldNames(), ", "))
		}
		k := GroupKey{Field: f, Bits4: 32, Bits6: 128}
		if len(parts) > 1 {
			if f != record.SrcAddr && f != record.DstAddr {
				return nil, fmt.Errorf("%q: only srcaddr and dstaddr take a mask", term)
			}
			if len(parts) > 3 {
				return nil, fmt.Errorf("%q: expected FIELD/BITS4 or FIELD/BITS4/BITS6", term)
			}
			b4, err := strconv.Atoi(parts[1])
			if err != nil || b4 < 0 || b4 > 32 {
				return nil, fmt.Errorf("%q: IPv4 mask must be 0 to 32", term)
			}
			k.Bits4, k.Bits6 = b4, defaultBits6(b4)
			if len(parts) == 3 {
				b6, err := strconv.Atoi(parts[2])
				if err != nil || b6 < 0 || b6 > 128 {
					return nil, fmt.Errorf("%q: IPv6 mask must be 0 to 128", term)
				}
				k.Bits6 = b6
			}
		}
		for _, prev := range keys {
			if prev == k {
				return nil, fmt.Errorf("%q is named twice", term)
			}
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no field named")
	}
	return keys, nil
}

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

// acc holds a group's sums. A first or last of 0 means no record of the
// group had a start or an end.
type acc struct {
	flows, packets, bytes uint64
	first, last           int64
}

// sumsOf returns the sums of a group of one record.
func sumsOf(r *record.Record) acc {
	a := acc{flows: 1, packets: r.Packets, bytes: r.Bytes}
	if r.Has(record.Start) {
		a.first = r.Start
	}
	if r.Has(record.End) {
		a.last = r.End
	}
	return a
}

func (a *acc) add(r *record.Record) {
	s := sumsOf(r)
	a.merge(&s)
}

func (a *acc) merge(b *acc) {
	a.flows += b.flows
	a.packets += b.packets
	a.bytes += b.bytes
	if b.first != 0 && (a.first == 0 || b.first < a.first) {
		a.first = b.first
	}
	a.last = max(a.last, b.last)
}

// groupTable is one worker's groups. Aggregation spends its time looking
// keys up in a table of tens of thousands of groups, so each kind of table
// is laid out for few cache misses: see fixedTable and addrTable.
type groupTable interface {
	// add adds a record to its group. It always returns true, which lets
	// it serve as the visitor of a read.
	add(r *record.Record) bool
	// merge adds the groups of other, a table of the same kind.
	merge(other groupTable)
	// rows lists every group.
	rows() []groupRow
}

// groupRow is one group of a table: its sums and its key, as an address
// for an addrTable and encoded by appendGroupKey for the others.
type groupRow struct {
	sums *acc
	addr netip.Addr // addrTable: the (masked) address; invalid for "-"
	key  string     // other tables
}

// fixedKeyLen bounds the keys a fixedTable holds inline.
const fixedKeyLen = 40

func newGroupTable(keys []GroupKey) groupTable {
	size := 0
	for _, k := range keys {
		switch k.Field {
		case record.SrcAddr, record.DstAddr:
			size += 18
		case record.Version, record.AccountID, record.InterfaceID:
			size += fixedKeyLen + 1 // unbounded
		case record.ActionField, record.LogStatus:
			size += 2
		default:
			size += 9
		}
	}
	if len(keys) == 1 && (keys[0].Field == record.SrcAddr || keys[0].Field == record.DstAddr) {
		return &addrTable{key: keys[0]}
	}
	if size <= fixedKeyLen {
		return &fixedTable{keys: keys}
	}
	return &stringTable{keys: keys, index: map[string]*acc{}}
}

// fixedTable keys groups by their encoding, zero-padded to a fixed size;
// the encoding of every field is self-delimiting, so padding never makes
// two keys equal.
type fixedTable struct {
	keys   []GroupKey
	groups denseGroups[[fixedKeyLen]byte, string] // named by the encoded key
	buf    []byte
}

func (t *fixedTable) add(r *record.Record) bool {
	t.buf = appendGroupKey(t.buf[:0], t.keys, r)
	t.groups.get(fixedKey(t.buf), func() string { return string(t.buf) }).add(r)
	return true
}

func fixedKey(name []byte) [fixedKeyLen]byte {
	var k [fixedKeyLen]byte
	copy(k[:], name)
	return k
}

func (t *fixedTable) merge(other groupTable) {
	t.groups.merge(&other.(*fixedTable).groups, func(name string) [fixedKeyLen]byte { return fixedKey([]byte(name)) })
}

func (t *fixedTable) rows() []groupRow {
	rows := make([]groupRow, len(t.groups.sums))
	for i := range t.groups.sums {
		rows[i] = groupRow{sums: &t.groups.sums[i], key: t.groups.names[i]}
	}
	return rows
}

// denseGroups keeps groups in a dense slice, found through a map from a
// key of bounded size, so the map holds no pointers and its entries stay
// small; names says what each group is.
type denseGroups[K comparable, N any] struct {
	index map[K]int32
	sums  []acc
	names []N
}

// get returns the sums of the group with key k, adding it, named by name(),
// the first time.
func (g *denseGroups[K, N]) get(k K, name func() N) *acc {
	i, ok := g.index[k]
	if !ok {
		if g.index == nil {
			g.index = map[K]int32{}
		}
		i = int32(len(g.sums))
		g.index[k] = i
		g.sums = append(g.sums, acc{})
		g.names = append(g.names, name())
	}
	return &g.sums[i]
}

// merge adds the groups of o; key gives the key of a group's name.
func (g *denseGroups[K, N]) merge(o *denseGroups[K, N], key func(N) K) {
	for i, name := range o.names {
		g.get(key(name), func() N { return name }).merge(&o.sums[i])
	}
}

// addrTable groups by one address, the commonest question (top talkers).
// IPv4 groups live in an open-addressing table whose slots hold the
// address and its sums side by side, so a lookup touches one cache line;
// with tens of thousands of talkers, a map from address to an index into a
// slice of sums cost two cache misses a record. IPv6 groups, fewer, use a
// map.
type addrTable struct {
	key    GroupKey
	v4     v4Table
	v6     denseGroups[[16]byte, netip.Addr]
	absent *acc // records without the address

	// IPv4 records wait here to be added in batches (see flush).
	batch  [v4Batch]v4Record
	queued int
	sink   uint32
}

// v4Batch is how many IPv4 records an addrTable adds at once.
const v4Batch = 32

// v4Record is one record waiting to be added: its address and its sums.
type v4Record struct {
	addr uint32
	sums acc
}

func (t *addrTable) add(r *record.Record) bool {
	a := r.SrcAddr
	if t.key.Field == record.DstAddr {
		a = r.DstAddr
	}
	switch {
	case !r.Has(t.key.Field):
		if t.absent == nil {
			t.absent = &acc{}
		}
		t.absent.add(r)
	case a.Is4():
		b := a.As4()
		k := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if t.key.Bits4 < 32 {
			k &= ^uint32(0) << (32 - t.key.Bits4)
		}
		t.batch[t.queued] = v4Record{addr: k, sums: sumsOf(r)}
		if t.queued++; t.queued == v4Batch {
			t.flush()
		}
	default:
		if t.key.Bits6 < 128 {
			a = netip.PrefixFrom(a, t.key.Bits6).Masked().Addr()
		}
		t.v6.get(a.As16(), func() netip.Addr { return a }).add(r)
	}
	return true
}

// flush adds the queued IPv4 records. With tens of thousands of talkers
// most lookups miss the cache; reading the home slot of every queued record
// first lets the processor wait for those misses together instead of one
// record at a time.
func (t *addrTable) flush() {
	queued := t.batch[:t.queued]
	t.queued = 0
	if len(queued) == 0 {
		return
	}
	t.v4.reserve(len(queued))
	var sink uint32
	for i := range queued {
		sink += t.v4.slots[t.v4.home(queued[i].addr)].addr
	}
	t.sink = sink
	for i := range queued {
		t.v4.get(queued[i].addr).merge(&queued[i].sums)
	}
}

func (t *addrTable) merge(other groupTable) {
	o := other.(*addrTable)
	t.flush()
	o.flush()
	if o.absent != nil {
		if t.absent == nil {
			t.absent = &acc{}
		}
		t.absent.merge(o.absent)
	}
	for i := range o.v4.slots {
		if s := &o.v4.slots[i]; s.used {
			t.v4.get(s.addr).merge(&s.sums)
		}
	}
	t.v6.merge(&o.v6, netip.Addr.As16)
}

func (t *addrTable) rows() []groupRow {
	t.flush()
	rows := make([]groupRow, 0, t.v4.used+len(t.v6.names)+1)
	if t.absent != nil {
		rows = append(rows, groupRow{sums: t.absent})
	}
	for i := range t.v4.slots {
		if s := &t.v4.slots[i]; s.used {
			a := netip.AddrFrom4([4]byte{byte(s.addr >> 24), byte(s.addr >> 16), byte(s.addr >> 8), byte(s.addr)})
			rows = append(rows, groupRow{sums: &s.sums, addr: a})
		}
	}
	for i, a := range t.v6.names {
		rows = append(rows, groupRow{sums: &t.v6.sums[i], addr: a})
	}
	return rows
}

// v4Table maps IPv4 addresses (as 32-bit numbers) to their sums, with
// linear probing in a power-of-two table kept at most three quarters full.
type v4Table struct {
	slots []v4Slot
	used  int
	shift uint // 64 - log2(len(slots)), for Fibonacci hashing
}

type v4Slot struct {
	addr uint32
	used bool
	sums acc
}

// home is the slot where the search for addr starts.
func (t *v4Table) home(addr uint32) int {
	return int(uint64(addr) * 0x9e3779b97f4a7c15 >> t.shift)
}

// reserve grows the table, if need be, to take n more groups.
func (t *v4Table) reserve(n int) {
	for 4*(t.used+n) > 3*len(t.slots) {
		t.grow()
	}
}

// get returns the sums of addr, adding an empty group the first time.
func (t *v4Table) get(addr uint32) *acc {
	t.reserve(1)
	mask := len(t.slots) - 1
	for i := t.home(addr); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if !s.used {
			s.addr, s.used = addr, true
			t.used++
			return &s.sums
		}
		if s.addr == addr {
			return &s.sums
		}
	}
}

func (t *v4Table) grow() {
	old := t.slots
	size := max(2*len(old), 1024)
	t.slots = make([]v4Slot, size)
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
	t.used = 0
	for i := range old {
		if old[i].used {
			*t.get(old[i].addr) = old[i].sums
		}
	}
}

// stringTable holds keys of any length, such as interface ids.
type stringTable struct {
	keys  []GroupKey
	index map[string]*acc
	buf   []byte
}

func (t *stringTable) add(r *record.Record) bool {
	t.buf = appendGroupKey(t.buf[:0], t.keys, r)
	a := t.index[string(t.buf)]
	if a == nil {
		a = &acc{}
		t.index[string(t.buf)] = a
	}
	a.add(r)
	return true
}

func (t *stringTable) merge(other groupTable) {
	for k, a := range other.(*stringTable).index {
		if b := t.index[k]; b != nil {
			b.merge(a)
			continue
		}
		t.index[k] = a
	}
}

func (t *stringTable) rows() []groupRow {
	rows := make([]groupRow, 0, len(t.index))
	for k, a := range t.index {
		rows = append(rows, groupRow{sums: a, key: k})
	}
	return rows
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
	readers, err := q.forEachInput(ctx, q.need(need), func(rd *reader, i int) error {
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
	metric := func(a *acc) uint64 {
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
	rows = best(rows, top, func(x, y groupRow) int {
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

// best returns the top rows in the order of compare, all of them when top
// is 0. A small top is selected in one pass, keeping the best so far in
// order, rather than by sorting tens of thousands of groups.
func best(rows []groupRow, top int, compare func(x, y groupRow) int) []groupRow {
	if top <= 0 || top > 64 || len(rows) <= top {
		slices.SortFunc(rows, compare)
		if top > 0 && len(rows) > top {
			rows = rows[:top]
		}
		return rows
	}
	kept := make([]groupRow, 0, top+1)
	for _, row := range rows {
		if len(kept) == top && compare(row, kept[top-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(kept, row, compare)
		kept = slices.Insert(kept, i, row)
		if len(kept) > top {
			kept = kept[:top]
		}
	}
	return kept
}

// decode returns the row's key values.
func (row groupRow) decode(keys []GroupKey) []KeyValue {
	if row.key != "" {
		return decodeGroupKey(row.key, keys)
	}
	// An addrTable's row: one address key.
	if !row.addr.IsValid() {
		return []KeyValue{{}}
	}
	bits := keys[0].Bits6
	if row.addr.Is4() {
		bits = keys[0].Bits4
	}
	return []KeyValue{{Present: true, Addr: netip.PrefixFrom(row.addr, bits)}}
}

// appendGroupKey encodes the key fields of r into a byte string that sorts
// like the values: absent first, then IPv4 before IPv6, numbers big-endian.
func appendGroupKey(dst []byte, keys []GroupKey, r *record.Record) []byte {
	for _, k := range keys {
		if !r.Has(k.Field) {
			dst = append(dst, 0)
			continue
		}
		switch k.Field {
		case record.SrcAddr, record.DstAddr:
			a := r.SrcAddr
			if k.Field == record.DstAddr {
				a = r.DstAddr
			}
			bits, family := k.Bits6, byte(6)
			if a.Is4() {
				bits, family = k.Bits4, 4
			}
			if p, err := a.Prefix(bits); err == nil {
				a = p.Addr()
			}
			dst = append(dst, family, byte(bits))
			b := a.As16()
			dst = append(dst, b[:]...)
		case record.Version, record.AccountID, record.InterfaceID:
			v := r.Version
			switch k.Field {
			case record.AccountID:
				v = r.AccountID
			case record.InterfaceID:
				v = r.InterfaceID
			}
			dst = append(dst, 1)
			dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
			dst = append(dst, v...)
		case record.ActionField:
			dst = append(dst, 1, byte(r.Action))
		case record.LogStatus:
			dst = append(dst, 1, byte(r.Status))
		default:
			u, _ := r.Uint(k.Field)
			dst = append(dst, 1)
			dst = binary.BigEndian.AppendUint64(dst, u)
		}
	}
	return dst
}

func decodeGroupKey(s string, keys []GroupKey) []KeyValue {
	b := []byte(s)
	out := make([]KeyValue, len(keys))
	for i, k := range keys {
		if b[0] == 0 {
			b = b[1:]
			continue
		}
		v := KeyValue{Present: true}
		switch k.Field {
		case record.SrcAddr, record.DstAddr:
			family, bits := b[0], int(b[1])
			a := netip.AddrFrom16([16]byte(b[2:18]))
			if family == 4 {
				a = a.Unmap()
			}
			v.Addr = netip.PrefixFrom(a, bits)
			b = b[18:]
		case record.Version, record.AccountID, record.InterfaceID:
			n := int(binary.BigEndian.Uint16(b[1:]))
			v.Text = string(b[3 : 3+n])
			b = b[3+n:]
		case record.ActionField:
			v.Text = record.Action(b[1]).String()
			b = b[2:]
		case record.LogStatus:
			v.Text = record.Status(b[1]).String()
			b = b[2:]
		default:
			v.Num = binary.BigEndian.Uint64(b[1:])
			b = b[9:]
		}
		out[i] = v
	}
	return out
}
