package query

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/simulate"
)

func TestParseTimeAndConversationKeys(t *testing.T) {
	tests := []struct {
		in, names, err string
		step           int64
	}{
		{in: "time/10m", names: "time/10m", step: 600},
		{in: "time/1h,action", names: "time/1h action", step: 3600},
		{in: "action,TIME/90s", names: "action time/90s", step: 90},
		{in: "time/1d", names: "time/1d", step: 86400},
		{in: "time/2w", names: "time/2w", step: 14 * 86400},
		{in: "time/1h30m", names: "time/90m", step: 5400},
		{in: "conversation", names: "conversation"},
		{in: "time/1h,conversation", names: "time/1h conversation", step: 3600},
		{in: "time", err: "a time key names its interval"},
		{in: "time/0s", err: "whole seconds from 1s to 366d"},
		{in: "time/1500ms", err: "whole seconds"},
		{in: "time/400d", err: "whole seconds from 1s to 366d"},
		{in: "time/soon", err: "whole seconds"},
		{in: "time/1h,time/1d", err: "only one time key"},
		{in: "conversation,conv", err: "only one conversation key"},
		{in: "conversation/24", err: "takes no mask"},
	}
	for _, tt := range tests {
		keys, err := ParseGroupKeys(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseGroupKeys(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseGroupKeys(%q): %v", tt.in, err)
			continue
		}
		var names []string
		var step int64
		for _, k := range keys {
			names = append(names, k.Name())
			step = max(step, k.Step)
		}
		if strings.Join(names, " ") != tt.names || step != tt.step {
			t.Errorf("ParseGroupKeys(%q) = %v step %d, want %s step %d", tt.in, names, step, tt.names, tt.step)
		}
	}
}

func TestIntervalAlignedToUTC(t *testing.T) {
	at := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Unix()
	}
	tests := []struct {
		step      int64
		in, start string
	}{
		{600, "2026-11-24T09:59:59Z", "2026-11-24T09:50:00Z"},
		{600, "2026-11-24T10:00:00Z", "2026-11-24T10:00:00Z"},
		{3600, "2026-11-24T09:30:00+02:00", "2026-11-24T07:00:00Z"},
		{86400, "2026-11-24T23:59:59Z", "2026-11-24T00:00:00Z"},
		{7 * 86400, "2026-11-29T23:00:00Z", "2026-11-23T00:00:00Z"}, // a Sunday: its week began on Monday
		{7 * 86400, "2026-11-30T00:00:00Z", "2026-11-30T00:00:00Z"},
		{7 * 60, "1970-01-01T00:06:59Z", "1970-01-01T00:00:00Z"},
		{3600, "1969-12-31T23:59:59Z", "1969-12-31T23:00:00Z"}, // before the epoch rounds down too
	}
	for _, tt := range tests {
		k := GroupKey{Field: record.Start, Step: tt.step}
		if got := k.interval(at(tt.in)); got != at(tt.start) {
			t.Errorf("interval(%s, step %d) = %s, want %s", tt.in, tt.step, time.Unix(got, 0).UTC().Format(time.RFC3339), tt.start)
		}
	}
}

// simulatedDay writes hours of simulated traffic and returns it as inputs
// and as parsed records, for a plain reference computation.
func simulatedDay(t testing.TB, cfg simulate.Config) ([]Input, []record.Record) {
	t.Helper()
	store, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := simulate.Run(context.Background(), cfg, store); err != nil {
		t.Fatal(err)
	}
	var inputs []Input
	var recs []record.Record
	err = store.List(context.Background(), "", "", func(o objstore.Object) error {
		r, err := store.Open(context.Background(), o.Key)
		if err != nil {
			return err
		}
		defer r.Close()
		body, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		inputs = append(inputs, memInput(o.Key, body))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		rc, _ := in.Open(context.Background())
		sc := record.NewScanner(nil, in.Name, record.AllFields)
		rd := newReader(&Query{}, record.AllFields)
		_ = sc
		// Read through the query's own decompression, then parse each
		// line on its own: the reference shares no grouping code.
		err := rd.read(context.Background(), in, func(r *record.Record) bool {
			var c record.Record
			if err := record.Parse(append([]byte(nil), r.Line...), record.AllFields, &c); err != nil {
				t.Fatal(err)
			}
			recs = append(recs, c)
			return true
		})
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return inputs, recs
}

var actionOrder = map[string]int{"-": 0, "ACCEPT": 1, "REJECT": 2}

type refSums struct{ flows, packets, bytes uint64 }

// TestTimeSeriesMatchesReference checks time/1h,action with --fill and
// --top against a plain loop over the records of a simulated corpus.
func TestTimeSeriesMatchesReference(t *testing.T) {
	from := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	inputs, recs := simulatedDay(t, simulate.Config{Name: "web", From: from.Add(25 * time.Minute), Duration: 5 * time.Hour, RecordsPerObject: 300, Seed: 7})

	// The reference: a map from (hour, action) to sums.
	type cell struct {
		hour   int64
		action string
	}
	want := map[cell]refSums{}
	actionTotals := map[string]uint64{}
	for _, r := range recs {
		if !r.Has(record.Start) {
			t.Fatalf("simulated record without a start: %s", r.Line)
		}
		c := cell{r.Start - ((r.Start%3600)+3600)%3600, r.Action.String()}
		s := want[c]
		s.flows++
		s.packets += r.Packets
		s.bytes += r.Bytes
		want[c] = s
		actionTotals[c.action] += r.Bytes
	}

	keys, err := ParseGroupKeys("time/1h,action")
	if err != nil {
		t.Fatal(err)
	}
	since, until := from.Add(-2*time.Hour), from.Add(8*time.Hour)
	q := &Query{Inputs: inputs, Workers: 3}
	for _, top := range []int{0, 1} {
		t.Run(fmt.Sprintf("top=%d", top), func(t *testing.T) {
			groups, _, err := q.Group(context.Background(), Grouping{Keys: keys, SortBy: SortBytes, Top: top, Fill: true, Since: since, Until: until})
			if err != nil {
				t.Fatal(err)
			}
			// The series kept: every action, or the one with most bytes.
			var actions []string
			for a := range actionTotals {
				actions = append(actions, a)
			}
			slices.SortFunc(actions, func(x, y string) int { return cmp.Compare(actionTotals[y], actionTotals[x]) })
			if top > 0 {
				actions = actions[:top]
			}
			// Every hour of the window, each kept action once, in time order.
			var wantRows []string
			for h := since.Unix(); h < until.Unix(); h += 3600 {
				var rows []string
				var sums []refSums
				for _, a := range actions {
					s := want[cell{h, a}]
					rows = append(rows, fmt.Sprintf("%s %s %d %d %d", time.Unix(h, 0).UTC().Format(time.RFC3339), a, s.flows, s.packets, s.bytes))
					sums = append(sums, s)
				}
				idx := make([]int, len(rows))
				for i := range idx {
					idx[i] = i
				}
				// Largest first, ties in key order: "-", ACCEPT, REJECT.
				slices.SortStableFunc(idx, func(x, y int) int {
					if c := cmp.Compare(sums[y].bytes, sums[x].bytes); c != 0 {
						return c
					}
					return cmp.Compare(actionOrder[actions[x]], actionOrder[actions[y]])
				})
				for _, i := range idx {
					wantRows = append(wantRows, rows[i])
				}
			}
			var gotRows []string
			for _, g := range groups {
				tm, ok := TimeOf(keys, g)
				if !ok {
					t.Fatalf("group without a time: %+v", g)
				}
				gotRows = append(gotRows, fmt.Sprintf("%s %s %d %d %d", tm.Format(time.RFC3339), g.Key[1], g.Flows, g.Packets, g.Bytes))
			}
			if strings.Join(gotRows, "\n") != strings.Join(wantRows, "\n") {
				t.Errorf("series:\n%s\nwant:\n%s", strings.Join(gotRows, "\n"), strings.Join(wantRows, "\n"))
			}

			step, series := SeriesOf(keys, groups)
			if step != time.Hour || len(series) != len(actions) {
				t.Fatalf("SeriesOf: step %v, %d series, want 1h and %d", step, len(series), len(actions))
			}
			for _, s := range series {
				if len(s.Groups) != 10 {
					t.Errorf("series %v has %d points, want one for each of 10 hours", s.Key, len(s.Groups))
				}
			}
		})
	}
}

func TestFillWithoutWindowSpansFirstToLastSeen(t *testing.T) {
	data := "2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 10 3600 3700 ACCEPT OK\n" +
		"2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 20 18100 18200 ACCEPT OK\n" + // 05:01, spans nothing
		"2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 40 7000 14000 ACCEPT OK\n" // 01:56 to 03:53: counted at 01:00
	keys, _ := ParseGroupKeys("time/1h")
	q := &Query{Inputs: []Input{memInput("a", []byte(data))}}
	groups, _, err := q.Group(context.Background(), Grouping{Keys: keys, Fill: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		got = append(got, fmt.Sprintf("%s:%d", g.Key[0], g.Bytes))
	}
	// Hours 1 to 5, as unix seconds; the long flow counts where it starts.
	want := "3600:50 7200:0 10800:0 14400:0 18000:20"
	if strings.Join(got, " ") != want {
		t.Errorf("filled = %s, want %s", strings.Join(got, " "), want)
	}

	// No record at all and a window: the window's intervals, all zero.
	q = &Query{Inputs: []Input{memInput("empty", nil)}}
	groups, _, err = q.Group(context.Background(), Grouping{Keys: keys, Fill: true, Since: time.Unix(3600, 0), Until: time.Unix(3*3600, 0)})
	if err != nil || len(groups) != 2 || groups[0].Flows != 0 || groups[1].Key[0].Num != 7200 {
		t.Errorf("empty fill = %+v, %v; want hours 1 and 2", groups, err)
	}

	// A fill too large to print is refused, not attempted.
	keys, _ = ParseGroupKeys("time/1s")
	_, _, err = q.Group(context.Background(), Grouping{Keys: keys, Fill: true, Since: time.Unix(0, 0), Until: time.Unix(1e8, 0)})
	if err == nil || !strings.Contains(err.Error(), "--fill would print") {
		t.Errorf("huge fill error = %v", err)
	}
}

// TestConversationsMatchReference folds a simulated internet-facing day,
// whose clients' replies are records of their own, and checks every
// conversation against a plain loop.
func TestConversationsMatchReference(t *testing.T) {
	from := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	inputs, recs := simulatedDay(t, simulate.Config{Name: "edge", From: from, Duration: 2 * time.Hour, RecordsPerObject: 400, Traffic: simulate.TrafficInternet, Seed: 3})

	type tuple struct {
		proto          uint8
		client, server netip.AddrPort
	}
	type ways struct{ flows, pktsUp, bytesUp, pktsDown, bytesDown uint64 }
	want := map[tuple]ways{}
	absent := uint64(0)
	for _, r := range recs {
		if !r.Has(record.SrcAddr) || !r.Has(record.DstAddr) {
			absent++
			continue
		}
		src, dst := netip.AddrPortFrom(r.SrcAddr, r.SrcPort), netip.AddrPortFrom(r.DstAddr, r.DstPort)
		// The documented rule: the lower port is the server's; equal
		// ports, the lower address is the client.
		up := r.SrcPort > r.DstPort || r.SrcPort == r.DstPort && r.SrcAddr.Compare(r.DstAddr) <= 0
		k := tuple{r.Protocol, src, dst}
		if !up {
			k = tuple{r.Protocol, dst, src}
		}
		w := want[k]
		w.flows++
		if up {
			w.pktsUp += r.Packets
			w.bytesUp += r.Bytes
		} else {
			w.pktsDown += r.Packets
			w.bytesDown += r.Bytes
		}
		want[k] = w
	}
	both := 0
	for _, w := range want {
		if w.bytesUp > 0 && w.bytesDown > 0 {
			both++
		}
	}
	if both < 100 {
		t.Fatalf("only %d conversations with records both ways: the corpus does not test folding", both)
	}

	keys, err := ParseGroupKeys("conversation")
	if err != nil {
		t.Fatal(err)
	}
	groups, _, err := (&Query{Inputs: inputs, Workers: 3}).Group(context.Background(), Grouping{Keys: keys, SortBy: SortBytes})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for i, g := range groups {
		if i > 0 && g.Bytes > groups[i-1].Bytes {
			t.Fatalf("not largest first at row %d", i)
		}
		if !g.Key[0].Present {
			if g.Flows != absent {
				t.Errorf("records without addresses: %d, want %d", g.Flows, absent)
			}
			continue
		}
		c := g.Key[0].Conv
		k := tuple{c.Protocol, netip.AddrPortFrom(c.Client, c.ClientPort), netip.AddrPortFrom(c.Server, c.ServerPort)}
		w, ok := want[k]
		got := ways{g.Flows, g.ClientPackets, g.ClientBytes, g.ServerPackets, g.ServerBytes}
		if !ok || got != w || g.Bytes != w.bytesUp+w.bytesDown || g.Packets != w.pktsUp+w.pktsDown {
			t.Fatalf("conversation %v = %+v, want %+v (present %v)", k, got, w, ok)
		}
		seen++
	}
	if seen != len(want) {
		t.Errorf("%d conversations, want %d", seen, len(want))
	}

	// With a time key too, the sums of one hour's rows still fold both ways.
	keys, _ = ParseGroupKeys("time/1h,conversation")
	groups, _, err = (&Query{Inputs: inputs}).Group(context.Background(), Grouping{Keys: keys, SortBy: SortBytes, Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		if g.ClientPackets+g.ServerPackets != g.Packets || g.ClientBytes+g.ServerBytes != g.Bytes {
			t.Errorf("row %+v: directions do not add up", g)
		}
	}
}

func TestTopWithTimeAloneKeepsTheBusiestIntervals(t *testing.T) {
	var sb strings.Builder
	for h, n := range []int{3, 9, 1, 7, 5} {
		for range n {
			fmt.Fprintf(&sb, "2 1 eni-1 10.0.0.1 10.0.0.2 40000 443 6 1 10 %d %d ACCEPT OK\n", h*3600+60, h*3600+70)
		}
	}
	keys, _ := ParseGroupKeys("time/1h")
	q := &Query{Inputs: []Input{memInput("a", []byte(sb.String()))}}
	groups, _, err := q.Group(context.Background(), Grouping{Keys: keys, Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range groups {
		got = append(got, fmt.Sprintf("%d:%d", g.Key[0].Num/3600, g.Flows))
	}
	if strings.Join(got, " ") != "1:9 3:7 4:5" {
		t.Errorf("top 3 hours = %v, want hours 1, 3 and 4 in time order", got)
	}
	if _, err := (Spec{GroupBy: "time/1h", Top: 3, Fill: true}).Plan(); err == nil {
		t.Errorf("--top and --fill with time alone: no error")
	}
}
