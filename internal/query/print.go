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
// Memory is bounded: input i may start only once the consumer has reached
// input i−inputsAheadOf×workers, and each input holds at most chunksQueued
// chunks. The input the consumer waits for can always start, so the window
// cannot deadlock.
func (q *Query) Print(ctx context.Context, fields record.FieldSet, newEncode NewEncode, write func([]byte) error, limit int64) (Stats, error) {
	start := time.Now()
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	outs := make([]chan *chunk, len(q.Inputs))
	for i := range outs {
		outs[i] = make(chan *chunk, chunksQueued)
	}
	// gates[i] is closed when input i may start.
	window := inputsAheadOf * q.workers()
	gates := make([]chan struct{}, len(q.Inputs))
	for i := range gates {
		gates[i] = make(chan struct{})
		if i < window {
			close(gates[i])
		}
	}
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
		readers, _ = q.forEachInput(ctx, q.need(fields), true, func(rd *reader, i int) error {
			select {
			case <-gates[i]:
			case <-ctx.Done():
				return ctx.Err()
			}
			defer close(outs[i])
			rd.line = fields == 0 // raw output prints the record's line
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
	// one it meets is the one reported, after the records read before it.
	var written int64
	var err error
consume:
	for i := range q.Inputs {
		if next := i + window; next < len(gates) {
			close(gates[next])
		}
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
			data := c.data
			if limit > 0 && written+int64(len(c.ends)) >= limit {
				if n := limit - written; n > 0 {
					data = data[:c.ends[n-1]]
				} else {
					data = nil
				}
				written = limit
			} else {
				written += int64(len(c.ends))
			}
			if werr := write(data); werr != nil {
				err = werr
				break consume
			}
			if limit > 0 && written >= limit {
				// The records asked for are out; what comes after, an error
				// included, does not matter.
				break consume
			}
			if c.err != nil {
				err = c.err
				break consume
			}
			pool.Put(c)
		}
	}
	cancel()
	<-done
	if err == nil || errors.Is(err, context.Canceled) {
		err = parent.Err()
	}
	return sumStats(readers, start), err
}
