package cmdutil

import (
	"github.com/flowlog/flowlog/internal/iostreams"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// Progress is a bar on stderr counting objects read. It is drawn only on a
// terminal, with colour allowed, for queries over many objects; otherwise
// every method does nothing.
type Progress struct {
	p    *mpb.Progress
	bar  *mpb.Bar
	once sync.Once
}

// minObjectsForProgress is how many objects a query must span to get a bar.
const minObjectsForProgress = 20

func NewProgress(io *iostreams.IOStreams, objects int, following bool) *Progress {
	if !io.ColorEnabled() || following || objects < minObjectsForProgress {
		return &Progress{}
	}
	p := mpb.New(mpb.WithOutput(io.ErrOut), mpb.WithAutoRefresh())
	bar := p.AddBar(int64(objects),
		mpb.PrependDecorators(decor.Name("objects "), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(decor.Percentage(), decor.Name(" "), decor.EwmaETA(decor.ET_STYLE_GO, 30)),
		mpb.BarRemoveOnComplete(),
	)
	return &Progress{p: p, bar: bar}
}

// Done counts one object read; workers call it concurrently.
func (b *Progress) Done(int64) {
	if b.bar != nil {
		b.bar.Increment()
	}
}

// Finish removes the bar before results are printed.
func (b *Progress) Finish() {
	if b.p == nil {
		return
	}
	b.once.Do(func() {
		b.bar.Abort(true)
		b.p.Wait()
	})
}
