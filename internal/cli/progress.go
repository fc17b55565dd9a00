package cli

import (
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress is a bar on stderr counting objects read. It is drawn only on a
// terminal, with colour allowed, for queries over many objects; otherwise
// every method does nothing.
type progress struct {
	p    *mpb.Progress
	bar  *mpb.Bar
	once sync.Once
}

// minObjectsForProgress is how many objects a query must span to get a bar.
const minObjectsForProgress = 20

func (f *Factory) newProgress(objects int, following bool) *progress {
	if !f.IO.ColorEnabled() || following || objects < minObjectsForProgress {
		return &progress{}
	}
	p := mpb.New(mpb.WithOutput(f.IO.ErrOut), mpb.WithAutoRefresh())
	bar := p.AddBar(int64(objects),
		mpb.PrependDecorators(decor.Name("objects "), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(decor.Percentage(), decor.Name(" "), decor.EwmaETA(decor.ET_STYLE_GO, 30)),
		mpb.BarRemoveOnComplete(),
	)
	return &progress{p: p, bar: bar}
}

// done counts one object read; workers call it concurrently.
func (b *progress) done(int64) {
	if b.bar != nil {
		b.bar.Increment()
	}
}

// finish removes the bar before results are printed.
func (b *progress) finish() {
	if b.p == nil {
		return
	}
	b.once.Do(func() {
		b.bar.Abort(true)
		b.p.Wait()
	})
}
