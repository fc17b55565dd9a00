package query

import (
	"bytes"
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/record"
)

// FuzzParseGroupKeys: any --group-by value is an error or keys whose names
// parse back to the same keys; a time key's interval holds the time.
func FuzzParseGroupKeys(f *testing.F) {
	for _, s := range []string{"time/10m", "time/1h,action", "conversation,time/1d", "srcaddr/24,time/90s", "time/1w", "time/-1h", "time/1e3s", "conv,,time/7d1h", "TIME/1H"} {
		f.Add(s, int64(1795510805))
	}
	f.Fuzz(func(t *testing.T, spec string, at int64) {
		keys, err := ParseGroupKeys(spec)
		if err != nil {
			return
		}
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = k.Name()
		}
		again, err := ParseGroupKeys(strings.Join(names, ","))
		if err != nil || !slices.Equal(again, keys) {
			t.Fatalf("%q: names %v parse back to %v, %v", spec, names, again, err)
		}
		if k, ok := (&Plan{Keys: keys}).TimeKey(); ok {
			at %= 1 << 40
			start := k.interval(at)
			if start > at || at >= start+k.Step {
				t.Fatalf("%q: interval(%d) = %d, outside [start, start+%d)", spec, at, start, k.Step)
			}
		}
	})
}

// FuzzConversationKey: both directions of a 5-tuple encode to the same
// conversation, differing only in the direction byte, and decode to it.
func FuzzConversationKey(f *testing.F) {
	f.Add([]byte{10, 0, 0, 5}, []byte{203, 0, 113, 9}, uint16(44321), uint16(443), uint8(6))
	f.Add([]byte{10, 0, 0, 5}, []byte{10, 0, 0, 5}, uint16(53), uint16(53), uint8(17))
	f.Add(make([]byte, 16), []byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, uint16(0), uint16(0), uint8(58))
	f.Add([]byte{192, 0, 2, 1}, []byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, uint16(8080), uint16(50000), uint8(6))
	f.Fuzz(func(t *testing.T, a, b []byte, pa, pb uint16, proto uint8) {
		addr := func(x []byte) (netip.Addr, bool) {
			switch len(x) {
			case 4:
				return netip.AddrFrom4([4]byte(x)), true
			case 16:
				return netip.AddrFrom16([16]byte(x)), true
			}
			return netip.Addr{}, false
		}
		src, ok1 := addr(a)
		dst, ok2 := addr(b)
		if !ok1 || !ok2 {
			return
		}
		keys := []GroupKey{{Conversation: true}}
		all := record.AllFields
		there := record.Record{SrcAddr: src, DstAddr: dst, SrcPort: pa, DstPort: pb, Protocol: proto, Present: all}
		back := record.Record{SrcAddr: dst, DstAddr: src, SrcPort: pb, DstPort: pa, Protocol: proto, Present: all}
		k1 := appendGroupKey(nil, keys, &there)
		k2 := appendGroupKey(nil, keys, &back)
		if len(k1) != len(k2) || len(k1) > maxConversationLen || string(k1[:len(k1)-1]) != string(k2[:len(k2)-1]) {
			t.Fatalf("directions encode differently: %x, %x", k1, k2)
		}
		if src != dst || pa != pb {
			if k1[len(k1)-1] == k2[len(k2)-1] {
				t.Fatalf("both directions marked the same: %x, %x", k1, k2)
			}
		}
		if segmentLen(k1, keys[0]) != len(k1) {
			t.Fatalf("segmentLen %d, encoded %d bytes", segmentLen(k1, keys[0]), len(k1))
		}
		c := decodeGroupKey(string(k1), keys)[0].Conv
		want, _ := conversationOf(&there)
		if src.Is4() != dst.Is4() {
			// Mixed families are written as IPv6 (IPv4-mapped).
			want.Client, want.Server = netip.AddrFrom16(want.Client.As16()), netip.AddrFrom16(want.Server.As16())
		}
		if c == nil || *c != want {
			t.Fatalf("decoded %+v, want %+v", c, want)
		}
		if c.ServerPort > c.ClientPort {
			t.Fatalf("server port %d above client port %d", c.ServerPort, c.ClientPort)
		}
	})
}

// FuzzAddrKey: an address key, masked to any prefix lengths, decodes to
// the masked address; the encodings of two records sort as their values do
// (absent, then IPv4, then IPv6, numerically), which ties in a top N rely
// on; and a table holds the same encoding as appendGroupKey writes.
func FuzzAddrKey(f *testing.F) {
	f.Add([]byte{10, 0, 0, 1}, []byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, uint8(24), uint8(64), uint16(443), uint16(22))
	f.Add([]byte{}, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}, uint8(0), uint8(128), uint16(0), uint16(65535))
	f.Add([]byte{255, 255, 255, 255}, []byte{1, 2, 3, 4}, uint8(32), uint8(0), uint16(80), uint16(80))
	f.Fuzz(func(t *testing.T, a, b []byte, bits4, bits6 uint8, pa, pb uint16) {
		spec := fmt.Sprintf("srcaddr/%d/%d,dstport", bits4%33, bits6%129)
		keys, err := ParseGroupKeys(spec)
		if err != nil {
			t.Skip(err) // not every spelling of two prefix lengths is a key
		}
		recordOf := func(raw []byte, port uint16) *record.Record {
			r := &record.Record{DstPort: port, Present: record.FieldSet(0).With(record.DstPort)}
			if addr, ok := netip.AddrFromSlice(raw); ok {
				r.SrcAddr = addr
				r.Present = r.Present.With(record.SrcAddr)
			}
			return r
		}
		ra, rb := recordOf(a, pa), recordOf(b, pb)
		ka, kb := appendGroupKey(nil, keys, ra), appendGroupKey(nil, keys, rb)
		for _, c := range []struct {
			r   *record.Record
			key []byte
		}{{ra, ka}, {rb, kb}} {
			got := decodeGroupKey(string(c.key), keys)
			want := KeyValue{}
			if c.r.Has(record.SrcAddr) {
				bits := keys[0].Bits6
				if c.r.SrcAddr.Is4() {
					bits = keys[0].Bits4
				}
				want = KeyValue{Present: true, Addr: netip.PrefixFrom(netip.PrefixFrom(c.r.SrcAddr, bits).Masked().Addr(), bits)}
			}
			if got[0] != want || got[1].Num != uint64(c.r.DstPort) {
				t.Fatalf("%s of %v: decoded %v, want %v and port %d", spec, c.r.SrcAddr, got, want, c.r.DstPort)
			}
			w := appendKeyWords(nil, encodeTableKey(nil, keys, c.r))
			if keyString(w) != string(c.key) || len(entryKey(w)) != len(w) {
				t.Fatalf("%s of %v: the table holds %x, appendGroupKey wrote %x", spec, c.r.SrcAddr, keyString(w), c.key)
			}
		}
		order := func(r *record.Record) (int, netip.Addr) {
			if !r.Has(record.SrcAddr) {
				return 0, netip.Addr{}
			}
			va := decodeGroupKey(string(appendGroupKey(nil, keys, r)), keys)[0].Addr.Addr()
			if va.Is4() {
				return 1, va
			}
			return 2, va
		}
		fa, va := order(ra)
		fb, vb := order(rb)
		want := cmp.Or(cmp.Compare(fa, fb), va.Compare(vb), cmp.Compare(pa, pb))
		if got := bytes.Compare(ka, kb); got != want {
			t.Fatalf("%s: %v:%d vs %v:%d compare %d encoded, %d as values", spec, ra.SrcAddr, pa, rb.SrcAddr, pb, got, want)
		}
	})
}
