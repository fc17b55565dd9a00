package simulate

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/record"
)

// The shape of the traffic. The shares are of flow records (not NODATA or
// SKIPDATA lines) unless said otherwise.
const (
	emptyWindowShare = 0.03  // windows without traffic, hence without an object
	noDataShare      = 0.005 // NODATA or SKIPDATA lines among all lines
	skipDataShare    = 0.2   // SKIPDATA among those
	ipv6Share        = 0.10
	privatePeerShare = 0.30 // of IPv4 peers of accepted flows
	localServerShare = 0.75 // flows where the interface is the server side
	ingressRejects   = 0.85 // of rejects with BIDIRECTIONAL

	internetPeers = 40_000
	privatePeers  = 5_000
	ipv6Peers     = 5_000

	// Peers are drawn with Zipf popularity P(rank k) ∝ (1+k)^-s, so a few
	// top talkers carry a large part of the flows. The first heavyRanks of
	// each table also move more data per flow (backup, CDN, replication).
	peerSkew   = 1.1
	heavyRanks = 3

	ephemeralLo = 32768 // Linux's default ephemeral port range
	ephemeralHi = 60999

	maxPackets    = 4_000_000 // ~5 GB at full-size packets
	elephantShare = 8e-5      // of heavy hitters' bulk flows: the GB transfers
)

// weighted draws small numbers (ports) with fixed, hand-set popularity.
type weighted struct {
	vals  []uint16
	cum   []uint32
	total uint32
}

// newWeighted takes value, weight pairs.
func newWeighted(pairs ...uint32) weighted {
	var w weighted
	for i := 0; i < len(pairs); i += 2 {
		w.total += pairs[i+1]
		w.vals = append(w.vals, uint16(pairs[i]))
		w.cum = append(w.cum, w.total)
	}
	return w
}

func (w *weighted) pick(r *rand.Rand) uint16 {
	x := r.Uint32N(w.total)
	for i, c := range w.cum {
		if x < c {
			return w.vals[i]
		}
	}
	return w.vals[len(w.vals)-1]
}

// Port popularity, roughly Zipf-shaped within each list.
var (
	// Services on the interface that peers connect to.
	serverTCP = newWeighted(443, 480, 80, 200, 22, 90, 8080, 60, 3389, 40, 3306, 35, 5432, 30, 25, 25)
	serverUDP = newWeighted(53, 600, 123, 250, 443, 150)
	// Services the interface connects to.
	clientTCP = newWeighted(443, 700, 80, 150, 22, 40, 5432, 40, 3306, 30, 25, 20, 8080, 20)
	clientUDP = newWeighted(53, 700, 123, 200, 443, 100)
	// What the firewall turns away: scans for admin ports and databases...
	rejectedInTCP = newWeighted(22, 420, 3389, 230, 23, 70, 445, 50, 3306, 40, 5900, 30, 1433, 30,
		6379, 25, 5432, 25, 8080, 25, 80, 20, 0, 35) // 0: any port, a port scan
	rejectedInUDP = newWeighted(161, 30, 1900, 25, 5060, 25, 123, 10, 53, 10)
	// ...and outbound connections to blocked services.
	rejectedOutTCP = newWeighted(25, 500, 445, 200, 6667, 100, 23, 100, 0, 100)
	rejectedOutUDP = newWeighted(53, 40, 1900, 30, 137, 30)
)

// addrTable is a population of peers with Zipf popularity by index.
type addrTable struct {
	addrs []netip.Addr
	zipf  *rand.Zipf
}

// pick returns a peer and whether it is one of the table's heavy hitters.
func (t *addrTable) pick() (netip.Addr, bool) {
	k := t.zipf.Uint64()
	return t.addrs[k], k < heavyRanks
}

// generator makes records. Its state is reseeded at every window so that a
// window's content depends only on the seed and the window, never on which
// windows came before.
type generator struct {
	seed    uint64
	src     rand.PCG
	r       *rand.Rand
	ingress bool // flows towards the interface are logged
	egress  bool // flows from the interface are logged
	action  flowlog.Action

	local4, local6             netip.Addr
	internet, private, ipv6Tab addrTable

	inet *internetFacing // the state of TrafficInternet; nil for the default

	rec record.Record // reused for every line
}

// The fields of a NODATA or SKIPDATA line; everything else is "-".
const noDataFields = record.FieldSet(1<<record.Version | 1<<record.AccountID | 1<<record.InterfaceID |
	1<<record.Start | 1<<record.End | 1<<record.LogStatus)

func newGenerator(cfg Config) *generator {
	g := &generator{
		seed:    uint64(cfg.Seed),
		ingress: cfg.Direction != flowlog.Egress,
		egress:  cfg.Direction != flowlog.Ingress,
		action:  cfg.Action,
	}
	g.r = rand.New(&g.src)
	g.rec.Version = []byte("2")
	g.rec.AccountID = []byte(cfg.AccountID)
	g.rec.InterfaceID = []byte(cfg.InterfaceID)
	if cfg.Traffic == TrafficInternet {
		g.inet = newInternetFacing(g)
		return g
	}

	// The interface and its peers are the same in every window: they come
	// from a stream of their own.
	setup := rand.New(rand.NewPCG(g.seed, 0x5eed_ad0d_7ab1e5))
	g.local4 = netip.AddrFrom4([4]byte{10, byte(setup.IntN(256)), byte(setup.IntN(256)), byte(4 + setup.IntN(247))})
	var a6 [16]byte
	binary.BigEndian.PutUint32(a6[0:], 0x20010db8)
	binary.BigEndian.PutUint32(a6[4:], setup.Uint32())
	binary.BigEndian.PutUint64(a6[8:], setup.Uint64())
	g.local6 = netip.AddrFrom16(a6)

	g.internet.addrs = uniqueAddrs(setup, internetPeers, g.local4, randomPublic4)
	g.private.addrs = uniqueAddrs(setup, privatePeers, g.local4, func(r *rand.Rand) netip.Addr {
		return randomPrivate4(r, g.local4)
	})
	g.ipv6Tab.addrs = uniqueAddrs(setup, ipv6Peers, g.local6, func(r *rand.Rand) netip.Addr {
		return randomPeer6(r, g.local6)
	})
	for _, t := range []*addrTable{&g.internet, &g.private, &g.ipv6Tab} {
		t.zipf = rand.NewZipf(g.r, peerSkew, 1, uint64(len(t.addrs)-1))
	}
	return g
}

// window is what startWindow decided for one window.
type window struct {
	lo, hi      int64 // records start and end in [lo, hi)
	records     int
	written     int64 // the time in the object's key
	rejectShare float64
	scanShare   float64 // TrafficInternet: of flows, probes from scanners

	minStart, maxEnd int64
}

// startWindow reseeds the generator for the window starting at ws and
// decides its size. lo and hi are the part of it inside the period. It
// reports false for a window without traffic.
func (g *generator) startWindow(ws, lo, hi int64, perObject int) (window, bool) {
	g.src.Seed(g.seed, uint64(ws))
	w := window{lo: lo, hi: hi, minStart: math.MaxInt64}
	// An interface facing the internet is never quiet for ten minutes.
	if g.r.Float64() < emptyWindowShare && g.inet == nil {
		return w, false
	}
	n := float64(perObject) * (0.9 + 0.2*g.r.Float64()) // ±10%
	n = n * float64(hi-lo) / float64(windowSeconds)
	w.records = max(1, int(math.Round(n)))
	w.written = ws + windowSeconds + 1 + g.r.Int64N(9)

	// Most windows see a background of scans; some see a burst.
	switch g.action {
	case flowlog.Accepted:
		w.rejectShare = 0
	case flowlog.Rejected:
		w.rejectShare = 1
	default:
		w.rejectShare = 0.05 + 0.12*g.r.Float64()
		if g.r.Float64() < 0.05 {
			w.rejectShare = 0.30
		}
	}
	if g.inet != nil {
		g.inet.startWindow(g.r, &w)
	}
	return w, true
}

// appendRecord appends line i of window w, without a line ending.
func (g *generator) appendRecord(dst []byte, w *window, i int) []byte {
	r := g.r
	rec := &g.rec

	// Lines come roughly in time order, as a capture emits them.
	span := w.hi - w.lo
	start := w.lo + int64(i)*span/int64(w.records) + r.Int64N(min(span, 20))
	start = min(start, w.hi-1)

	if r.Float64() < noDataShare {
		rec.Present = noDataFields
		rec.Status = record.NoData
		if r.Float64() < skipDataShare {
			rec.Status = record.SkipData
		}
		rec.Start = start
		rec.End = min(start+30+r.Int64N(60), w.hi-1)
	} else {
		if g.inet != nil {
			g.inetFlow(w, start)
		} else {
			g.flow(r.Float64() < w.rejectShare)
		}
		rec.Start = start
		rec.End = min(start+g.duration(), w.hi-1)
	}
	w.minStart = min(w.minStart, rec.Start)
	w.maxEnd = max(w.maxEnd, rec.End)
	return record.AppendText(dst, rec)
}

// Protocols as written in records.
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

// flow fills in the flow fields of g.rec, all but the times.
func (g *generator) flow(reject bool) {
	r := g.r
	rec := &g.rec
	rec.Present = record.AllFields
	rec.Status = record.OK
	rec.Action = record.Accept
	if reject {
		rec.Action = record.Reject
	}

	inbound := g.ingress
	if g.ingress && g.egress {
		share := 0.5
		if reject {
			share = ingressRejects
		}
		inbound = r.Float64() < share
	}

	v6 := r.Float64() < ipv6Share
	var local, peer netip.Addr
	var heavy bool
	switch {
	case v6:
		local = g.local6
		peer, heavy = g.ipv6Tab.pick()
		for reject && g.sameSite(peer) {
			peer, heavy = g.ipv6Tab.pick()
		}
	case reject || r.Float64() >= privatePeerShare:
		// Rejected traffic comes from (or goes to) the internet.
		local = g.local4
		peer, heavy = g.internet.pick()
	default:
		local = g.local4
		peer, heavy = g.private.pick()
	}

	// Protocol and the service port on the server side of the flow.
	localServer := reject && inbound || !reject && r.Float64() < localServerShare
	proto := uint8(protoTCP)
	switch u := r.Float64(); {
	case u < 0.04:
		proto = protoICMP
		if v6 {
			proto = protoICMPv6
		}
	case u < 0.19:
		proto = protoUDP
	}
	var svc uint16
	switch {
	case proto == protoICMP || proto == protoICMPv6:
	case reject && inbound && proto == protoTCP:
		svc = rejectedInTCP.pick(r)
	case reject && inbound:
		svc = rejectedInUDP.pick(r)
	case reject && proto == protoTCP:
		svc = rejectedOutTCP.pick(r)
	case reject:
		svc = rejectedOutUDP.pick(r)
	case localServer && proto == protoTCP:
		svc = serverTCP.pick(r)
	case localServer:
		svc = serverUDP.pick(r)
	case proto == protoTCP:
		svc = clientTCP.pick(r)
	default:
		svc = clientUDP.pick(r)
	}
	if svc == 0 && (proto == protoTCP || proto == protoUDP) {
		svc = uint16(1 + r.IntN(65535)) // a scan: any port
	}

	var localPort, peerPort uint16
	if proto == protoTCP || proto == protoUDP {
		eph := uint16(ephemeralLo + r.IntN(ephemeralHi-ephemeralLo+1))
		localPort, peerPort = eph, svc
		if localServer {
			localPort, peerPort = svc, eph
		}
	}
	if inbound {
		rec.SrcAddr, rec.SrcPort, rec.DstAddr, rec.DstPort = peer, peerPort, local, localPort
	} else {
		rec.SrcAddr, rec.SrcPort, rec.DstAddr, rec.DstPort = local, localPort, peer, peerPort
	}
	rec.Protocol = proto

	// Servers send the bulk of the data; requests and ACKs are small.
	bulk := localServer != inbound
	g.size(reject, proto, svc, v6, heavy, bulk)
}

// sameSite reports whether an IPv6 peer is in the interface's own /48.
func (g *generator) sameSite(a netip.Addr) bool {
	p, _ := g.local6.Prefix(48)
	return p.Contains(a)
}

// size sets packets and bytes: most flows are a handful of packets, a few
// move gigabytes. bytes stays within [40, 1500] per packet.
func (g *generator) size(reject bool, proto uint8, svc uint16, v6, heavy, bulk bool) {
	r := g.r
	rec := &g.rec
	hdr := uint64(0) // IPv6's header is 20 bytes longer
	if v6 {
		hdr = 20
	}
	var packets, perPacket uint64
	switch {
	case reject:
		packets = 1 + uint64(r.IntN(3))
		perPacket = 40 + hdr + uint64(r.IntN(25))
		if proto == protoUDP {
			perPacket = 60 + hdr + uint64(r.IntN(200))
		}
	case proto == protoICMP || proto == protoICMPv6:
		packets = 1 + uint64(r.IntN(10))
		perPacket = 84 + hdr // a default ping
		if r.IntN(5) == 0 {
			perPacket = 56 + hdr + uint64(r.IntN(500)) // an error carrying the offending packet
		}
	case proto == protoUDP && svc == 53:
		packets = 1 + uint64(r.IntN(2))
		perPacket = 60 + hdr + uint64(r.IntN(350))
	case proto == protoUDP && svc == 123:
		packets = 1
		perPacket = 76 + hdr
	default:
		// TCP, and QUIC on UDP 443: Pareto-distributed packet counts.
		xm, alpha := 3.0, 1.25
		if heavy {
			xm, alpha = 8, 1.1
		}
		packets = uint64(min(maxPackets, xm*math.Pow(1-r.Float64(), -1/alpha)))
		if heavy && bulk && r.Float64() < elephantShare {
			// A backup or an image download: 100 MB to 5 GB.
			packets = uint64(math.Exp(math.Log(70e3) + r.Float64()*math.Log(maxPackets/70e3)))
		}
		switch {
		case packets <= 3:
			perPacket = 40 + hdr + uint64(r.IntN(40))
		case bulk:
			perPacket = 600 + uint64(r.IntN(861))
		default:
			perPacket = 52 + hdr + uint64(r.IntN(150))
		}
	}
	packets = max(1, packets)
	rec.Packets = packets
	rec.Bytes = packets * min(1500, max(40, perPacket))
}

// duration is a flow's length in seconds: big flows last longer.
func (g *generator) duration() int64 {
	p := g.rec.Packets
	if p == 1 {
		return 0
	}
	return int64(p/2000) + int64(g.r.ExpFloat64()*8)
}

// uniqueAddrs draws n distinct addresses, none equal to self.
func uniqueAddrs(r *rand.Rand, n int, self netip.Addr, draw func(*rand.Rand) netip.Addr) []netip.Addr {
	seen := make(map[netip.Addr]bool, n)
	out := make([]netip.Addr, 0, n)
	for len(out) < n {
		a := draw(r)
		if a == self || seen[a] {
			continue
		}
		seen[a] = true
		out = append(out, a)
	}
	return out
}

// notPublic4 are the IPv4 ranges that never appear as an internet peer.
// The documentation ranges (192.0.2.0/24 and friends) are allowed: they are
// what examples use.
var notPublic4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("224.0.0.0/3"), // multicast, reserved, broadcast
}

func randomPublic4(r *rand.Rand) netip.Addr {
	for {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], r.Uint32())
		if a := netip.AddrFrom4(b); isPublic4(a) {
			return a
		}
	}
}

// isPublic4 reports whether an IPv4 address can be an internet peer. It
// skips network and broadcast-looking hosts too.
func isPublic4(a netip.Addr) bool {
	b := a.As4()
	if b[3] == 0 || b[3] == 255 {
		return false
	}
	for _, p := range notPublic4 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// randomPrivate4 returns a peer on the interface's own /16 half the time,
// else anywhere in 10.0.0.0/8 or 172.16.0.0/12.
func randomPrivate4(r *rand.Rand, local netip.Addr) netip.Addr {
	host := byte(1 + r.IntN(254))
	switch l := local.As4(); r.IntN(4) {
	case 0, 1:
		return netip.AddrFrom4([4]byte{l[0], l[1], byte(r.IntN(256)), host})
	case 2:
		return netip.AddrFrom4([4]byte{10, byte(r.IntN(256)), byte(r.IntN(256)), host})
	default:
		return netip.AddrFrom4([4]byte{172, byte(16 + r.IntN(16)), byte(r.IntN(256)), host})
	}
}

// randomPeer6 returns a peer in the interface's own /48 a third of the time,
// else a global unicast address from a block the RIRs hand out.
func randomPeer6(r *rand.Rand, local netip.Addr) netip.Addr {
	var b [16]byte
	if r.IntN(3) == 0 {
		l := local.As16()
		copy(b[:6], l[:6])
		binary.BigEndian.PutUint16(b[6:], uint16(r.IntN(1<<16)))
	} else {
		blocks := [...]uint16{0x2400, 0x2600, 0x2800, 0x2a00, 0x2c0f}
		binary.BigEndian.PutUint16(b[0:], blocks[r.IntN(len(blocks))]|uint16(r.IntN(16)))
		binary.BigEndian.PutUint16(b[2:], uint16(r.IntN(1<<16)))
		binary.BigEndian.PutUint32(b[4:], r.Uint32())
	}
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	return netip.AddrFrom16(b)
}

// defaultInterfaceID is a version-4-shaped UUID derived from the seed.
func defaultInterfaceID(seed int64) string {
	r := rand.New(rand.NewPCG(uint64(seed), 0x1d))
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], r.Uint64())
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// defaultAccountID is an eight-digit contract number derived from the seed.
func defaultAccountID(seed int64) string {
	r := rand.New(rand.NewPCG(uint64(seed), 0xacc7))
	return strconv.Itoa(10_000_000 + r.IntN(90_000_000))
}
