package query

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
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

type acc struct {
	flows, packets, bytes uint64
	first, last           int64
}

func (a *acc) add(r *record.Record) {
	a.flows++
	a.packets += r.Packets
	a.bytes += r.Bytes
	if r.Has(record.Start) && (a.first == 0 || r.Start < a.first) {
		a.first = r.Start
	}
	if r.Has(record.End) && r.End > a.last {
		a.last = r.End
	}
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
// keys up in a table of tens of thousands of groups, so the table is laid
// out for few cache misses: the key is kept inline in the map when it has a
// bounded size, and the sums live in a dense slice.
type groupTable interface {
	add(keys []GroupKey, r *record.Record)
	each(fn func(key string, a *acc))
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
		return &addrTable{key: keys[0], v4: map[uint32]int32{}, v6: map[[16]byte]int32{}}
	}
	if size <= fixedKeyLen {
		return &fixedTable{index: map[[fixedKeyLen]byte]int32{}}
	}
	return &stringTable{index: map[string]*acc{}}
}

// fixedTable keys groups by their encoding, zero-padded to a fixed size;
// the encoding of every field is self-delimiting, so padding never makes
// two keys equal.
type fixedTable struct {
	index map[[fixedKeyLen]byte]int32
	accs  []acc
	keys  []string
	buf   []byte
}

func (t *fixedTable) add(keys []GroupKey, r *record.Record) {
	t.buf = appendGroupKey(t.buf[:0], keys, r)
	var k [fixedKeyLen]byte
	copy(k[:], t.buf)
	i, ok := t.index[k]
	if !ok {
		i = int32(len(t.accs))
		t.index[k] = i
		t.accs = append(t.accs, acc{})
		t.keys = append(t.keys, string(t.buf))
	}
	t.accs[i].add(r)
}

func (t *fixedTable) each(fn func(string, *acc)) {
	for i := range t.accs {
		fn(t.keys[i], &t.accs[i])
	}
}

// addrTable groups by one address, the commonest question (top talkers):
// IPv4 addresses as plain 32-bit keys, which the map hashes fastest.
type addrTable struct {
	key    GroupKey
	v4     map[uint32]int32
	v6     map[[16]byte]int32
	accs   []acc
	addrs  []netip.Addr // the (masked) address of each group; invalid for "-"
	absent int32        // index of the group of records without the address, -1 before one
	init   bool
}

func (t *addrTable) add(_ []GroupKey, r *record.Record) {
	if !t.init {
		t.absent, t.init = -1, true
	}
	a := r.SrcAddr
	if t.key.Field == record.DstAddr {
		a = r.DstAddr
	}
	var i int32
	var ok bool
	switch {
	case !r.Has(t.key.Field):
		i, ok = t.absent, t.absent >= 0
		if !ok {
			t.absent = int32(len(t.accs))
			i = t.absent
		}
	case a.Is4():
		if t.key.Bits4 < 32 {
			a = netip.PrefixFrom(a, t.key.Bits4).Masked().Addr()
		}
		b := a.As4()
		k := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if i, ok = t.v4[k]; !ok {
			i = int32(len(t.accs))
			t.v4[k] = i
		}
	default:
		if t.key.Bits6 < 128 {
			a = netip.PrefixFrom(a, t.key.Bits6).Masked().Addr()
		}
		k := a.As16()
		if i, ok = t.v6[k]; !ok {
			i = int32(len(t.accs))
			t.v6[k] = i
		}
	}
	if !ok {
		t.accs = append(t.accs, acc{})
		if !r.Has(t.key.Field) {
			a = netip.Addr{}
		}
		t.addrs = append(t.addrs, a)
	}
	t.accs[i].add(r)
}

func (t *addrTable) each(fn func(string, *acc)) {
	var r record.Record
	keys := []GroupKey{t.key}
	var buf []byte
	for i := range t.accs {
		// Encode the key as appendGroupKey does, so groups from every kind of
		// table merge and decode alike.
		r.Present = 0
		if a := t.addrs[i]; a.IsValid() {
			r.SrcAddr, r.DstAddr = a, a
			r.Present = r.Present.With(t.key.Field)
		}
		buf = appendGroupKey(buf[:0], keys, &r)
		fn(string(buf), &t.accs[i])
	}
}

// stringTable holds keys of any length, such as interface ids.
type stringTable struct {
	index map[string]*acc
	buf   []byte
}

func (t *stringTable) add(keys []GroupKey, r *record.Record) {
	t.buf = appendGroupKey(t.buf[:0], keys, r)
	a := t.index[string(t.buf)]
	if a == nil {
		a = &acc{}
		t.index[string(t.buf)] = a
	}
	a.add(r)
}

func (t *stringTable) each(fn func(string, *acc)) {
	for k, a := range t.index {
		fn(k, a)
	}
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
		return rd.read(ctx, q.Inputs[i], func(r *record.Record) bool {
			t.add(keys, r)
			return true
		})
	})
	stats := sumStats(readers, start)
	if err != nil {
		return nil, stats, err
	}

	merged := map[string]*acc{}
	for _, t := range tables {
		if t == nil {
			continue
		}
		t.each(func(k string, a *acc) {
			b := merged[k]
			if b == nil {
				merged[k] = a
				return
			}
			b.merge(a)
		})
	}

	type entry struct {
		key string
		a   *acc
	}
	entries := make([]entry, 0, len(merged))
	for k, a := range merged {
		entries = append(entries, entry{k, a})
	}
	metric := func(a *acc) uint64 {
		switch sortBy {
		case SortPackets:
			return a.packets
		case SortBytes:
			return a.bytes
		}
		return a.flows
	}
	slices.SortFunc(entries, func(x, y entry) int {
		if c := cmp.Compare(metric(y.a), metric(x.a)); c != 0 {
			return c
		}
		return strings.Compare(x.key, y.key)
	})
	if top > 0 && len(entries) > top {
		entries = entries[:top]
	}
	groups := make([]Group, len(entries))
	for i, e := range entries {
		groups[i] = Group{
			Key:        decodeGroupKey(e.key, keys),
			Flows:      e.a.flows,
			Packets:    e.a.packets,
			Bytes:      e.a.bytes,
			FirstStart: e.a.first,
			LastEnd:    e.a.last,
		}
	}
	return groups, stats, nil
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
