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
	"unsafe"

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

// groupTable is one worker's groups. Aggregation spends its time looking
// keys up in a table of tens of thousands of groups, so each kind of table
// is laid out for few cache misses: see fixedKeyTable and addrTable.
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
	sums *groupSums
	addr netip.Addr // addrTable: the (masked) address; invalid for "-"
	key  string     // other tables
}

// fixedKeyLen bounds the keys a fixedKeyTable holds inline.
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
		return &addrTable{key: keys[0], mask: maskOf(keys[0].Bits4, keys[0].Bits6)}
	}
	if size <= fixedKeyLen {
		return &fixedKeyTable{keys: keys}
	}
	return &stringKeyTable{keys: keys, index: map[string]*groupSums{}}
}

// fixedKeyTable keys groups by their encoding, zero-padded to a fixed size;
// the encoding of every field is self-delimiting, so padding never makes
// two keys equal. The map holds no pointers and its entries stay small:
// the sums live in a dense slice, beside the encoded key of each group.
type fixedKeyTable struct {
	keys  []GroupKey
	index map[[fixedKeyLen]byte]int32
	sums  []groupSums
	names []string // the encoded key of each group
	buf   []byte
}

func (t *fixedKeyTable) add(r *record.Record) bool {
	t.buf = appendGroupKey(t.buf[:0], t.keys, r)
	t.get(t.buf).add(r)
	return true
}

// get returns the sums of the group with encoded key name, adding the
// group the first time.
func (t *fixedKeyTable) get(name []byte) *groupSums {
	var k [fixedKeyLen]byte
	copy(k[:], name)
	i, ok := t.index[k]
	if !ok {
		if t.index == nil {
			t.index = map[[fixedKeyLen]byte]int32{}
		}
		i = int32(len(t.sums))
		t.index[k] = i
		t.sums = append(t.sums, groupSums{})
		t.names = append(t.names, string(name))
	}
	return &t.sums[i]
}

func (t *fixedKeyTable) merge(other groupTable) {
	o := other.(*fixedKeyTable)
	for i, name := range o.names {
		t.get([]byte(name)).merge(&o.sums[i])
	}
}

func (t *fixedKeyTable) rows() []groupRow {
	rows := make([]groupRow, len(t.sums))
	for i := range t.sums {
		rows[i] = groupRow{sums: &t.sums[i], key: t.names[i]}
	}
	return rows
}

// addrTable groups by one address, the commonest question (top talkers).
// Groups live in an open-addressing table whose slots hold the address and
// its sums side by side, one cache line a slot, so a lookup touches one
// line; with tens of thousands of talkers, a map from address to an index
// into a slice of sums cost two cache misses a record.
type addrTable struct {
	key    GroupKey
	mask   addrMask
	groups addrSlotTable
	absent *groupSums // records without the address

	// Records wait here to be added in batches (see flush), with the
	// slots where their search starts.
	batch  [addrBatch]queuedRecord
	homes  [addrBatch]int
	queued int
}

// addrBatch is how many records an addrTable adds at once.
const addrBatch = 32

// queuedRecord is one record waiting to be added: its key and its sums.
type queuedRecord struct {
	key  addrKey
	sums groupSums
}

func (t *addrTable) add(r *record.Record) bool {
	a := r.SrcAddr
	if t.key.Field == record.DstAddr {
		a = r.DstAddr
	}
	if !r.Has(t.key.Field) {
		if t.absent == nil {
			t.absent = &groupSums{}
		}
		t.absent.add(r)
		return true
	}
	// Fill the batch entry in place: building it on the stack and copying
	// it stalled on the partial stores (a store-forwarding failure per
	// record).
	e := &t.batch[t.queued]
	e.key = addrKeyOf(a, t.mask)
	e.sums.flows, e.sums.packets, e.sums.bytes = 1, r.Packets, r.Bytes
	e.sums.first, e.sums.last = r.Start, r.End
	if len(t.groups.slots) > 0 {
		// By the time the batch is added its slot has arrived.
		h := t.groups.home(e.key)
		t.homes[t.queued] = h
		prefetch(unsafe.Pointer(&t.groups.slots[h]))
	}
	if t.queued++; t.queued == addrBatch {
		t.flush()
	}
	return true
}

// flush adds the queued records. With tens of thousands of talkers most
// lookups miss the cache; add asked for each record's home slot when it
// queued the record, so the misses of a batch overlap with the parsing of
// the lines after it instead of stalling one record at a time.
func (t *addrTable) flush() {
	queued := t.batch[:t.queued]
	t.queued = 0
	if t.groups.reserve(len(queued)) {
		// The table grew: the homes add found are out of date.
		for i := range queued {
			t.homes[i] = t.groups.home(queued[i].key)
		}
	}
	for i := range queued {
		t.groups.find(queued[i].key, t.homes[i]).merge(&queued[i].sums)
	}
}

func (t *addrTable) merge(other groupTable) {
	o := other.(*addrTable)
	t.flush()
	o.flush()
	if o.absent != nil {
		if t.absent == nil {
			t.absent = &groupSums{}
		}
		t.absent.merge(o.absent)
	}
	for i := range o.groups.slots {
		if s := &o.groups.slots[i]; s.key.family != 0 {
			t.groups.get(s.key).merge(&s.sums)
		}
	}
}

func (t *addrTable) rows() []groupRow {
	t.flush()
	rows := make([]groupRow, 0, t.groups.used+1)
	if t.absent != nil {
		rows = append(rows, groupRow{sums: t.absent})
	}
	for i := range t.groups.slots {
		if s := &t.groups.slots[i]; s.key.family != 0 {
			rows = append(rows, groupRow{sums: &s.sums, addr: s.key.addr()})
		}
	}
	return rows
}

// addrKey is an address as a table key: its sixteen bytes as two
// big-endian words (an IPv4 address in the low 32 bits of lo) and its
// family, 4 or 6. The zero key, family 0, marks an empty slot.
type addrKey struct {
	hi, lo uint64
	family uint8
}

// addrMask keeps the network part of an address: of an IPv4 address in
// v4, of an IPv6 address in hi and lo, laid out as in a addrKey.
type addrMask struct {
	v4, hi, lo uint64
}

// maskOf returns the mask that keeps the first bits4 bits of an IPv4
// address and the first bits6 bits of an IPv6 address.
func maskOf(bits4, bits6 int) addrMask {
	m := addrMask{v4: ^uint64(0) << (32 - bits4) & 0xffffffff, hi: ^uint64(0), lo: ^uint64(0)}
	switch {
	case bits6 <= 64:
		m.hi = ^uint64(0) << (64 - bits6)
		m.lo = 0
	case bits6 < 128:
		m.lo = ^uint64(0) << (128 - bits6)
	}
	return m
}

// addrKeyOf returns the key of address a, masked by m (from maskOf).
func addrKeyOf(a netip.Addr, m addrMask) addrKey {
	if a.Is4() {
		b := a.As4()
		return addrKey{lo: uint64(binary.BigEndian.Uint32(b[:])) & m.v4, family: 4}
	}
	b := a.As16()
	return addrKey{hi: binary.BigEndian.Uint64(b[:8]) & m.hi, lo: binary.BigEndian.Uint64(b[8:]) & m.lo, family: 6}
}

// addr returns the address of key k.
func (k addrKey) addr() netip.Addr {
	if k.family == 4 {
		return netip.AddrFrom4([4]byte{byte(k.lo >> 24), byte(k.lo >> 16), byte(k.lo >> 8), byte(k.lo)})
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], k.hi)
	binary.BigEndian.PutUint64(b[8:], k.lo)
	return netip.AddrFrom16(b)
}

// addrSlotTable maps address keys to their sums, with linear probing in a
// power-of-two table kept at most three quarters full.
type addrSlotTable struct {
	slots []addrSlot
	used  int
	shift uint // 64 - log2(len(slots)), for Fibonacci hashing
}

// addrSlot is one slot, 64 bytes: a key and its sums. A table of them is
// a large allocation, which starts at a page, so every slot is one cache
// line.
type addrSlot struct {
	key  addrKey
	sums groupSums
}

// home is the slot where the search for k starts.
func (t *addrSlotTable) home(k addrKey) int {
	return int((k.lo ^ k.hi*0x2545f4914f6cdd1d) * 0x9e3779b97f4a7c15 >> t.shift)
}

// reserve grows the table, if need be, to take n more groups. It reports
// whether it grew.
func (t *addrSlotTable) reserve(n int) bool {
	grew := false
	for 4*(t.used+n) > 3*len(t.slots) {
		t.grow()
		grew = true
	}
	return grew
}

// get returns the sums of k, adding an empty group the first time.
func (t *addrSlotTable) get(k addrKey) *groupSums {
	t.reserve(1)
	return t.find(k, t.home(k))
}

// find is get for a table with room reserved for k, searching from home,
// k's home slot.
func (t *addrSlotTable) find(k addrKey, home int) *groupSums {
	mask := len(t.slots) - 1
	for i := home; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key.family == 0 {
			s.key = k
			t.used++
			return &s.sums
		}
		if s.key == k {
			return &s.sums
		}
	}
}

func (t *addrSlotTable) grow() {
	old := t.slots
	size := max(2*len(old), 1024)
	t.slots = make([]addrSlot, size)
	// Write the new memory before the first read: a fresh page read first
	// maps the kernel's zero page, and the write after it then costs a
	// copy-on-write fault that flushes the TLB of every CPU running this
	// process (2% of a group-by in a profile).
	clear(t.slots)
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
	t.used = 0
	for i := range old {
		if old[i].key.family != 0 {
			*t.get(old[i].key) = old[i].sums
		}
	}
}

// stringKeyTable holds keys of any length, such as interface ids.
type stringKeyTable struct {
	keys  []GroupKey
	index map[string]*groupSums
	buf   []byte
}

func (t *stringKeyTable) add(r *record.Record) bool {
	t.buf = appendGroupKey(t.buf[:0], t.keys, r)
	a := t.index[string(t.buf)]
	if a == nil {
		a = &groupSums{}
		t.index[string(t.buf)] = a
	}
	a.add(r)
	return true
}

func (t *stringKeyTable) merge(other groupTable) {
	for k, a := range other.(*stringKeyTable).index {
		if b := t.index[k]; b != nil {
			b.merge(a)
			continue
		}
		t.index[k] = a
	}
}

func (t *stringKeyTable) rows() []groupRow {
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

// topN returns the top rows in the order of compare, all of them when top
// is 0. A small top is selected in one pass, keeping the best so far in
// order, rather than by sorting tens of thousands of groups.
func topN(rows []groupRow, top int, compare func(x, y groupRow) int) []groupRow {
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
