package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/timespec"
)

// GroupKey is one --group-by term: a record field, and for address fields
// the prefix lengths to mask IPv4 and IPv6 addresses to (srcaddr/24/64);
// or the start of a record's interval (time/10m); or its conversation.
type GroupKey struct {
	Field record.Field
	Bits4 int // 0..32; 32 keeps the whole IPv4 address
	Bits6 int // 0..128

	// Derived, when set, is a name of the address in Field (src.asn):
	// see names.go.
	Derived addrinfo.Field
	names   *addrinfo.Names
	cache   *addrinfo.Cache // a worker's table's own
	// Step, for a time key, is the interval in seconds; Field is then
	// record.Start. 0 for every other key.
	Step int64
	// Conversation folds both directions of a 5-tuple into one group
	// (see conversationOf); Field is then unused.
	Conversation bool
}

// IsTime reports whether k is a time/DURATION key.
func (k GroupKey) IsTime() bool { return k.Step > 0 }

// Name is the key as written in --group-by.
func (k GroupKey) Name() string {
	switch {
	case k.Derived.Attr != 0:
		return k.Derived.String()
	case k.IsTime():
		return "time/" + formatStep(k.Step)
	case k.Conversation:
		return "conversation"
	}
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

// ParseGroupKeys parses a --group-by value: FIELD[/BITS4[/BITS6]],
// time/DURATION and conversation, comma separated.
func ParseGroupKeys(spec string) ([]GroupKey, error) {
	return ParseGroupKeysWith(spec, nil)
}

// ParseGroupKeysWith is ParseGroupKeys that also takes names of addresses
// (src.asn, dst.label, ...), looked up in names.
func ParseGroupKeysWith(spec string, names *addrinfo.Names) ([]GroupKey, error) {
	var keys []GroupKey
	for _, term := range strings.Split(spec, ",") {
		term = strings.TrimSpace(term)
		if term == "" {
			continue
		}
		if k, ok, err := derivedGroupKey(term, names); err != nil {
			return nil, err
		} else if ok {
			for _, prev := range keys {
				if prev.Derived == k.Derived {
					return nil, fmt.Errorf("%q is named twice", term)
				}
			}
			keys = append(keys, k)
			continue
		}
		parts := strings.Split(term, "/")
		if special, ok, err := parseSpecialKey(term, parts); err != nil {
			return nil, err
		} else if ok {
			for _, prev := range keys {
				switch {
				case prev.IsTime() && special.IsTime():
					return nil, fmt.Errorf("%q: only one time key can be given", term)
				case prev.Conversation && special.Conversation:
					return nil, fmt.Errorf("%q: only one conversation key can be given", term)
				}
			}
			keys = append(keys, special)
			continue
		}
		f, ok := record.FieldByName(parts[0])
		if !ok {
			return nil, fmt.Errorf("unknown field %q: use time/DURATION, conversation or one of %s", parts[0], strings.Join(record.KnownFieldNames(), ", "))
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

// maxStep bounds a time key's interval: a year is already one row.
const maxStep = 366 * 24 * 3600

// parseSpecialKey reads the keys that are not record fields: time/DURATION
// and conversation. ok is false for any other term.
func parseSpecialKey(term string, parts []string) (k GroupKey, ok bool, err error) {
	switch strings.ToLower(parts[0]) {
	case "time":
		if len(parts) != 2 {
			return k, true, fmt.Errorf("%q: a time key names its interval: time/10m, time/1h, time/1d", term)
		}
		d, err := timespec.ParseDuration(parts[1])
		if err != nil || d < time.Second || d%time.Second != 0 || d > maxStep*time.Second {
			return k, true, fmt.Errorf("%q: the interval must be whole seconds from 1s to 366d, e.g. 10m, 1h, 1d", term)
		}
		return GroupKey{Field: record.Start, Bits4: 32, Bits6: 128, Step: int64(d / time.Second)}, true, nil
	case "conversation", "conv":
		if len(parts) != 1 {
			return k, true, fmt.Errorf("%q: conversation takes no mask", term)
		}
		return GroupKey{Bits4: 32, Bits6: 128, Conversation: true}, true, nil
	}
	return k, false, nil
}

// formatStep spells an interval of sec seconds in its largest whole unit.
func formatStep(sec int64) string {
	for _, u := range []struct {
		unit string
		sec  int64
	}{{"w", 7 * 86400}, {"d", 86400}, {"h", 3600}, {"m", 60}} {
		if sec%u.sec == 0 {
			return strconv.FormatInt(sec/u.sec, 10) + u.unit
		}
	}
	return strconv.FormatInt(sec, 10) + "s"
}

// weekOrigin is Monday 1970-01-05 00:00 UTC: intervals of whole weeks start
// on Mondays, not on Thursdays as the unix epoch did.
const weekOrigin = 4 * 86400

// interval returns the start of the interval of time key k that holds the
// unix time t. Intervals are aligned to UTC: an hour starts on the hour, a
// day at midnight UTC, a week on Monday.
func (k GroupKey) interval(t int64) int64 {
	origin := int64(0)
	if k.Step%(7*86400) == 0 {
		origin = weekOrigin
	}
	d := t - origin
	q := d / k.Step
	if d%k.Step < 0 {
		q--
	}
	return origin + q*k.Step
}

// fields lists the record fields the key reads.
func (k GroupKey) fields() record.FieldSet {
	if k.Conversation {
		return record.FieldSet(0).With(record.SrcAddr).With(record.DstAddr).With(record.SrcPort).With(record.DstPort).With(record.Protocol)
	}
	return record.FieldSet(0).With(k.Field)
}
