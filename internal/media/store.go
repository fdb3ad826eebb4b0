package media

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
)

// productsDir is where product photos go, under the media directory; the
// store serves the media directory at /media/.
const productsDir = "products"

// Store writes img under dir/products/ with a new random name and returns
// its path relative to dir ("products/3f9c….jpg"); the store serves it at
// "/media/" + that path. The name never comes from the uploader, so it
// can neither climb out of the directory nor carry an executable or HTML
// extension. The file is written to a hidden temporary name (the media
// handler serves no dot-files) and renamed into place, so that nobody is
// ever served half an image. It is readable by all and executable by none.
func Store(dir string, img Image) (string, error) {
	if img.Format != JPEG && img.Format != PNG {
		return "", fmt.Errorf("store image: unknown format %q", img.Format)
	}
	if len(img.Data) == 0 {
		return "", errors.New("store image: no data")
	}
	target := filepath.Join(dir, productsDir)
	if err := os.MkdirAll(target, 0o755); err != nil {
		return "", fmt.Errorf("store image: %w", err)
	}
	var random [16]byte
	if _, err := rand.Read(random[:]); err != nil {
		return "", fmt.Errorf("store image: %w", err)
	}
	name := hex.EncodeToString(random[:]) + img.Ext()
	tmp, err := os.CreateTemp(target, ".upload-*")
	if err != nil {
		return "", fmt.Errorf("store image: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	_, err = tmp.Write(img.Data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("store image: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(target, name)); err != nil {
		return "", fmt.Errorf("store image: %w", err)
	}
	return path.Join(productsDir, name), nil
}

// storedName matches the paths Store returns, and nothing else.
var storedName = regexp.MustCompile(`^products/[0-9a-f]{32}\.(jpg|png)$`)

// Remove deletes a file that Store wrote, given the path Store returned.
// Any other path is refused, so that a path from a form or the database
// cannot delete anything else. A file already gone is not an error.
func Remove(dir, rel string) error {
	if !storedName.MatchString(rel) {
		return fmt.Errorf("remove image %q: not a stored image path", rel)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("remove image: %w", err)
	}
	defer root.Close()
	if err := root.Remove(rel); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove image: %w", err)
	}
	return nil
}
