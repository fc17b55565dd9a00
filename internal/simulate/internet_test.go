package simulate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/record"
)

// TestDefaultTrafficUnchanged holds the default traffic to the objects it
// wrote before TrafficInternet existed (the hash was taken with that code),
// so that a seed keeps naming the same corpus.
func TestDefaultTrafficUnchanged(t *testing.T) {
	const want = "95dda603e2ef81764db8a87108fee7204108f398735cfd39d7686ae49856dfaa"
	cfg := Config{Name: "web", From: day, Duration: 3 * time.Hour, RecordsPerObject: 700, Seed: 42}
	for _, traffic := range []Traffic{"", TrafficDefault} {
		cfg.Traffic = traffic
		objs, _ := collect(t, cfg)
		h := sha256.New()
		for _, o := range objs {
			h.Write([]byte(o.key + "\n"))
			h.Write(o.body)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("Traffic %q: the objects hash to %s, want %s as before", traffic, got, want)
		}
	}
}

func TestTrafficInvalid(t *testing.T) {
	_, err := Run(context.Background(), Config{Name: "web", From: day, Duration: time.Hour, Traffic: "Internet"},
		putFunc(func(context.Context, string, []byte) error {
			t.Fatal("Put called for an invalid Config")
			return nil
		}))
	var verr *flowlog.ValidationError
	if !errors.As(err, &verr) || verr.Field != "traffic" {
		t.Errorf("error %v, want a ValidationError of \"traffic\"", err)
	}
}

// TestInternetDistinctSources checks the property that makes the profile:
// a day of 2.9 million records holds over a million distinct sources,
// with a head of scanners and clients that come back all day and a tail of
// peers seen once. It runs the generator without text or compression.
func TestInternetDistinctSources(t *testing.T) {
	if testing.Short() {
		t.Skip("2.9 million records")
	}
	cfg, err := Config{Name: "web", Traffic: TrafficInternet, From: day, Duration: 24 * time.Hour,
		RecordsPerObject: 20_000, Seed: 42}.normalize()
	if err != nil {
		t.Fatal(err)
	}
	g := newGenerator(cfg)
	srcs := make(map[netip.Addr]int32, 1<<21)
	records := 0
	for ws := day.Unix(); ws < day.Add(cfg.Duration).Unix(); ws += windowSeconds {
		w, ok := g.startWindow(ws, ws, ws+windowSeconds, cfg.RecordsPerObject)
		if !ok {
			t.Fatalf("the window at %d has no traffic", ws)
		}
		for i := range w.records {
			g.inetFlow(&w, ws+int64(i)*windowSeconds/int64(w.records))
			srcs[g.rec.SrcAddr]++
			records++
		}
	}
	delete(srcs, g.local4)
	delete(srcs, g.local6)
	once := 0
	counts := make([]int, 0, len(srcs))
	for _, n := range srcs {
		counts = append(counts, int(n))
		if n == 1 {
			once++
		}
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	top10 := 0
	for _, n := range counts[:10] {
		top10 += n
	}
	t.Logf("%d records, %d distinct peers as sources (%.3f), %.3f of them seen once; the top 10 send %.3f of the records, the top one %d",
		records, len(srcs), float64(len(srcs))/float64(records), float64(once)/float64(len(srcs)),
		float64(top10)/float64(records), counts[0])
	if records < 2_500_000 || len(srcs)*3 < records {
		t.Errorf("%d distinct sources in %d records, want at least a third", len(srcs), records)
	}
	if once*2 < len(srcs) {
		t.Errorf("%d of %d sources seen once, want most: a long tail", once, len(srcs))
	}
	if top10*20 < records || counts[0] < 20_000 {
		t.Errorf("the top 10 sources send %d of %d records, the top one %d; want a heavy head (5%%, 20,000)",
			top10, records, counts[0])
	}
}

// TestInternetShape checks what queries on the profile rely on.
func TestInternetShape(t *testing.T) {
	cfg := Config{Name: "edge", Traffic: TrafficInternet, From: day, Duration: 2 * time.Hour,
		RecordsPerObject: 10_000, Seed: 3}
	objs, sum := collect(t, cfg)
	if len(objs) != 12 {
		t.Errorf("%d objects in 2 hours, want 12: the internet never pauses", len(objs))
	}
	g := newGenerator(cfg)
	local := func(a netip.Addr) bool { return a == g.local4 || a == g.local6 }
	if !g.local4.IsGlobalUnicast() || g.local4.IsPrivate() {
		t.Errorf("the interface's IPv4 address %v is not public", g.local4)
	}

	var flows, v6, rejects, inboundRejects, openRejects, badAccepts, replies int
	srcs := map[netip.Addr]bool{}
	iids := map[netip.Prefix]map[uint64]bool{} // IPv6 sources' interface identifiers by /64
	maxPorts := 0
	for _, o := range objs {
		ports := map[netip.Addr]map[uint16]bool{}
		for _, l := range lines(t, o) {
			r := l.rec
			if r.Status != record.OK {
				continue
			}
			flows++
			srcs[r.SrcAddr] = true
			if local(r.SrcAddr) == local(r.DstAddr) {
				t.Fatalf("a flow not to or from the interface: %s", l.text)
			}
			if r.SrcAddr.Is6() {
				v6++
				if !local(r.SrcAddr) {
					p := netip.PrefixFrom(r.SrcAddr, 64).Masked()
					if iids[p] == nil {
						iids[p] = map[uint64]bool{}
					}
					b := r.SrcAddr.As16()
					iids[p][uint64(b[8])<<56|uint64(b[9])<<48|uint64(b[10])<<40|uint64(b[11])<<32|
						uint64(b[12])<<24|uint64(b[13])<<16|uint64(b[14])<<8|uint64(b[15])] = true
				}
			}
			open := r.Protocol == protoTCP && (r.DstPort == 80 || r.DstPort == 443) ||
				r.Protocol == protoUDP && r.DstPort == 443
			switch {
			case r.Action == record.Reject:
				rejects++
				if local(r.DstAddr) {
					inboundRejects++
					if open {
						openRejects++
					}
					if ports[r.SrcAddr] == nil {
						ports[r.SrcAddr] = map[uint16]bool{}
					}
					ports[r.SrcAddr][r.DstPort] = true
				}
			case local(r.DstAddr) && !open:
				badAccepts++
			case local(r.SrcAddr) && (r.SrcPort == 443 || r.SrcPort == 80):
				replies++
			}
		}
		for _, p := range ports {
			maxPorts = max(maxPorts, len(p))
		}
	}
	rotating := 0
	for _, ids := range iids {
		if len(ids) >= 2 {
			rotating++
		}
	}
	share := func(n int) float64 { return float64(n) / float64(flows) }
	t.Logf("%d records; %d flows, %.3f IPv6, %.3f rejects (%.3f of them inbound), %.3f replies, %.3f distinct sources; "+
		"%d /64s with more than one interface identifier; a scanner probed %d ports in one object",
		sum.Records, flows, share(v6), share(rejects), float64(inboundRejects)/float64(rejects), share(replies),
		share(len(srcs)), rotating, maxPorts)

	if s := share(v6); s < 0.07 || s > 0.13 {
		t.Errorf("IPv6 share %.3f, want about a tenth", s)
	}
	if s := share(rejects); s < 0.25 || s > 0.55 {
		t.Errorf("reject share %.3f, want 0.25 to 0.55", s)
	}
	if inboundRejects*20 < rejects*19 || openRejects != 0 || badAccepts != 0 {
		t.Errorf("%d of %d rejects inbound (want 95%%), %d rejects of open ports, %d accepts of closed ones; "+
			"want the firewall to turn away scanners' probes of closed ports", inboundRejects, rejects, openRejects, badAccepts)
	}
	if replies == 0 {
		t.Error("no replies of the web server")
	}
	if s := share(len(srcs)); s < 0.4 {
		t.Errorf("%.3f distinct sources a flow in 120,000 records, want 0.4 or more", s)
	}
	if rotating < 10 {
		t.Errorf("%d IPv6 /64s with more than one interface identifier in two hours, want them to change", rotating)
	}
	if maxPorts < 300 {
		t.Errorf("the busiest scanner probed %d ports in one object, want a sweep of 300 or more", maxPorts)
	}
}

func TestInternetDeterministic(t *testing.T) {
	same := func(x, y object) bool { return x.key == y.key && bytes.Equal(x.body, y.body) }
	cfg := Config{Name: "edge", Traffic: TrafficInternet, From: day, Duration: 2 * time.Hour, RecordsPerObject: 3000, Seed: 42}
	a, _ := collect(t, cfg)
	b, _ := collect(t, cfg)
	if !slices.EqualFunc(a, b, same) {
		t.Fatal("two runs of the same Config wrote different objects")
	}
	cfg.Seed = 43
	if c, _ := collect(t, cfg); bytes.Equal(a[0].body, c[0].body) {
		t.Error("another seed wrote the same first object")
	}
	cfg.Seed, cfg.Traffic = 42, TrafficDefault
	if c, _ := collect(t, cfg); bytes.Equal(a[0].body, c[0].body) {
		t.Error("the default traffic wrote the same first object")
	}
	// A window's object depends only on the seed and the window.
	cfg.Traffic, cfg.From, cfg.Duration = TrafficInternet, day.Add(-time.Hour), 4*time.Hour
	d, _ := collect(t, cfg)
	if len(d) != 24 || !slices.EqualFunc(a, d[6:18], same) {
		t.Error("a longer period with the same seed does not hold the same objects")
	}
}

// TestInternetFilters checks that the flow log's direction and action pick
// records without thinning the objects.
func TestInternetFilters(t *testing.T) {
	for _, tt := range []struct {
		dir    flowlog.Direction
		action flowlog.Action
	}{
		{flowlog.Ingress, flowlog.All},
		{flowlog.Egress, flowlog.All},
		{flowlog.Bidirectional, flowlog.Accepted},
		{flowlog.Bidirectional, flowlog.Rejected},
		{flowlog.Egress, flowlog.Rejected},
		{flowlog.Ingress, flowlog.Accepted},
	} {
		t.Run(string(tt.dir)+"-"+string(tt.action), func(t *testing.T) {
			cfg := Config{Name: "edge", Traffic: TrafficInternet, Direction: tt.dir, Action: tt.action,
				From: day, Duration: time.Hour, RecordsPerObject: 2000, Seed: 8}
			objs, sum := collect(t, cfg)
			g := newGenerator(cfg)
			local := func(a netip.Addr) bool { return a == g.local4 || a == g.local6 }
			if len(objs) != 6 || sum.Records < 6*1800 {
				t.Fatalf("%d objects of %d records, want 6 of about 2,000 each", len(objs), sum.Records)
			}
			count := map[record.Action]int{}
			for _, l := range allLines(t, objs) {
				r := l.rec
				count[r.Action]++
				switch {
				case r.Status != record.OK:
				case tt.dir == flowlog.Ingress && !local(r.DstAddr),
					tt.dir == flowlog.Egress && !local(r.SrcAddr),
					tt.action == flowlog.Accepted && r.Action != record.Accept,
					tt.action == flowlog.Rejected && r.Action != record.Reject:
					t.Fatalf("a record the flow log does not keep: %s", l.text)
				}
			}
			if count[record.Accept]+count[record.Reject] < sum.Records*98/100 || count[record.ActionNone] == 0 {
				t.Errorf("records by action %v, want flows and a few NODATA/SKIPDATA lines", count)
			}
		})
	}
}
