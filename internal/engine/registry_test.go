package engine_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/flowlog/registrytest"
)

// TestRegistry holds the engine to the suite every flowlog.Registry passes.
func TestRegistry(t *testing.T) {
	registrytest.Run(t, func(t *testing.T) flowlog.Registry {
		e, err := engine.Open(context.Background(), filepath.Join(t.TempDir(), "flowlog.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e.Registry()
	})
}
