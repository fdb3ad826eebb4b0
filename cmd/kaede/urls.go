package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// urlsFile is where a running store records the addresses it serves, in
// its data directory, so that operator commands run beside it (kaede
// staff add --demo) print links that work, whatever port it took.
const urlsFile = "urls.json"

// servedURLs are the store's and the admin's base URLs.
type servedURLs struct {
	Store string `json:"store"`
	Admin string `json:"admin"`
}

// recordURLs writes the running store's URLs into the data directory.
func (m *Main) recordURLs() error {
	if m.Config.DataDir == "" {
		return nil
	}
	b, err := json.MarshalIndent(servedURLs{Store: m.Config.BaseURL, Admin: m.Config.Admin.URL}, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(m.Config.DataDir, urlsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("record the store's URLs: %w", err)
	}
	return os.Rename(tmp, path)
}

// readURLs returns the URLs the store last running on dataDir recorded;
// ok is false when none did.
func readURLs(dataDir string) (u servedURLs, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dataDir, urlsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return u, false, nil
	}
	if err != nil {
		return u, false, err
	}
	if err := json.Unmarshal(b, &u); err != nil {
		return u, false, fmt.Errorf("%s: %w", filepath.Join(dataDir, urlsFile), err)
	}
	return u, u.Admin != "", nil
}
