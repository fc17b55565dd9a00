package config

import (
	"os"
	"path/filepath"
)

// DataHome is $XDG_DATA_HOME, or ~/.local/share when it is unset, empty or
// relative: the XDG Base Directory spec says a relative path is invalid
// and is to be ignored.
func DataHome() (string, error) { return dataHome(os.LookupEnv) }

// ConfigHome is $XDG_CONFIG_HOME, or ~/.config when it is unset, empty or
// relative, as for DataHome.
func ConfigHome() (string, error) { return configHome(os.LookupEnv) }

// DefaultDBPath is where the configuration database lives when no setting
// names one: $XDG_DATA_HOME/flowlog/flowlog.db.
func DefaultDBPath() (string, error) { return defaultDBPath(os.LookupEnv) }

func dataHome(env Lookup) (string, error) {
	return xdgHome(env, "XDG_DATA_HOME", ".local", "share")
}

func configHome(env Lookup) (string, error) {
	return xdgHome(env, "XDG_CONFIG_HOME", ".config")
}

// xdgHome is the folder the variable name gives, if it is absolute, else
// the folder under the home folder.
func xdgHome(env Lookup, name string, underHome ...string) (string, error) {
	if dir, ok := env(name); ok && filepath.IsAbs(dir) {
		return dir, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{home}, underHome...)...), nil
}

// defaultDBPath and defaultStorageRoot are "" when there is no data home
// (no $HOME and no absolute $XDG_DATA_HOME): a command that reads only
// files then still runs, and one that needs the path says what is missing
// when it needs it.
func defaultDBPath(env Lookup) (string, error) {
	dir, err := dataHome(env)
	if err != nil {
		return "", nil
	}
	return filepath.Join(dir, "flowlog", "flowlog.db"), nil
}

func defaultStorageRoot(env Lookup) (string, error) {
	dir, err := dataHome(env)
	if err != nil {
		return "", nil
	}
	return filepath.Join(dir, "flowlog", "buckets"), nil
}

// defaultConfigFile is "" when there is no config home: no file is read.
func defaultConfigFile(env Lookup) (string, error) {
	dir, err := configHome(env)
	if err != nil {
		return "", nil
	}
	return filepath.Join(dir, "flowlog", "config.yaml"), nil
}
