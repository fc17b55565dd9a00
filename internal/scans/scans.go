// Package scans owns finding the sources that scan: those that touched at
// least a number of distinct destination ports, or of destination hosts,
// in the records of a query. It reads the records once, in parallel, with
// a small fixed state per source: distinct counts are exact up to
// ExactUpTo and HyperLogLog estimates above it (StdError), and the ports a
// source touched most come from a Space-Saving summary of topSlots ports,
// reported with the flows they surely had.
//
// Replies are not probes: a record from a service port (below 32768) to an
// ephemeral one (32768 and above, where Linux and Windows pick the ports of
// outgoing connections) is a service answering, and is left out, so that a
// server answering many clients is not taken for a scanner.
package scans

import (
	"cmp"
	"context"
	"encoding/binary"
	"net/netip"
	"slices"
	"sync"

	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/record"
)

// Options are the thresholds: a source is a scanner when it touched at
// least MinPorts distinct destination ports or at least MinHosts distinct
// destination hosts. A threshold of 0 is off.
type Options struct {
	MinPorts, MinHosts uint64
	Top                int // scanners returned, most ports first; 0 for all

	// MaxSources bounds the sources a worker keeps at once (0 means
	// DefaultMaxSources). When its table is full, the sources that touched
	// the fewest targets so far (one port and one host, then two, ...) are
	// forgotten: a day of internet traffic has millions of sources that
	// show up once, and a scanner is never among them for long.
	MaxSources int
}

// DefaultMaxSources keeps memory near 100 MB a worker.
const DefaultMaxSources = 1 << 18

// Defaults are the thresholds of flowlog scans.
var Defaults = Options{MinPorts: 10, MinHosts: 10}

// Scanner is a source that scanned, and what it did.
type Scanner struct {
	Source       netip.Addr
	Ports, Hosts uint64 // distinct destination ports and hosts (see ExactUpTo, StdError)
	Flows        uint64
	Rejects      uint64 // flows the firewall rejected
	First, Last  int64  // unix seconds of its first start and last end; 0 when unknown
	TopPorts     []Target
	Approximate  bool // Ports or Hosts is an estimate
	TopExact     bool // TopPorts counts are exact (the source touched at most 5 ports)
}

// RejectShare is the share of its flows the firewall rejected, 0 to 1.
func (s *Scanner) RejectShare() float64 {
	if s.Flows == 0 {
		return 0
	}
	return float64(s.Rejects) / float64(s.Flows)
}

// Target is a destination port and how many of a source's flows went to
// it: exactly when the source touched at most topSlots ports, else at
// least that many (the guaranteed part of a Space-Saving count).
type Target struct {
	Port  uint16
	Flows uint64
}

// topSlots is how many ports a source's Space-Saving summary tracks.
const topSlots = 5

// Find reads the records of q and returns the scanners, most distinct
// ports first (then hosts, then flows). It is a Collector fed by one pass
// of its own.
func Find(ctx context.Context, q *query.Query, opts Options) ([]Scanner, query.Stats, error) {
	c := NewCollector(opts)
	v := c.Visitor()
	stats, err := q.Visit(ctx, v.Need, v.New)
	if err != nil {
		return nil, stats, err
	}
	return c.Scanners(), stats, nil
}

// Collector finds scanners among the records a pass visits: each worker
// keeps its own table of sources (Visitor), and Scanners merges them once
// the pass is over. Feed it to query.Query.AggregateEach to find scanners
// in the same pass as other group-bys, as flowlog report does.
type Collector struct {
	opts   Options
	limit  int
	mu     sync.Mutex
	tables []*table
}

// NewCollector returns a collector with the thresholds of opts.
func NewCollector(opts Options) *Collector {
	limit := opts.MaxSources
	if limit <= 0 {
		limit = DefaultMaxSources
	}
	return &Collector{opts: opts, limit: limit}
}

// Need are the fields a collector reads.
var Need = record.FieldSet(0).With(record.SrcAddr).With(record.DstAddr).With(record.SrcPort).
	With(record.DstPort).With(record.ActionField).With(record.Start).With(record.End)

// Visitor is the collector as a consumer of a query's records: each
// worker gets a table of its own.
func (c *Collector) Visitor() query.Visitor {
	return query.Visitor{Need: Need, New: func(int) func(*record.Record) bool {
		t := newTable(c.limit)
		c.mu.Lock()
		c.tables = append(c.tables, t)
		c.mu.Unlock()
		return t.add
	}}
}

// Scanners merges the workers' tables and returns the scanners, most
// distinct ports first (then hosts, then flows). Call it once, after the
// pass.
func (c *Collector) Scanners() []Scanner {
	c.mu.Lock()
	defer c.mu.Unlock()
	var all *table
	for _, t := range c.tables {
		switch {
		case all == nil:
			all = t
		default:
			all.merge(t)
		}
	}
	c.tables = nil
	if all == nil {
		return nil
	}
	return all.scanners(c.opts)
}

// sourceKey is an address as a map key.
type sourceKey struct {
	hi, lo uint64
	v6     bool
}

func keyOf(a netip.Addr) sourceKey {
	if a.Is4() {
		b := a.As4()
		return sourceKey{lo: uint64(binary.BigEndian.Uint32(b[:]))}
	}
	b := a.As16()
	return sourceKey{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:]), v6: true}
}

func (k sourceKey) addr() netip.Addr {
	if !k.v6 {
		return netip.AddrFrom4([4]byte{byte(k.lo >> 24), byte(k.lo >> 16), byte(k.lo >> 8), byte(k.lo)})
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], k.hi)
	binary.BigEndian.PutUint64(b[8:], k.lo)
	return netip.AddrFrom16(b)
}

// source is the state of one source: about 130 bytes, no pointers.
type source struct {
	flows, rejects uint64
	first, last    int64
	ports, hosts   distinct
	top            [topSlots]portCount
	topUsed        uint8
	topOverflow    bool // a port was evicted: counts are upper bounds
}

// portCount is a port of the Space-Saving summary: flows counted since it
// was taken in, plus over, the count of the port it evicted, so that its
// flows are between flows-over and flows.
type portCount struct {
	port  uint16
	flows uint32
	over  uint32
}

// table is one worker's sources.
type table struct {
	index    map[sourceKey]int32
	sources  []source
	keys     []sourceKey
	sketches sketches
	limit    int // sources kept at most
}

func newTable(limit int) *table {
	return &table{index: map[sourceKey]int32{}, limit: limit}
}

func (t *table) get(k sourceKey) *source {
	i, ok := t.index[k]
	if !ok {
		if len(t.sources) >= t.limit {
			t.forget()
		}
		i = int32(len(t.sources))
		t.index[k] = i
		t.sources = append(t.sources, source{})
		t.keys = append(t.keys, k)
	}
	return &t.sources[i]
}

// ephemeralPorts is where the ephemeral range starts: 32768 on Linux,
// 49152 on Windows and BSD.
const ephemeralPorts = 32768

// isReply reports whether a record is a service answering: from a service
// port to an ephemeral one.
func isReply(r *record.Record) bool {
	return r.Has(record.SrcPort) && r.Has(record.DstPort) && r.SrcPort < ephemeralPorts && r.DstPort >= ephemeralPorts
}

func (t *table) add(r *record.Record) bool {
	if !r.Has(record.SrcAddr) || !r.Has(record.DstAddr) || isReply(r) {
		return true
	}
	s := t.get(keyOf(r.SrcAddr))
	s.flows++
	if r.Has(record.ActionField) && r.Action == record.Reject {
		s.rejects++
	}
	if r.Has(record.Start) && (s.first == 0 || r.Start < s.first) {
		s.first = r.Start
	}
	if r.Has(record.End) && r.End > s.last {
		s.last = r.End
	}
	dk := keyOf(r.DstAddr)
	s.hosts.add(mix32(dk.hi*0x9e3779b97f4a7c15^dk.lo^boolBit(dk.v6)), &t.sketches)
	if r.Has(record.DstPort) {
		s.ports.add(mix32(uint64(r.DstPort)), &t.sketches)
		s.count(r.DstPort, 1)
	}
	return true
}

func boolBit(b bool) uint64 {
	if b {
		return 1 << 63
	}
	return 0
}

// count adds flows to port in the Space-Saving summary: a port not
// tracked takes the place of the least counted one, and its count.
func (s *source) count(port uint16, flows uint32) {
	least := 0
	for i := range s.top[:s.topUsed] {
		if s.top[i].port == port {
			s.top[i].flows += flows
			return
		}
		if s.top[i].flows < s.top[least].flows {
			least = i
		}
	}
	if int(s.topUsed) < topSlots {
		s.top[s.topUsed] = portCount{port: port, flows: flows}
		s.topUsed++
		return
	}
	s.topOverflow = true
	s.top[least] = portCount{port: port, flows: s.top[least].flows + flows, over: s.top[least].flows}
}

// forget drops the sources that touched the fewest targets until at most
// half the limit is left: those with one port and one host first, then up
// to two, and so on. Sources with a sketch are kept (their targets are
// many).
func (t *table) forget() {
	for most := uint8(1); len(t.sources) > t.limit/2 && most < inlineValues; most++ {
		kept := 0
		index := make(map[sourceKey]int32, t.limit)
		for i := range t.sources {
			s := &t.sources[i]
			if s.ports.sketch == 0 && s.hosts.sketch == 0 && s.ports.n <= most && s.hosts.n <= most {
				continue
			}
			t.sources[kept], t.keys[kept] = *s, t.keys[i]
			index[t.keys[kept]] = int32(kept)
			kept++
		}
		t.sources, t.keys, t.index = t.sources[:kept], t.keys[:kept], index
	}
	if len(t.sources) >= t.limit/2 {
		// All of them touched many targets: keep them, and sweep less often.
		t.limit *= 2
	}
}

func (t *table) merge(o *table) {
	for i, k := range o.keys {
		os := &o.sources[i]
		s := t.get(k)
		s.flows += os.flows
		s.rejects += os.rejects
		if os.first != 0 && (s.first == 0 || os.first < s.first) {
			s.first = os.first
		}
		s.last = max(s.last, os.last)
		s.ports.merge(&os.ports, &t.sketches, o.sketches)
		s.hosts.merge(&os.hosts, &t.sketches, o.sketches)
		for _, pc := range os.top[:os.topUsed] {
			s.count(pc.port, pc.flows-pc.over)
		}
		s.topOverflow = s.topOverflow || os.topOverflow
	}
}

func (t *table) scanners(opts Options) []Scanner {
	var out []Scanner
	for i := range t.sources {
		s := &t.sources[i]
		// An estimate never exceeds the flows that made it.
		ports, hosts := min(s.ports.count(t.sketches), s.flows), min(s.hosts.count(t.sketches), s.flows)
		if !(opts.MinPorts > 0 && ports >= opts.MinPorts || opts.MinHosts > 0 && hosts >= opts.MinHosts) {
			continue
		}
		sc := Scanner{
			Source: t.keys[i].addr(), Ports: ports, Hosts: hosts, Flows: s.flows, Rejects: s.rejects,
			First: s.first, Last: s.last, Approximate: s.ports.sketch != 0 || s.hosts.sketch != 0,
			TopExact: !s.topOverflow,
		}
		for _, pc := range s.top[:s.topUsed] {
			sc.TopPorts = append(sc.TopPorts, Target{Port: pc.port, Flows: uint64(pc.flows - pc.over)})
		}
		slices.SortFunc(sc.TopPorts, func(a, b Target) int {
			if c := cmp.Compare(b.Flows, a.Flows); c != 0 {
				return c
			}
			return cmp.Compare(a.Port, b.Port)
		})
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b Scanner) int {
		if c := cmp.Compare(b.Ports, a.Ports); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Hosts, a.Hosts); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Flows, a.Flows); c != 0 {
			return c
		}
		return a.Source.Compare(b.Source)
	})
	if opts.Top > 0 && len(out) > opts.Top {
		out = out[:opts.Top]
	}
	return out
}
