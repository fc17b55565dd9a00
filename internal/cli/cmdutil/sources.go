package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/parquetio"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/source"
)

// Sources is what a command reads: single inputs (files named on the
// command line, standard input) and sets of flow log objects, in the order
// they were named.
type Sources struct {
	items  []sourceItem
	Remote bool // some objects are in a bucket
}

type sourceItem struct {
	input   *query.Input     // a file or standard input
	objects *flowlog.Objects // a folder, bucket prefix or flow log
}

// ObjectSets are the sets of objects named, without the single inputs.
func (s *Sources) ObjectSets() []flowlog.Objects {
	var sets []flowlog.Objects
	for _, item := range s.items {
		if item.objects != nil {
			sets = append(sets, *item.objects)
		}
	}
	return sets
}

// MapObjects replaces every set of objects by the sets fn returns for it
// (query narrows a Parquet export to the flow logs --flowlog names).
func (s *Sources) MapObjects(fn func(flowlog.Objects) ([]flowlog.Objects, error)) error {
	var items []sourceItem
	for _, item := range s.items {
		if item.objects == nil {
			items = append(items, item)
			continue
		}
		sets, err := fn(*item.objects)
		if err != nil {
			return err
		}
		for _, objs := range sets {
			items = append(items, sourceItem{objects: &objs})
		}
	}
	s.items = items
	return nil
}

// SourceRules say which SOURCE forms a command takes.
type SourceRules struct {
	// ObjectsOnly, when set, refuses files and standard input, saying what
	// the command does: "prune deletes objects".
	ObjectsOnly string
	// Name limits each SOURCE to the objects of one flow log (--name).
	Name string
}

// ResolveSources turns SOURCE arguments and --flowlog references into a
// Sources. SOURCE is s3://BUCKET[/PREFIX], a folder, and unless the rules
// say objects only, a file or - for standard input. With neither, a query
// reads piped standard input, or else every configured flow log.
func ResolveSources(ctx context.Context, f *Factory, args, flowLogs []string, rules SourceRules) (*Sources, error) {
	set := &Sources{}
	stdinUsed := false
	addObjects := func(objs flowlog.Objects) {
		if _, ok := objs.Store.(*local.Store); !ok {
			set.Remote = true
		}
		set.items = append(set.items, sourceItem{objects: &objs})
	}
	for _, arg := range args {
		switch {
		case arg == "-":
			if rules.ObjectsOnly != "" {
				return nil, UsageErrorf("%s; standard input has none", rules.ObjectsOnly)
			}
			if stdinUsed {
				return nil, UsageErrorf("standard input (-) named twice")
			}
			stdinUsed = true
			in := stdinInput(f)
			set.items = append(set.items, sourceItem{input: &in})
		case strings.HasPrefix(arg, "s3://"):
			bucket, prefix, err := s3store.ParseURL(arg)
			if err != nil {
				return nil, UsageErrorf("%s: %v", arg, err)
			}
			store, err := f.Store(ctx, bucket)
			if err != nil {
				return nil, err
			}
			addObjects(flowlog.Objects{Store: store, Prefix: strings.Trim(prefix, "/"), Name: rules.Name})
		default:
			info, err := os.Stat(arg)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					what := "file or folder"
					if rules.ObjectsOnly != "" {
						what = "folder"
					}
					return nil, &UserError{Err: fmt.Errorf("%s: no such %s", arg, what), Code: ExitNotFound}
				}
				return nil, err
			}
			if !info.IsDir() {
				if rules.ObjectsOnly != "" {
					return nil, UsageErrorf("%s is a file: %s in a folder or s3://BUCKET[/PREFIX]", arg, rules.ObjectsOnly)
				}
				in := fileInput(arg)
				set.items = append(set.items, sourceItem{input: &in})
				continue
			}
			store, err := local.New(arg)
			if err != nil {
				return nil, err
			}
			addObjects(flowlog.Objects{Store: store, Name: rules.Name})
		}
	}
	for _, ref := range flowLogs {
		objs, err := ConfiguredObjects(ctx, f, ref)
		if err != nil {
			return nil, err
		}
		addObjects(objs)
	}
	if len(set.items) > 0 || rules.ObjectsOnly != "" {
		return set, nil
	}
	if f.IO.IsStdinPiped() {
		in := stdinInput(f)
		set.items = append(set.items, sourceItem{input: &in})
		return set, nil
	}
	// No source named: every configured flow log.
	every, err := EveryFlowLog(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(every) == 0 {
		return nil, &UserError{
			Err:    errors.New("no SOURCE and no flow logs configured"),
			Code:   ExitUsage,
			Advice: "name files, folders or s3://BUCKET/PREFIX to read, pipe records in, or create a flow log with 'flowlog create'",
		}
	}
	for _, objs := range every {
		addObjects(objs)
	}
	return set, nil
}

// EveryFlowLog is the objects of every configured flow log, each in its
// bucket's store; none when no flow log is configured.
func EveryFlowLog(ctx context.Context, f *Factory) ([]flowlog.Objects, error) {
	reg, err := f.Registry(ctx, RegistryOptions{})
	if err != nil {
		return nil, err
	}
	logs, err := reg.List(ctx, flowlog.ListFilter{})
	if err != nil {
		return nil, err
	}
	every := make([]flowlog.Objects, 0, len(logs))
	for _, fl := range logs {
		store, err := f.Store(ctx, fl.Bucket)
		if err != nil {
			return nil, err
		}
		every = append(every, flowlog.ObjectsOf(fl, store))
	}
	return every, nil
}

// ConfiguredObjects are the objects a configured flow log writes.
func ConfiguredObjects(ctx context.Context, f *Factory, ref string) (flowlog.Objects, error) {
	reg, err := f.Registry(ctx, RegistryOptions{})
	if err != nil {
		return flowlog.Objects{}, err
	}
	fl, err := reg.Get(ctx, ref)
	if err != nil {
		return flowlog.Objects{}, err
	}
	store, err := f.Store(ctx, fl.Bucket)
	if err != nil {
		return flowlog.Objects{}, err
	}
	return flowlog.ObjectsOf(fl, store), nil
}

// Inputs lists every location, pruned to the window, and returns all
// inputs in order.
func (s *Sources) Inputs(ctx context.Context, w source.Window, stats *source.Stats) ([]query.Input, error) {
	var inputs []query.Input
	for _, item := range s.items {
		if item.input != nil {
			inputs = append(inputs, *item.input)
			continue
		}
		objs, err := source.List(ctx, *item.objects, w, stats)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			inputs = append(inputs, objectInput(item.objects.Store, o))
		}
	}
	return inputs, nil
}

// objectInput reads one object; its name is a path for a folder and an
// s3:// URL for a bucket. A Parquet object in a store that reads ranges is
// read by ranges, the version listed only.
func objectInput(store objstore.Store, o objstore.Object) query.Input {
	key := o.Key
	name := store.String() + "/" + key
	if _, ok := store.(*local.Store); ok {
		name = filepath.Join(store.String(), filepath.FromSlash(key))
	}
	in := query.Input{
		Name: name,
		Open: func(ctx context.Context) (io.ReadCloser, error) { return store.Open(ctx, key) },
	}
	if rr, ok := store.(objstore.RangeReader); ok && parquetio.IsParquetKey(key) && o.Size > 0 {
		in.Size = o.Size
		in.ReadAt = func(ctx context.Context, p []byte, off int64) (int, error) {
			return rr.ReadRange(ctx, key, o.ETag, p, off)
		}
	}
	return in
}

func fileInput(p string) query.Input {
	return query.Input{
		Name: p,
		Open: func(context.Context) (io.ReadCloser, error) { return os.Open(p) },
	}
}

func stdinInput(f *Factory) query.Input {
	return query.Input{
		Name: "<stdin>",
		Open: func(context.Context) (io.ReadCloser, error) { return io.NopCloser(f.IO.In), nil },
	}
}

// Listed is s without its single inputs: what listing again can find new
// objects in (query --follow).
func (s *Sources) Listed() *Sources {
	listed := &Sources{Remote: s.Remote}
	for _, item := range s.items {
		if item.objects != nil {
			listed.items = append(listed.items, item)
		}
	}
	return listed
}

// InFlight is how many objects to read at once when no --jobs says: for a
// bucket, enough requests to hide its round trips (however few CPUs parse
// them); 0 for folders and files, which are read one per CPU.
func (s *Sources) InFlight() int {
	if s.Remote {
		return s3store.ObjectsInFlight
	}
	return 0
}
