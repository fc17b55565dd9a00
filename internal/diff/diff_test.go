package diff

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/simulate"
)

func TestCompareTable(t *testing.T) {
	g := func(port uint64, flows, bytes uint64) query.Group {
		return query.Group{Key: []query.KeyValue{{Present: true, Num: port}}, Flows: flows, Bytes: bytes}
	}
	base := []query.Group{g(22, 10, 1000), g(80, 5, 500), g(443, 1, 100), g(25, 3, 300), g(53, 2, 200)}
	compare := []query.Group{g(22, 10, 1000), g(80, 1, 50), g(443, 4, 800), g(8080, 7, 700), g(3389, 1, 10)}
	res := Compare(base, compare, Options{Metric: query.SortBytes, Rank: ByDelta})
	got := func(rows []Row) string {
		var parts []string
		for _, r := range rows {
			parts = append(parts, strconv.FormatUint(r.Key[0].Num, 10)+":"+string(r.Change)+":"+strconv.FormatInt(r.Delta(), 10))
		}
		return strings.Join(parts, " ")
	}
	for _, tc := range []struct{ name, got, want string }{
		{"new", got(res.New), "8080:new:700 3389:new:10"},
		{"gone", got(res.Gone), "25:gone:-300 53:gone:-200"},
		{"changed by delta", got(res.Changed), "443:up:700 80:down:-450"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, tc.got, tc.want)
		}
	}
	// By ratio: 80 fell tenfold, 443 grew eightfold.
	res = Compare(base, compare, Options{Metric: query.SortBytes, Rank: ByRatio, Top: 1})
	if s := got(res.Changed); s != "80:down:-450" || len(res.New) != 1 || len(res.Gone) != 1 {
		t.Errorf("by ratio, top 1: changed %s, %d new, %d gone", s, len(res.New), len(res.Gone))
	}
	// By flows, 22 is unchanged and 443 up by 3.
	res = Compare(base, compare, Options{Metric: query.SortFlows})
	if s := got(res.Changed); s != "80:down:-4 443:up:3" {
		t.Errorf("by flows: %s", s)
	}
}

// TestCompareAgainstReference compares two hours of a simulated corpus by
// destination port, through query's aggregation, and checks every row
// against sums computed plainly from the lines.
func TestCompareAgainstReference(t *testing.T) {
	store, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cfg := simulate.Config{Name: "diff", From: from, Duration: 2 * time.Hour, RecordsPerObject: 2000, Seed: 3, Traffic: simulate.TrafficInternet}
	if _, err := simulate.Run(context.Background(), cfg, store); err != nil {
		t.Fatal(err)
	}
	var inputs []query.Input
	ref := [2]map[string]uint64{{}, {}}
	windows := [2][2]int64{{from.Unix(), from.Unix() + 3599}, {from.Unix() + 3600, from.Unix() + 7199}}
	err = store.List(context.Background(), "", "", func(o objstore.Object) error {
		r, err := store.Open(context.Background(), o.Key)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(r)
		r.Close()
		inputs = append(inputs, query.Input{Name: o.Key, Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(body)), nil
		}})
		zr, _ := gzip.NewReader(bytes.NewReader(body))
		text, _ := io.ReadAll(zr)
		for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
			f := strings.Fields(line)
			start, _ := strconv.ParseInt(f[10], 10, 64)
			end, _ := strconv.ParseInt(f[11], 10, 64)
			b, _ := strconv.ParseUint(f[9], 10, 64)
			for i, w := range windows {
				if end >= w[0] && start <= w[1] {
					ref[i][f[6]] += b
				}
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var groups [2][]query.Group
	for i, w := range windows {
		plan, err := query.Spec{GroupBy: "dstport", Since: time.Unix(w[0], 0), Until: time.Unix(w[1], 0)}.Plan()
		if err != nil {
			t.Fatal(err)
		}
		q := &query.Query{Inputs: inputs, Filter: plan.Filter, Workers: 2}
		if groups[i], _, err = q.Aggregate(context.Background(), plan.Keys, query.SortBytes, 0); err != nil {
			t.Fatal(err)
		}
	}
	res := Compare(groups[0], groups[1], Options{Metric: query.SortBytes, Rank: ByDelta})
	seen := map[string]bool{}
	for _, r := range res.Rows() {
		k := r.Key[0].String()
		seen[k] = true
		b, c := ref[0][k], ref[1][k]
		if r.Base != b || r.Compare != c {
			t.Errorf("port %s: %d -> %d, want %d -> %d", k, r.Base, r.Compare, b, c)
		}
		_, inBase := ref[0][k]
		_, inCompare := ref[1][k]
		want := Up
		switch {
		case !inBase:
			want = New
		case !inCompare:
			want = Gone
		case c < b:
			want = Down
		}
		if r.Change != want {
			t.Errorf("port %s: %s, want %s", k, r.Change, want)
		}
	}
	for i := range ref {
		for k := range ref[i] {
			_, b := ref[0][k]
			_, c := ref[1][k]
			if !seen[k] && !(b && c && ref[0][k] == ref[1][k]) {
				t.Errorf("port %s missing from the comparison", k)
			}
		}
	}
	for i := 1; i < len(res.Changed); i++ {
		if abs(res.Changed[i].Delta()) > abs(res.Changed[i-1].Delta()) {
			t.Fatalf("changed rows out of order at %d", i)
		}
	}
	if len(res.New) == 0 || len(res.Gone) == 0 || len(res.Changed) == 0 {
		t.Fatalf("%d new, %d gone, %d changed: the corpus checks too little", len(res.New), len(res.Gone), len(res.Changed))
	}
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
