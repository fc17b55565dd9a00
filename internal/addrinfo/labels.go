package addrinfo

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// labelTable finds the label of an address: the label of the longest
// prefix that holds it.
type labelTable struct {
	names   []string      // sorted; Info.Label is an index + 1
	entries []labelPrefix // longest prefixes first
}

type labelPrefix struct {
	prefix netip.Prefix
	label  uint16
}

func newLabelTable(labels map[string][]netip.Prefix) (labelTable, error) {
	var t labelTable
	for name := range labels {
		if strings.TrimSpace(name) == "" {
			return t, fmt.Errorf("labels: a label has an empty name")
		}
		t.names = append(t.names, name)
	}
	slices.Sort(t.names)
	if len(t.names) > 0xfffe {
		return t, fmt.Errorf("labels: %d labels, at most %d", len(t.names), 0xfffe)
	}
	owner := map[netip.Prefix]string{}
	for i, name := range t.names {
		for _, p := range labels[name] {
			p = p.Masked()
			if other, dup := owner[p]; dup && other != name {
				return t, fmt.Errorf("labels: %s is under both %s and %s", p, other, name)
			}
			owner[p] = name
			t.entries = append(t.entries, labelPrefix{prefix: p, label: uint16(i + 1)})
		}
	}
	slices.SortStableFunc(t.entries, func(a, b labelPrefix) int { return cmp.Compare(b.prefix.Bits(), a.prefix.Bits()) })
	return t, nil
}

// lookup returns the label of a (0 for none), and whether every address of
// block, which holds a, has that label too.
func (t *labelTable) lookup(a netip.Addr, block netip.Prefix) (label uint16, uniform bool) {
	uniform = true
	for _, e := range t.entries {
		if e.prefix.Addr().Is4() != a.Is4() {
			continue
		}
		if e.prefix.Bits() > block.Bits() && e.prefix.Overlaps(block) {
			// A longer prefix inside the block: its addresses differ.
			uniform = false
		}
		if e.prefix.Contains(a) {
			return e.label, uniform
		}
	}
	return 0, uniform
}
