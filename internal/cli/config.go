package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Config is every setting flowlog reads, resolved once from flags, FLOWLOG_*
// environment variables, the config file and defaults, in that order.
type Config struct {
	DBPath     string // --db, FLOWLOG_DB, db:
	ConfigFile string // the file read, "" when none
	Output     string // -o, FLOWLOG_OUTPUT, output:; "" means the command's default
}

// defaultConfigFile is $XDG_CONFIG_HOME/flowlog/config.yaml.
func defaultConfigFile() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "flowlog", "config.yaml"), nil
}

// loadConfig resolves the settings. flags are the root's persistent flags;
// a flag the user set wins over everything else.
func loadConfig(flags *pflag.FlagSet) (*Config, error) {
	v := viper.New()
	v.SetEnvPrefix("FLOWLOG")
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	v.AutomaticEnv()
	for _, name := range []string{"db", "output", "config"} {
		if err := v.BindPFlag(name, flags.Lookup(name)); err != nil {
			return nil, err
		}
	}

	file := v.GetString("config")
	explicit := file != ""
	if !explicit {
		var err error
		if file, err = defaultConfigFile(); err != nil {
			return nil, err
		}
	}
	v.SetConfigFile(file)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		var notFound viper.ConfigFileNotFoundError
		missing := errors.As(err, &notFound) || errors.Is(err, os.ErrNotExist)
		switch {
		case missing && explicit:
			return nil, usageErrorf("config file %s: not found", file)
		case missing:
			file = ""
		default:
			return nil, usageErrorf("config file %s: %v", file, err)
		}
	}

	cfg := &Config{
		DBPath:     v.GetString("db"),
		ConfigFile: file,
		Output:     v.GetString("output"),
	}
	if cfg.DBPath != "" {
		p := expandHome(cfg.DBPath)
		fromFile := !flags.Changed("db") && os.Getenv("FLOWLOG_DB") == "" && v.InConfig("db")
		if fromFile && !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(file), p)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("--db %s: %w", cfg.DBPath, err)
		}
		cfg.DBPath = abs
	}
	return cfg, nil
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}
