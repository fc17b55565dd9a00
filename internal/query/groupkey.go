package query

import (
	"fmt"
	"strconv"
	"strings"

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
	if k.Field.Kind() != record.KindAddr {
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
		f, ok := record.FieldByName(parts[0])
		if !ok {
			return nil, fmt.Errorf("unknown field %q: use one of %s", parts[0], strings.Join(record.KnownFieldNames(), ", "))
		}
		k := GroupKey{Field: f, Bits4: 32, Bits6: 128}
		if len(parts) > 1 {
			if f.Kind() != record.KindAddr {
				return nil, fmt.Errorf("%q: only address fields (srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr) take a mask", term)
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
