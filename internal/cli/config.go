package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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

	// Object storage. A named profile in the config file may set each of
	// these; a flag or FLOWLOG_* variable still wins over the profile.
	Profile    string // --profile, FLOWLOG_PROFILE, profile:
	Endpoint   string // --endpoint URL
	Region     string // --region: a signing region, or an IONOS region key (de, eu-central-2, eu-south-2)
	PathStyle  bool   // --path-style
	AWSProfile string // aws_profile: a profile of the AWS shared config and credentials files

	Debug bool // --debug, FLOWLOG_DEBUG: log object storage requests to stderr
}

// StorageConfigured reports whether the user said where object storage is;
// only then does create check that a bucket exists.
func (c *Config) StorageConfigured() bool {
	return c.Endpoint != "" || c.Region != "" || c.Profile != ""
}

// storageKeys are the settings a profile may hold.
var storageKeys = []string{"endpoint", "region", "path-style", "aws-profile"}

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
	for _, name := range []string{"db", "output", "config", "profile", "endpoint", "region", "path-style", "debug"} {
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
		Profile:    v.GetString("profile"),
		Debug:      v.GetBool("debug"),
	}
	if err := resolveStorage(v, flags, cfg); err != nil {
		return nil, err
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

// resolveStorage reads the object storage settings: a flag or FLOWLOG_*
// variable, else the named profile's value, else the config file's
// top-level value. Keys are spelled with '-' or '_' in the file.
func resolveStorage(v *viper.Viper, flags *pflag.FlagSet, cfg *Config) error {
	profiles := v.GetStringMap("profiles")
	if cfg.Profile != "" {
		if _, ok := profiles[cfg.Profile]; !ok {
			names := make([]string, 0, len(profiles))
			for n := range profiles {
				names = append(names, n)
			}
			where := "no config file"
			if cfg.ConfigFile != "" {
				where = cfg.ConfigFile
			}
			return &UserError{
				Err:    fmt.Errorf("profile %q is not defined in %s", cfg.Profile, where),
				Code:   ExitUsage,
				Advice: "define it under 'profiles:' in the config file (see 'flowlog help configuration'); known: " + strings.Join(names, ", "),
			}
		}
	}
	get := func(key string) any {
		flag := flags.Lookup(key)
		envName := "FLOWLOG_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
		_, inEnv := os.LookupEnv(envName)
		if (flag != nil && flag.Changed) || inEnv {
			return v.Get(key)
		}
		under := strings.ReplaceAll(key, "-", "_")
		if cfg.Profile != "" {
			for _, k := range []string{key, under} {
				if p := "profiles." + cfg.Profile + "." + k; v.IsSet(p) {
					return v.Get(p)
				}
			}
		}
		for _, k := range []string{key, under} {
			if v.IsSet(k) {
				return v.Get(k)
			}
		}
		return nil
	}
	str := func(x any) string {
		if x == nil {
			return ""
		}
		return fmt.Sprint(x)
	}
	cfg.Endpoint = str(get("endpoint"))
	cfg.Region = str(get("region"))
	cfg.AWSProfile = str(get("aws-profile"))
	switch ps := get("path-style").(type) {
	case nil:
	case bool:
		cfg.PathStyle = ps
	default:
		b, err := strconv.ParseBool(fmt.Sprint(ps))
		if err != nil {
			return usageErrorf("path-style %q: want true or false", fmt.Sprint(ps))
		}
		cfg.PathStyle = b
	}
	return nil
}
