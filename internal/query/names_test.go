package query

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/addrinfo/mmdbtest"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/simulate"
)

// internetCorpus returns simulated objects of an interface facing the
// internet, in memory, and their lines split into fields for reference
// computations.
func internetCorpus(t testing.TB, d time.Duration, perObject int) ([]Input, [][]string) {
	t.Helper()
	store, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := simulate.Config{Name: "names", From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Duration: d,
		RecordsPerObject: perObject, Seed: 7, Traffic: simulate.TrafficInternet}
	if _, err := simulate.Run(context.Background(), cfg, store); err != nil {
		t.Fatal(err)
	}
	var inputs []Input
	var lines [][]string
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
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return err
		}
		text, err := io.ReadAll(zr)
		for _, l := range strings.Split(strings.TrimSpace(string(text)), "\n") {
			lines = append(lines, strings.Fields(l))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return inputs, lines
}

// syntheticNetworks covers the address space with networks of mixed
// lengths, as a real ASN database does: every /8 in pieces of /12 to /24,
// n of them at most, with ASNs drawn from asns; IPv6 in /20s.
func syntheticNetworks(seed uint64, n, asns int) []mmdbtest.Network {
	r := rand.New(rand.NewPCG(seed, 1))
	countries := []string{"DE", "FR", "US", "CN", "BR", "NL", "IN", "RU", "GB", "JP"}
	net := func(p netip.Prefix) mmdbtest.Network {
		asn := uint32(1 + r.IntN(asns))
		return mmdbtest.Network{Prefix: p, ASN: asn, Org: fmt.Sprintf("Org %d", asn), Country: countries[asn%uint32(len(countries))]}
	}
	var out []mmdbtest.Network
	perSlash8 := max(n/223, 1)
	for a := 1; a < 224; a++ {
		base := uint32(a) << 24
		// Pieces of random length, laid end to end through the /8; a few
		// gaps stay unallocated (no entry).
		off := uint32(0)
		for i := 0; i < perSlash8 && off < 1<<24; i++ {
			bits := 12 + r.IntN(13)
			size := uint32(1) << (32 - bits)
			off = (off + size - 1) &^ (size - 1) // aligned
			if off+size > 1<<24 {
				break
			}
			if r.IntN(20) != 0 {
				var b [4]byte
				v := base + off
				b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
				out = append(out, net(netip.PrefixFrom(netip.AddrFrom4(b), bits)))
			}
			off += size
		}
	}
	for i := 0; i < 4096; i++ {
		var b [16]byte
		b[0] = 0x20 | byte(i>>8)&0x0f
		b[1] = byte(i)
		out = append(out, net(netip.PrefixFrom(netip.AddrFrom16(b), 16)))
	}
	return out
}

func openSynthetic(t testing.TB, networks []mmdbtest.Network, labels map[string][]netip.Prefix) *addrinfo.Names {
	t.Helper()
	path := filepath.Join(t.TempDir(), "synthetic.mmdb")
	if err := mmdbtest.Write(path, networks); err != nil {
		t.Fatal(err)
	}
	names, err := addrinfo.Open(addrinfo.Config{MMDB: []string{path}, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { names.Close() })
	return names
}

// lookupReference finds the network of a by checking every one, longest
// first wins.
type lookupReference struct {
	networks []mmdbtest.Network
	byAddr   map[netip.Addr]*mmdbtest.Network
}

func (l *lookupReference) find(a netip.Addr) *mmdbtest.Network {
	if n, ok := l.byAddr[a]; ok {
		return n
	}
	var best *mmdbtest.Network
	for i := range l.networks {
		n := &l.networks[i]
		if n.Prefix.Contains(a) && (best == nil || n.Prefix.Bits() > best.Prefix.Bits()) {
			best = n
		}
	}
	l.byAddr[a] = best
	return best
}

// TestGroupByNamesAgainstReference groups a simulated internet corpus by
// ASN, by country and label, and filters by ASN, each checked against the
// same answer computed plainly from the lines.
func TestGroupByNamesAgainstReference(t *testing.T) {
	inputs, lines := internetCorpus(t, 40*time.Minute, 3000)
	networks := syntheticNetworks(3, 2000, 300)
	labels := map[string][]netip.Prefix{"web": {netip.MustParsePrefix("0.0.0.0/0")}, "top": {netip.MustParsePrefix("64.0.0.0/2")}}
	names := openSynthetic(t, networks, labels)
	ref := &lookupReference{networks: networks, byAddr: map[netip.Addr]*mmdbtest.Network{}}

	wantASN := map[string]uint64{}
	wantCountryLabel := map[string]uint64{}
	var wantFiltered int64
	var someASN uint32
	for _, f := range lines {
		if len(f) < 14 {
			continue
		}
		key, cl := "-", "-"
		if a, err := netip.ParseAddr(f[3]); err == nil {
			if n := ref.find(a); n != nil {
				key = strconv.Itoa(int(n.ASN))
				cl = n.Country
				if someASN == 0 {
					someASN = n.ASN
				}
				if n.ASN == someASN {
					wantFiltered++
				}
			}
		}
		label := "-"
		if a, err := netip.ParseAddr(f[4]); err == nil && a.Is4() {
			label = "web"
			if labels["top"][0].Contains(a) {
				label = "top"
			}
		}
		wantASN[key]++
		wantCountryLabel[cl+" "+label]++
	}

	for _, tc := range []struct {
		keys string
		want map[string]uint64
	}{
		{"src.asn", wantASN},
		{"src.country,dst.label", wantCountryLabel},
	} {
		spec := Spec{GroupBy: tc.keys, Names: names}
		plan, err := spec.Plan()
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{1, 3} {
			q := &Query{Inputs: inputs, Workers: workers}
			groups, _, err := q.Aggregate(context.Background(), plan.Keys, SortFlows, 0)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]uint64{}
			for _, g := range groups {
				var parts []string
				for _, kv := range g.Key {
					parts = append(parts, kv.String())
				}
				got[strings.Join(parts, " ")] = g.Flows
			}
			if len(got) != len(tc.want) {
				t.Errorf("%s, %d workers: %d groups, want %d", tc.keys, workers, len(got), len(tc.want))
			}
			for k, n := range tc.want {
				if got[k] != n {
					t.Errorf("%s, %d workers: group %q has %d flows, want %d", tc.keys, workers, k, got[k], n)
				}
			}
		}
	}

	spec := Spec{Where: fmt.Sprintf("src.asn = AS%d", someASN), Names: names}
	plan, err := spec.Plan()
	if err != nil {
		t.Fatal(err)
	}
	q := &Query{Inputs: inputs, Filter: plan.Filter, Workers: 2}
	n, _, err := q.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != wantFiltered || n == 0 {
		t.Errorf("--where src.asn = %d: %d records, want %d", someASN, n, wantFiltered)
	}
}

// BenchmarkGroupByASN compares a group-by on the source's ASN with one on
// its /24, on internet-shaped traffic (the goal: within 1.5×).
func BenchmarkGroupByASN(b *testing.B) {
	inputs, _ := internetCorpus(b, 2*time.Hour, 20000)
	names := openSynthetic(b, syntheticNetworks(5, 150_000, 30_000), nil)
	for _, keys := range []string{"srcaddr/24", "src.asn", "src.country", "src.as_org"} {
		b.Run(strings.ReplaceAll(keys, "/", "_"), func(b *testing.B) {
			spec := Spec{GroupBy: keys, Names: names}
			plan, err := spec.Plan()
			if err != nil {
				b.Fatal(err)
			}
			q := &Query{Inputs: inputs}
			for b.Loop() {
				if _, _, err := q.Aggregate(context.Background(), plan.Keys, SortBytes, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
