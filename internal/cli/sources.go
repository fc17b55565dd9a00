package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"path/filepath"
	"strings"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/source"
)

// sourceSet is what a query reads: single inputs (files named on the
// command line, standard input) and locations listed for their objects, in
// the order they were named.
type sourceSet struct {
	items  []sourceItem
	remote bool // some objects are in a bucket
}

type sourceItem struct {
	input    *query.Input     // a file or standard input
	location *source.Location // a folder, bucket prefix or flow log
}

// resolveSources turns SOURCE arguments and --flowlog references into a
// sourceSet. With neither, it reads piped standard input, or else every
// configured flow log.
func (f *Factory) resolveSources(ctx context.Context, args, flowLogs []string) (*sourceSet, error) {
	set := &sourceSet{}
	stdinUsed := false
	for _, arg := range args {
		switch {
		case arg == "-":
			if stdinUsed {
				return nil, usageErrorf("standard input (-) named twice")
			}
			stdinUsed = true
			in := f.stdinInput()
			set.items = append(set.items, sourceItem{input: &in})
		case strings.HasPrefix(arg, "s3://"):
			bucket, prefix, err := s3store.ParseURL(arg)
			if err != nil {
				return nil, usageErrorf("%s: %v", arg, err)
			}
			store, err := f.Store(ctx, bucket)
			if err != nil {
				return nil, err
			}
			set.remote = true
			set.items = append(set.items, sourceItem{location: &source.Location{Store: store, Prefix: strings.Trim(prefix, "/")}})
		default:
			item, err := localSource(arg)
			if err != nil {
				return nil, err
			}
			set.items = append(set.items, item)
		}
	}
	for _, ref := range flowLogs {
		loc, err := f.flowLogLocation(ctx, ref)
		if err != nil {
			return nil, err
		}
		set.remote = true
		set.items = append(set.items, sourceItem{location: loc})
	}
	if len(set.items) > 0 {
		return set, nil
	}
	if f.IO.IsStdinPiped() {
		in := f.stdinInput()
		set.items = append(set.items, sourceItem{input: &in})
		return set, nil
	}
	// No source named: every configured flow log.
	e, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	logs, err := e.List(ctx, engine.ListFilter{})
	if err != nil {
		return nil, err
	}
	if len(logs) == 0 {
		return nil, &UserError{
			Err:  errors.New("no SOURCE and no flow logs configured"),
			Code: ExitUsage,
			Hint: "name files, folders or s3://BUCKET/PREFIX to read, pipe records in, or create a flow log with 'flowlog create'",
		}
	}
	for _, fl := range logs {
		loc, err := f.flowLogLocation(ctx, fl.ID)
		if err != nil {
			return nil, err
		}
		set.remote = true
		set.items = append(set.items, sourceItem{location: loc})
	}
	return set, nil
}

// flowLogLocation is where a configured flow log writes its objects.
func (f *Factory) flowLogLocation(ctx context.Context, ref string) (*source.Location, error) {
	e, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	fl, err := e.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	store, err := f.Store(ctx, fl.Bucket)
	if err != nil {
		return nil, err
	}
	return &source.Location{Store: store, Prefix: fl.Prefix, Name: fl.Name}, nil
}

// localSource is a file (read as it is) or a folder (listed like a bucket).
func localSource(arg string) (sourceItem, error) {
	info, err := os.Stat(arg)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return sourceItem{}, &UserError{Err: fmt.Errorf("%s: no such file or folder", arg), Code: ExitNotFound}
		}
		return sourceItem{}, err
	}
	if !info.IsDir() {
		in := fileInput(arg)
		return sourceItem{input: &in}, nil
	}
	store, err := local.New(arg)
	if err != nil {
		return sourceItem{}, err
	}
	return sourceItem{location: &source.Location{Store: store}}, nil
}

// inputs lists every location, pruned to the window, and returns all
// inputs in order.
func (s *sourceSet) inputs(ctx context.Context, w source.Window, stats *source.Stats) ([]query.Input, error) {
	var inputs []query.Input
	for _, item := range s.items {
		if item.input != nil {
			inputs = append(inputs, *item.input)
			continue
		}
		objs, err := source.List(ctx, *item.location, w, stats)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			inputs = append(inputs, objectInput(item.location.Store, o.Key))
		}
	}
	return inputs, nil
}

// objectInput reads one object; its name is a path for a folder and an
// s3:// URL for a bucket.
func objectInput(store objstore.Store, key string) query.Input {
	name := store.String() + "/" + key
	if _, ok := store.(*local.Store); ok {
		name = filepath.Join(store.String(), filepath.FromSlash(key))
	}
	return query.Input{
		Name: name,
		Open: func(ctx context.Context) (io.ReadCloser, error) { return store.Open(ctx, key) },
	}
}

func fileInput(p string) query.Input {
	return query.Input{
		Name: p,
		Open: func(context.Context) (io.ReadCloser, error) { return os.Open(p) },
	}
}

func (f *Factory) stdinInput() query.Input {
	return query.Input{
		Name: "<stdin>",
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(f.IO.In), nil },
	}
}
