package cmdutil

import (
	"context"
	"errors"
	"time"

	"github.com/flowlog/flowlog/internal/config"
	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/iostreams"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// Factory hands commands what they depend on, and nothing else: the
// streams, the clock, the settings, the configuration engine and the store
// of a bucket. A test hands in its own. Command logic is never a method of
// it: the functions of this package take it as an argument.
type Factory struct {
	IO  *iostreams.IOStreams
	Now func() time.Time

	// Settings returns the resolved settings; set by the root command once
	// the flags are parsed.
	Settings func() (*config.Settings, error)

	engine *engine.Engine
	stores map[string]objstore.Store
	// transfers counts the retries of every bucket's store (--stats).
	transfers s3store.Counters
}

// Engine opens the configuration database on first use and keeps it open
// for the rest of the command.
func (f *Factory) Engine(ctx context.Context) (*engine.Engine, error) {
	if f.engine != nil {
		return f.engine, nil
	}
	cfg, err := f.Settings()
	if err != nil {
		return nil, err
	}
	if cfg.DBPath == "" {
		return nil, &UserError{
			Err:    errors.New("locate database: neither $HOME nor an absolute $XDG_DATA_HOME is set"),
			Code:   ExitUsage,
			Advice: "name the database with --db PATH or FLOWLOG_DB",
		}
	}
	e, err := engine.Open(ctx, cfg.DBPath)
	if err != nil {
		return nil, err
	}
	f.engine = e
	return e, nil
}

// Close releases what the Factory opened.
func (f *Factory) Close() error {
	if f.engine != nil {
		return f.engine.Close()
	}
	return nil
}
