package objstore

import "context"

// Patience, carried by a context, changes how a store's object reads end on
// a bad network: instead of failing once their attempts in a row are spent,
// they go on trying, with backoff, until the context ends. A command that
// never ends on its own (query --follow) reads this way, so that an outage
// in the middle of an object delays its records instead of losing them.
//
// Failing is called when a read has spent the attempts it would otherwise
// fail after, with the error it would have failed with; Recovered when that
// read gets data again. Both may be called from several goroutines at once.
type Patience struct {
	Failing   func(err error)
	Recovered func()
}

type patienceKey struct{}

// WithPatience returns a context whose object reads are patient.
func WithPatience(ctx context.Context, p *Patience) context.Context {
	return context.WithValue(ctx, patienceKey{}, p)
}

// PatienceOf returns the Patience of ctx, or nil when its reads give up.
func PatienceOf(ctx context.Context) *Patience {
	p, _ := ctx.Value(patienceKey{}).(*Patience)
	return p
}
