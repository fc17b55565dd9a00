package expr

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/flowlog/flowlog/internal/record"
)

// Tree shows every term as what it means, so a translator never has to
// read the text again.
func TestTree(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want Node
	}{
		{"src net 10.1.2.3/15 and not (port 22 or bytes in (1, 5K-9K))", And{
			Net{Side: Src, Prefix: netip.MustParsePrefix("10.0.0.0/15")},
			Not{Or{Compare{Quantity: Port, Op: "=", Value: 22}, In{Quantity: Bytes, Spans: []Span{{1, 1}, {5000, 9000}}}}},
		}},
		{"host 2001:db8::1 or dst host 10.0.0.1 or ipv6", Or{
			Host{Side: Either, Addr: netip.MustParseAddr("2001:db8::1")},
			Host{Side: Dst, Addr: netip.MustParseAddr("10.0.0.1")},
			Family{V6: true},
		}},
		{"duration >= 5m and proto != udp and src port 1000-2000", And{
			Compare{Quantity: Duration, Op: ">=", Value: 300},
			Compare{Quantity: Protocol, Op: "!=", Value: 17},
			In{Quantity: SrcPort, Spans: []Span{{1000, 2000}}},
		}},
		{`reject and status nodata and interface "a b" and account 7`, And{
			ActionTerm{Action: record.Reject},
			StatusTerm{Status: record.NoData},
			IDTerm{Field: record.InterfaceID, ID: "a b"},
			IDTerm{Field: record.AccountID, ID: "7"},
		}},
		{"start >= 2020-04-27T10:24:11Z", Compare{Quantity: Start, Op: ">=", Value: 1587983051}},
	} {
		e, err := Compile(tt.src)
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if got := e.Tree(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q:\n got %#v\nwant %#v", tt.src, got, tt.want)
		}
	}
}
