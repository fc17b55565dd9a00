package simulate

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"net/netip"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/record"
)

// The shape of TrafficInternet: a web server's interface with public
// addresses. Shares are of draws of a flow (a scanner's probe, a client's
// connection, a connection the server opens); a client's connection can
// add its reply as a record of its own.
const (
	scanShareLo     = 0.40 // of draws in a window, scanners' probes: 0.40 to 0.60
	scanShareSpread = 0.20
	campaignShare   = 0.05 // windows in which a scanning campaign bursts...
	campaignScan    = 0.75 // ...and takes this share of the draws
	openedShare     = 0.08 // of the other draws, connections the server opens
	replyShare      = 0.60 // of clients' connections, with BIDIRECTIONAL, whose reply is its own record
	clientV6Share   = 0.12
	scannerV6Share  = 0.06
	openedV6Share   = 0.10

	// Scanners: a head of known ones (research scanners, search engines
	// of devices, persistent botnet nodes) with Zipf popularity, whose
	// first sweepers step through every port in turn, and a tail of
	// millions of infected hosts probing a few admin ports each.
	knownScanners  = 2000
	sweepers       = 32
	scannerSkew    = 1.2
	scannerHead    = 0.35 // of probes, from the known scanners
	scannerTail    = 3e6  // Lomax scale of the tail's indices
	scannerTailExp = 1.5  // and its shape

	// Clients: regulars (crawlers, monitoring, corporate and carrier NATs)
	// with Zipf popularity, the first heavyRanks of them heavy, and a tail
	// of visitors most of whom come once.
	regularClients = 20_000
	clientSkew     = 1.1
	clientHead     = 0.45
	clientTail     = 4e5
	clientTailExp  = 1.2

	// What the server connects to: resolvers, time servers, APIs, mirrors.
	destinations    = 500
	destinationSkew = 1.3
)

// Services the server offers to the internet. Everything else is closed.
func isOpen(proto uint8, port uint16) bool {
	return (proto == protoTCP && (port == 443 || port == 80)) || (proto == protoUDP && port == 443)
}

// What scanners look for, roughly as often as honeypots see it.
var (
	scannedTCP = newWeighted(22, 300, 23, 160, 3389, 90, 445, 80, 80, 70, 443, 50, 8080, 50, 2323, 30,
		5555, 25, 6379, 20, 1433, 20, 3306, 20, 5900, 20, 8443, 20, 8088, 15, 81, 15, 25, 15, 21, 15,
		9200, 10, 27017, 10, 0, 60) // 0: any port
	scannedUDP = newWeighted(53, 30, 123, 25, 161, 25, 1900, 20, 5060, 20, 11211, 10, 389, 10, 137, 10)
	opened     = newWeighted(443, 500, 53, 350, 80, 50, 123, 50, 25, 50)
)

// crowd is a population of peers too large to list: a peer is an index and
// its address a hash of the index, so drawing costs the same for twenty
// peers as for twenty million. A head of regulars comes with Zipf
// popularity; the others from a tail whose indices are Lomax (Pareto II)
// distributed: a few return often, most show up once or twice a day.
type crowd struct {
	salt      uint64
	head      *rand.Zipf
	headSize  uint64
	headShare float64
	tailScale float64
	tailExp   float64
}

func newCrowd(r *rand.Rand, salt uint64, headSize int, skew, headShare, tailScale, tailExp float64) crowd {
	return crowd{salt: salt, head: rand.NewZipf(r, skew, 1, uint64(headSize-1)), headSize: uint64(headSize),
		headShare: headShare, tailScale: tailScale, tailExp: tailExp}
}

// pick returns a peer: its index, below headSize for the head's regulars
// in order of popularity.
func (c *crowd) pick(r *rand.Rand) uint64 {
	if c.tailScale == 0 || r.Float64() < c.headShare {
		return c.head.Uint64()
	}
	u := 1 - r.Float64() // (0, 1]
	return c.headSize + uint64(min(c.tailScale*(math.Pow(u, -1/c.tailExp)-1), 1<<62))
}

// internetFacing is the state of TrafficInternet beside the generator's.
type internetFacing struct {
	scanners, clients, dests crowd

	// sweep is the next port of each sweeper in this window; 0 before its
	// first probe.
	sweep [sweepers]uint16

	reply   record.Record // a client's reply, written next when pending
	pending bool
}

func newInternetFacing(g *generator) *internetFacing {
	// The interface's addresses come from a stream of their own, as the
	// default traffic's do; the crowds' addresses from hashes of the seed.
	setup := rand.New(rand.NewPCG(g.seed, 0x1e7_fac1))
	g.local4 = randomPublic4(setup)
	var a6 [16]byte
	binary.BigEndian.PutUint32(a6[0:], 0x2a010000|setup.Uint32()&0xffff) // a /32 in 2a01::/16 (RIPE)
	binary.BigEndian.PutUint32(a6[4:], setup.Uint32())
	binary.BigEndian.PutUint64(a6[8:], setup.Uint64())
	g.local6 = netip.AddrFrom16(a6)

	return &internetFacing{
		scanners: newCrowd(g.r, 0x5ca7, knownScanners, scannerSkew, scannerHead, scannerTail, scannerTailExp),
		clients:  newCrowd(g.r, 0xc11e, regularClients, clientSkew, clientHead, clientTail, clientTailExp),
		dests:    newCrowd(g.r, 0xde57, destinations, destinationSkew, 1, 0, 0),
	}
}

// startWindow decides a window's share of scans and forgets the last one's
// sweeps and pending reply.
func (n *internetFacing) startWindow(r *rand.Rand, w *window) {
	w.scanShare = scanShareLo + scanShareSpread*r.Float64()
	if r.Float64() < campaignShare {
		w.scanShare = campaignScan
	}
	n.sweep = [sweepers]uint16{}
	n.pending = false
}

// inetFlow fills in the flow fields of g.rec, all but the times, with the
// next record of an internet-facing interface that the flow log's
// direction and action keep. start is the record's start: IPv6 peers
// change their interface identifier every hour.
func (g *generator) inetFlow(w *window, start int64) {
	n := g.inet
	if n.pending {
		n.pending = false
		g.rec = n.reply
		return
	}
	hour := uint64(start / 3600)
	for {
		r := g.r
		u := r.Float64()
		switch {
		case !g.ingress && g.action == flowlog.Rejected:
			g.open() // nothing else is turned away on the way out
		case u < w.scanShare:
			if !g.ingress {
				continue
			}
			g.scan(hour)
		case u < w.scanShare+(1-w.scanShare)*openedShare:
			if !g.egress {
				continue
			}
			g.open()
		default:
			g.visit(hour)
		}
		switch {
		case g.action == flowlog.Accepted && g.rec.Action != record.Accept:
		case g.action == flowlog.Rejected && g.rec.Action != record.Reject:
		default:
			return
		}
	}
}

// scan fills in a scanner's probe of the interface.
func (g *generator) scan(hour uint64) {
	r, rec, n := g.r, &g.rec, g.inet
	rec.Present = record.AllFields
	rec.Status = record.OK
	idx := n.scanners.pick(r)
	v6 := r.Float64() < scannerV6Share
	peer, local := g.peer4(n.scanners.salt, idx), g.local4
	if v6 {
		peer, local = g.peer6(n.scanners.salt, idx, hour), g.local6
	}

	proto := uint8(protoTCP)
	var port uint16
	switch u := r.Float64(); {
	case idx < sweepers:
		// A sweep: the next port after this scanner's last one, from a
		// random port at its first probe in the window.
		p := n.sweep[idx]
		if p == 0 {
			p = uint16(1 + r.IntN(65535))
		}
		port = p
		n.sweep[idx] = max(1, p+1) // 65535 wraps to 1
	case u < 0.05:
		proto = protoICMP
		if v6 {
			proto = protoICMPv6
		}
	case u < 0.20:
		proto = protoUDP
		port = scannedUDP.pick(r)
	default:
		port = scannedTCP.pick(r)
		if port == 0 {
			port = uint16(1 + r.IntN(65535))
		}
	}
	rec.SrcAddr, rec.DstAddr, rec.Protocol = peer, local, proto
	rec.SrcPort, rec.DstPort = 0, 0
	if proto != protoICMP && proto != protoICMPv6 {
		rec.SrcPort, rec.DstPort = ephemeral(r), port
	}

	hdr := uint64(0)
	if v6 {
		hdr = 20
	}
	if isOpen(proto, port) {
		// The port answers: a handshake and a request for the front page.
		rec.Action = record.Accept
		rec.Packets = 3 + uint64(r.IntN(6))
		rec.Bytes = rec.Packets * (52 + hdr + uint64(r.IntN(120)))
		return
	}
	rec.Action = record.Reject
	rec.Packets = 1 + uint64(r.IntN(10)/8) // the odd retransmission
	switch proto {
	case protoTCP:
		rec.Bytes = rec.Packets * ([...]uint64{40, 44, 52, 60}[r.IntN(4)] + hdr)
	case protoUDP:
		rec.Bytes = rec.Packets * (28 + hdr + uint64(r.IntN(80)))
	default:
		rec.Bytes = rec.Packets * (28 + hdr + uint64(r.IntN(57)))
	}
}

// visit fills in a client's connection to the web server: the request, and
// its reply as the next record when the flow log sees both directions, or
// only the reply with EGRESS.
func (g *generator) visit(hour uint64) {
	r, rec, n := g.r, &g.rec, g.inet
	rec.Present = record.AllFields
	rec.Status = record.OK
	rec.Action = record.Accept
	idx := n.clients.pick(r)
	heavy := idx < heavyRanks
	v6 := r.Float64() < clientV6Share
	peer, local := g.peer4(n.clients.salt, idx), g.local4
	if v6 {
		peer, local = g.peer6(n.clients.salt, idx, hour), g.local6
	}
	proto, port := uint8(protoTCP), uint16(443)
	switch u := r.Float64(); {
	case u < 0.08:
		port = 80
	case u < 0.18:
		proto = protoUDP // QUIC
	}
	eph := ephemeral(r)
	rec.SrcAddr, rec.SrcPort, rec.DstAddr, rec.DstPort, rec.Protocol = peer, eph, local, port, proto
	g.size(false, proto, port, v6, heavy, false)

	if !g.egress || g.ingress && (g.action == flowlog.Rejected || r.Float64() >= replyShare) {
		return
	}
	request := *rec
	rec.SrcAddr, rec.SrcPort, rec.DstAddr, rec.DstPort = local, port, peer, eph
	g.size(false, proto, port, v6, heavy, true)
	if !g.ingress {
		return // EGRESS sees only the reply
	}
	n.reply, n.pending = *rec, true
	*rec = request
}

// open fills in a connection the server opens: name lookups, time, APIs,
// package mirrors, and now and then mail, which the firewall blocks.
func (g *generator) open() {
	r, rec, n := g.r, &g.rec, g.inet
	rec.Present = record.AllFields
	rec.Status = record.OK
	rec.Action = record.Accept
	idx := n.dests.pick(r)
	v6 := r.Float64() < openedV6Share
	peer, local := g.peer4(n.dests.salt, idx), g.local4
	if v6 {
		peer, local = g.peer6(n.dests.salt, idx, 0), g.local6 // servers keep their addresses
	}
	port := opened.pick(r)
	if g.action == flowlog.Rejected {
		port = 25
	}
	proto := uint8(protoTCP)
	if port == 53 || port == 123 {
		proto = protoUDP
	}
	if port == 25 {
		rec.Action = record.Reject
	}
	rec.SrcAddr, rec.SrcPort, rec.DstAddr, rec.DstPort, rec.Protocol = local, ephemeral(r), peer, port, proto
	g.size(rec.Action == record.Reject, proto, port, v6, idx < heavyRanks, false)
}

// ephemeral draws a client's source port: Linux's range or the IANA one
// (Windows, macOS).
func ephemeral(r *rand.Rand) uint16 {
	if r.IntN(2) == 0 {
		return uint16(ephemeralLo + r.IntN(ephemeralHi-ephemeralLo+1))
	}
	return uint16(49152 + r.IntN(65536-49152))
}

// mix64 is SplitMix64's finaliser: a bijection that scatters its input's
// bits over the whole word.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// peer4 is the public IPv4 address of peer idx of the crowd with salt:
// the same for the same seed, whatever the window.
func (g *generator) peer4(salt, idx uint64) netip.Addr {
	h := mix64(mix64(g.seed^salt<<32) + idx)
	for {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(h>>32))
		if a := netip.AddrFrom4(b); isPublic4(a) && a != g.local4 {
			return a
		}
		h = mix64(h)
	}
}

// peer6 is the IPv6 address of peer idx of the crowd with salt in the given
// hour: a /64 of its own in a block the RIRs hand out, with an interface
// identifier that changes every hour, as temporary addresses (RFC 8981) do.
func (g *generator) peer6(salt, idx, hour uint64) netip.Addr {
	h := mix64(mix64(g.seed^salt<<32^1) + idx)
	var b [16]byte
	blocks := [...]uint16{0x2400, 0x2600, 0x2800, 0x2a00, 0x2c0f}
	binary.BigEndian.PutUint16(b[0:], blocks[h%uint64(len(blocks))]|uint16(h>>8)&0xf)
	binary.BigEndian.PutUint16(b[2:], uint16(h>>16))
	binary.BigEndian.PutUint32(b[4:], uint32(h>>32))
	binary.BigEndian.PutUint64(b[8:], mix64(h^hour*0x9e3779b97f4a7c15))
	return netip.AddrFrom16(b)
}
