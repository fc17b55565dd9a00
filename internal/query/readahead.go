package query

import (
	"bytes"
	"context"
	"io"
	"sync"
	"sync/atomic"
)

// readAheadBytes is how much of an input's body read-ahead holds in memory
// before a worker takes the input over. A flow log object of a few minutes
// usually fits whole; a larger one goes on streaming from where it stopped.
const readAheadBytes = 256 << 10

// readAhead opens inputs, and reads the first readAheadBytes of each,
// before the workers reach them, so that a bucket far away keeps many
// requests in flight while only a few workers parse: the time an object
// spends on the network overlaps the parsing of others, without a group
// table or a decompressor per request.
//
// Inputs are opened in order. At most inFlight are open at once: a slot is
// taken when an input is opened and given back when the worker reading it
// closes it, so memory stays within inFlight × readAheadBytes.
type readAhead struct {
	inputs []Input
	slots  chan struct{}
	ready  []chan opened
	next   atomic.Int64
	wg     sync.WaitGroup
	bufs   sync.Pool
	// arrived lists the inputs in the order their opening ended, for
	// workers that may take them in any order (nextArrived).
	arrived chan int
	handed  atomic.Int64
}

// opened is an input opened ahead: its body, or the error of opening it.
type opened struct {
	rc  io.ReadCloser
	err error
}

func startReadAhead(ctx context.Context, inputs []Input, inFlight int) *readAhead {
	ra := &readAhead{
		inputs:  inputs,
		slots:   make(chan struct{}, inFlight),
		ready:   make([]chan opened, len(inputs)),
		arrived: make(chan int, len(inputs)),
		bufs:    sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}
	for i := range ra.ready {
		ra.ready[i] = make(chan opened, 1)
	}
	for range min(inFlight, len(inputs)) {
		ra.wg.Go(func() { ra.run(ctx) })
	}
	return ra
}

func (ra *readAhead) run(ctx context.Context) {
	for {
		select {
		case ra.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		i := int(ra.next.Add(1) - 1)
		if i >= len(ra.inputs) {
			<-ra.slots
			return
		}
		ra.ready[i] <- ra.open(ctx, ra.inputs[i])
		ra.arrived <- i
	}
}

// nextArrived hands out the inputs in the order they arrive rather than
// in input order, so that an object slow to answer holds up no worker
// while others are ready: for a run whose result does not depend on the
// order (a count, an aggregation). ok is false once every input was
// handed out, or ctx ended.
func (ra *readAhead) nextArrived(ctx context.Context) (i int, ok bool) {
	if ra.handed.Add(1) > int64(len(ra.inputs)) {
		return 0, false
	}
	select {
	case i := <-ra.arrived:
		return i, true
	case <-ctx.Done():
		return 0, false
	}
}

// discard closes input i, opened ahead for nothing: a run that failed at
// an earlier input skips it.
func (ra *readAhead) discard(ctx context.Context, i int) {
	if rc, err := ra.take(ctx, i); err == nil {
		rc.Close()
	}
}

// open opens in and reads the start of its body. A read error is kept for
// the worker, after the bytes read before it, as the body would give it.
func (ra *readAhead) open(ctx context.Context, in Input) opened {
	if in.ReadAt != nil {
		// Parquet in a bucket: the tail, where its footer is, ahead.
		f := &remoteFile{ctx: ctx, in: in, release: func() { <-ra.slots }}
		f.fetchTail() // an error is the worker's, from the file
		return opened{rc: f}
	}
	rc, err := in.Open(ctx)
	if err != nil {
		<-ra.slots
		return opened{err: err}
	}
	buf := ra.bufs.Get().(*bytes.Buffer)
	_, err = buf.ReadFrom(io.LimitReader(rc, readAheadBytes))
	body := &aheadBody{ra: ra, buf: buf, rc: rc, head: bytes.NewReader(buf.Bytes())}
	switch {
	case err != nil:
		body.err = err
	case buf.Len() < readAheadBytes:
		body.eof = true // read whole: the connection can go back now
		rc.Close()
		body.rc = nil
	}
	return opened{rc: body}
}

// take waits for input i, opened ahead.
func (ra *readAhead) take(ctx context.Context, i int) (io.ReadCloser, error) {
	select {
	case o := <-ra.ready[i]:
		return o.rc, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// stop waits for the openers, once the workers are done (or gave up), and
// closes the inputs opened for nobody.
func (ra *readAhead) stop() {
	ra.wg.Wait()
	for _, ch := range ra.ready {
		select {
		case o := <-ch:
			if o.rc != nil {
				o.rc.Close()
			}
		default:
		}
	}
}

// aheadBody is an input's body: the bytes read ahead, then the rest of the
// stream.
type aheadBody struct {
	ra     *readAhead
	buf    *bytes.Buffer
	head   *bytes.Reader
	rc     io.ReadCloser // nil once read whole
	eof    bool          // the body ended within the bytes read ahead
	err    error         // the read error met while reading ahead
	closed bool
}

func (b *aheadBody) Read(p []byte) (int, error) {
	if b.head.Len() > 0 {
		return b.head.Read(p)
	}
	switch {
	case b.err != nil:
		return 0, b.err
	case b.eof || b.rc == nil:
		return 0, io.EOF
	}
	return b.rc.Read(p)
}

func (b *aheadBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	var err error
	if b.rc != nil {
		err = b.rc.Close()
	}
	if b.buf.Cap() <= 2*readAheadBytes {
		b.buf.Reset()
		b.ra.bufs.Put(b.buf)
	}
	b.buf, b.head = nil, nil
	<-b.ra.slots
	return err
}
