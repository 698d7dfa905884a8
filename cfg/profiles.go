package cfg

import (
	"embed"
	"fmt"
	"slices"
	"sync"
)

// profileFS holds the embedded profiles, the single source of defaults:
// profiles/NAME.cfg for each name in profileNames.
//
//go:embed profiles/*.cfg
var profileFS embed.FS

// profileNames are the embedded profiles, the default first.
var profileNames = []string{"minimal", "disk"}

func isProfile(name string) bool { return slices.Contains(profileNames, name) }

// parsedProfiles holds each embedded profile parsed once; the *file is
// shared and must not be modified.
var parsedProfiles = func() map[string]func() (*file, error) {
	m := map[string]func() (*file, error){}
	for _, name := range profileNames {
		m[name] = sync.OnceValues(func() (*file, error) { return parseProfile(name) })
	}
	return m
}()

// loadProfile returns an embedded profile, parsed. Its settings have the
// zero Origin. The result is shared: it must not be modified.
func loadProfile(name string) (*file, error) {
	load, ok := parsedProfiles[name]
	if !ok {
		return nil, fmt.Errorf("cfg: unknown profile %q", name)
	}
	return load()
}

func parseProfile(name string) (*file, error) {
	data, err := profileFS.ReadFile("profiles/" + name + ".cfg")
	if err != nil {
		return nil, fmt.Errorf("cfg: profile %s: %w", name, err)
	}
	f, errs := parseFile("profile "+name, -1, data)
	if len(errs) > 0 {
		return nil, fmt.Errorf("cfg: profile %s: %w", name, Errors(errs))
	}
	return f, nil
}
