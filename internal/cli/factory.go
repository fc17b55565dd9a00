package cli

import (
	"context"
	"time"

	"github.com/flowlog/flowlog/internal/config"
	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/iostreams"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// Factory hands commands what they depend on, so a test can hand in its own
// streams, clock or engine.
type Factory struct {
	IO  *iostreams.IOStreams
	Now func() time.Time

	// Config returns the resolved settings; set by the root command once the
	// flags are parsed.
	Config func() (*config.Settings, error)

	engine *engine.Engine
	stores map[string]*s3store.Store
}

// Engine opens the configuration database on first use and keeps it open
// for the rest of the command.
func (f *Factory) Engine(ctx context.Context) (*engine.Engine, error) {
	if f.engine != nil {
		return f.engine, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
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
