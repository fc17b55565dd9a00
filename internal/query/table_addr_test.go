package query

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/record"
)

// Merging address tables gives the same groups whichever table is larger
// and whichever side it is on: merge folds the smaller into the larger.
func TestAddrTableMergeEitherWay(t *testing.T) {
	keys, err := ParseGroupKeys("srcaddr")
	if err != nil {
		t.Fatal(err)
	}
	fill := func(from, n int) groupTable {
		tab := newGroupTable(keys)
		for i := from; i < from+n; i++ {
			addr := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
			line := fmt.Sprintf("2 1 eni-1 %s 10.0.0.2 1 2 6 1 %d 1600000000 1600000060 ACCEPT OK", addr, i)
			var r record.Record
			if err := record.Parse([]byte(line), record.AllFields, &r); err != nil {
				t.Fatal(err)
			}
			tab.add(&r)
		}
		return tab
	}
	render := func(tab groupTable) string {
		var lines []string
		for _, r := range tab.rows() {
			lines = append(lines, fmt.Sprintf("%x %d %d %d", r.key, r.sums.flows, r.sums.packets, r.sums.bytes))
		}
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	// 3,000 and 100,000 groups, overlapping in 1,000.
	small, large := fill(0, 3000), fill(2000, 100000)
	small.merge(large)
	a := render(small)
	small, large = fill(0, 3000), fill(2000, 100000)
	large.merge(small)
	b := render(large)
	if a != b {
		t.Fatal("merging the small table into the large one and the other way round differ")
	}
	if n := strings.Count(a, "\n") + 1; n != 102000 {
		t.Fatalf("%d groups, want 102000", n)
	}
	if !strings.Contains(a, " 2 2 4000") { // 10.0.7.208 (2000) is in both
		t.Errorf("an address in both tables is not summed once per table")
	}
}
