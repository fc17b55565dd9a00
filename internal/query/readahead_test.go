package query

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/record"
)

// openTracker wraps inputs to count the requests in flight at once, from
// the start of a request until its body is closed.
type openTracker struct {
	mu        sync.Mutex
	open, max int
	opened    int
}

func (tr *openTracker) wrap(inputs []Input, latency time.Duration) []Input {
	out := make([]Input, len(inputs))
	for i, in := range inputs {
		out[i] = Input{Name: in.Name, Open: func(ctx context.Context) (io.ReadCloser, error) {
			// A request is in flight from its start until its body is
			// closed.
			tr.mu.Lock()
			tr.open++
			tr.opened++
			tr.max = max(tr.max, tr.open)
			tr.mu.Unlock()
			time.Sleep(latency)
			rc, err := in.Open(ctx)
			if err != nil {
				return nil, err
			}
			return &trackedBody{ReadCloser: rc, tr: tr}, nil
		}}
	}
	return out
}

func (tr *openTracker) state() (open, maxOpen, opened int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.open, tr.max, tr.opened
}

type trackedBody struct {
	io.ReadCloser
	tr   *openTracker
	once sync.Once
}

func (b *trackedBody) Close() error {
	b.once.Do(func() {
		b.tr.mu.Lock()
		b.tr.open--
		b.tr.mu.Unlock()
	})
	return b.ReadCloser.Close()
}

func TestReadAheadAnswersAsWithout(t *testing.T) {
	inputs, want := corpus(t, 80)
	// One input larger than what is read ahead, so it goes on streaming.
	var big strings.Builder
	for j := 0; big.Len() < 3*readAheadBytes; j++ {
		l := line(999, j, "REJECT")
		big.WriteString(l)
		want = append(want, l)
	}
	inputs = append(inputs, memInput("in-big", []byte(big.String())))

	plain := &Query{Inputs: inputs, Filter: actionIs(record.Reject), Workers: 2}
	wantGroups, _, err := plain.Aggregate(context.Background(), []GroupKey{{Field: record.SrcAddr}}, SortBytes, 0)
	if err != nil {
		t.Fatal(err)
	}

	for _, inFlight := range []int{3, 16, 200} {
		tr := &openTracker{}
		q := &Query{Inputs: tr.wrap(inputs, time.Millisecond), Filter: actionIs(record.Reject), Workers: 2, InFlight: inFlight}

		var out bytes.Buffer
		stats, err := q.Print(context.Background(), 0, rawEncode, func(b []byte) error { out.Write(b); return nil }, 0)
		if err != nil {
			t.Fatal(err)
		}
		if out.String() != strings.Join(want, "") {
			t.Fatalf("in flight %d: printed records differ from the inputs in order", inFlight)
		}
		if stats.Sources != len(inputs) || stats.Matched != int64(len(want)) {
			t.Errorf("in flight %d: stats %+v, want %d sources and %d matched", inFlight, stats, len(inputs), len(want))
		}
		n, _, err := q.Count(context.Background())
		if err != nil || n != int64(len(want)) {
			t.Fatalf("in flight %d: Count = %d, %v; want %d", inFlight, n, err, len(want))
		}
		groups, _, err := q.Aggregate(context.Background(), []GroupKey{{Field: record.SrcAddr}}, SortBytes, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != len(wantGroups) {
			t.Fatalf("in flight %d: %d groups, want %d", inFlight, len(groups), len(wantGroups))
		}
		for i := range groups {
			if groups[i].Key[0].String() != wantGroups[i].Key[0].String() || groups[i].Bytes != wantGroups[i].Bytes || groups[i].Flows != wantGroups[i].Flows {
				t.Fatalf("in flight %d: group %d = %+v, want %+v", inFlight, i, groups[i], wantGroups[i])
			}
		}

		open, maxOpen, opened := tr.state()
		if open != 0 {
			t.Errorf("in flight %d: %d bodies left open", inFlight, open)
		}
		if opened != 3*len(inputs) {
			t.Errorf("in flight %d: %d opens for 3 runs over %d inputs, want each opened once a run", inFlight, opened, len(inputs))
		}
		if maxOpen > inFlight {
			t.Errorf("in flight %d: %d bodies open at once", inFlight, maxOpen)
		}
		if maxOpen <= q.Workers {
			t.Errorf("in flight %d: at most %d bodies open at once, no more than the %d workers: nothing was read ahead", inFlight, maxOpen, q.Workers)
		}
	}
}

// failingBody gives n bytes of data, then err.
type failingBody struct {
	r   io.Reader
	err error
}

func (b *failingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, b.err
	}
	return n, err
}

func TestReadAheadKeepsReadErrorsInPlace(t *testing.T) {
	var text strings.Builder
	for j := 0; text.Len() < 2*readAheadBytes; j++ {
		text.WriteString(line(1, j, "ACCEPT"))
	}
	cut := errors.New("connection reset by peer")
	for _, after := range []int{100, readAheadBytes - 1, readAheadBytes, readAheadBytes + 5000} {
		data := text.String()[:after]
		inputs, _ := corpus(t, 12)
		inputs[7] = Input{Name: "in-cut", Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(&failingBody{r: strings.NewReader(data), err: cut}), nil
		}}
		q := &Query{Inputs: inputs, Workers: 2, InFlight: 8}
		_, _, err := q.Count(context.Background())
		var se *record.SourceError
		if !errors.Is(err, cut) || !errors.As(err, &se) || se.Source != "in-cut" {
			t.Errorf("cut after %d bytes: Count error = %v, want the read error naming in-cut", after, err)
		}
	}
}

func TestReadAheadClosesWhatNobodyRead(t *testing.T) {
	inputs, _ := corpus(t, 60)
	tr := &openTracker{}
	q := &Query{Inputs: tr.wrap(inputs, 0), Filter: actionIs(record.Reject), Workers: 2, InFlight: 20}
	var out bytes.Buffer
	if _, err := q.Print(context.Background(), 0, rawEncode, func(b []byte) error { out.Write(b); return nil }, 3); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "\n"); got != 3 {
		t.Fatalf("printed %d records, want 3", got)
	}
	if open, _, _ := tr.state(); open != 0 {
		t.Errorf("%d bodies left open after a limit stopped the run", open)
	}
}

// An input slow to answer holds up no count or aggregation: its worker
// reads the inputs that arrived meanwhile. Here the first input answers only
// once every other one was read, which a single worker taking the inputs in
// order would wait for forever.
func TestReadAheadCountsInputsAsTheyArrive(t *testing.T) {
	inputs, want := corpus(t, 40)
	var mu sync.Mutex
	left := len(inputs) - 1
	othersRead := make(chan struct{})
	wrapped := make([]Input, len(inputs))
	for i, in := range inputs {
		wrapped[i] = Input{Name: in.Name, Open: func(ctx context.Context) (io.ReadCloser, error) {
			if i == 0 {
				select {
				case <-othersRead:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				return in.Open(ctx)
			}
			rc, err := in.Open(ctx)
			return &closeHook{ReadCloser: rc, hook: func() {
				mu.Lock()
				defer mu.Unlock()
				if left--; left == 0 {
					close(othersRead)
				}
			}}, err
		}}
	}
	for _, run := range []string{"count", "aggregate"} {
		mu.Lock()
		left = len(inputs) - 1
		othersRead = make(chan struct{})
		mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		q := &Query{Inputs: wrapped, Filter: actionIs(record.Reject), Workers: 1, InFlight: 8}
		var n int64
		var err error
		if run == "count" {
			n, _, err = q.Count(ctx)
		} else {
			var groups []Group
			groups, _, err = q.Aggregate(ctx, []GroupKey{{Field: record.ActionField}}, SortFlows, 0)
			if len(groups) == 1 {
				n = int64(groups[0].Flows)
			}
		}
		cancel()
		if err != nil || n != int64(len(want)) {
			t.Fatalf("%s: %d records, %v; want %d (a slow first input held up the worker?)", run, n, err, len(want))
		}
	}
}

type closeHook struct {
	io.ReadCloser
	hook func()
	once sync.Once
}

func (c *closeHook) Close() error {
	c.once.Do(c.hook)
	return c.ReadCloser.Close()
}
