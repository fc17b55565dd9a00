package query

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/flowlog/flowlog/internal/record"
)

// Encode appends one record, encoded for output, to dst.
type Encode func(dst []byte, r *record.Record) []byte

// NewEncode returns an Encode for one worker; Encodes may keep scratch state
// and are never shared between workers.
type NewEncode func() Encode

const (
	chunkSize     = 128 << 10 // bytes of encoded output handed over at once
	chunksQueued  = 4         // chunks an input may have waiting
	inputsAheadOf = 2         // inputs read ahead of the one being written, per worker
)

// chunk is encoded output of one input; ends has the end offset of every
// record in data, so a limit can cut between records.
type chunk struct {
	data []byte
	ends []int
	err  error
}

// Print encodes every record the filter keeps, on the workers, and hands
// the encoded bytes to write in input order and, within an input, in record
// order, however many workers ran. limit > 0 stops after that many records.
//
// Memory is bounded: an input may be read ahead of the one being written
// only while fewer than inputsAheadOf×workers inputs are pending, and each
// holds at most chunksQueued chunks.
func (q *Query) Print(ctx context.Context, fields record.FieldSet, newEncode NewEncode, write func([]byte) error, limit int64) (Stats, error) {
	start := time.Now()
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	outs := make([]chan *chunk, len(q.Inputs))
	for i := range outs {
		outs[i] = make(chan *chunk, chunksQueued)
	}
	ahead := make(chan struct{}, inputsAheadOf*q.workers())
	pool := sync.Pool{New: func() any { return &chunk{data: make([]byte, 0, chunkSize+4096)} }}
	getChunk := func() *chunk {
		c := pool.Get().(*chunk)
		c.data, c.ends, c.err = c.data[:0], c.ends[:0], nil
		return c
	}

	encoders := make([]Encode, q.workers())
	var readers []*reader
	done := make(chan struct{})
	go func() {
		defer close(done)
		readers, _ = q.forEachInput(ctx, q.need(fields), func(rd *reader, i int) error {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			defer close(outs[i])
			encode := encoders[rd.slot]
			if encode == nil {
				encode = newEncode()
				encoders[rd.slot] = encode
			}
			c := getChunk()
			send := func() bool {
				select {
				case outs[i] <- c:
					c = getChunk()
					return true
				case <-ctx.Done():
					return false
				}
			}
			err := rd.read(ctx, q.Inputs[i], func(r *record.Record) bool {
				c.data = encode(c.data, r)
				c.ends = append(c.ends, len(c.data))
				return len(c.data) < chunkSize || send()
			})
			if len(c.data) > 0 || err != nil {
				c.err = err
				send()
			}
			return err
		})
	}()

	// Errors reach the consumer in input order, with the chunks; the first
	// one it meets is the one reported.
	var written int64
	var err error
consume:
	for i := range q.Inputs {
		for {
			var c *chunk
			var ok bool
			select {
			case c, ok = <-outs[i]:
			case <-ctx.Done():
				err = ctx.Err()
				break consume
			}
			if !ok {
				break
			}
			if c.err != nil {
				err = c.err
				break consume
			}
			data := c.data
			if limit > 0 && written+int64(len(c.ends)) >= limit {
				data = data[:c.ends[limit-written-1]]
				written = limit
			} else {
				written += int64(len(c.ends))
			}
			if werr := write(data); werr != nil {
				err = werr
				break consume
			}
			pool.Put(c)
			if limit > 0 && written >= limit {
				break consume
			}
		}
		<-ahead
	}
	cancel()
	<-done
	if err == nil || errors.Is(err, context.Canceled) {
		err = parent.Err()
	}
	return sumStats(readers, start), err
}
