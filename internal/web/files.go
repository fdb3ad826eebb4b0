package web

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// staticFile serves the embedded stylesheet (and any script) under its
// fingerprinted name; the page links it with an SRI integrity value.
func (s *Server) staticFile(w http.ResponseWriter, r *http.Request) {
	a, ok := s.ui.ServedAsset(r.PathValue("name"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentType(a.Name))
	http.ServeContent(w, r, a.Name, time.Time{}, bytes.NewReader(a.Body))
}

// mediaTypes are the only files /media/ serves. The type is set from the
// extension, never sniffed, and X-Content-Type-Options: nosniff stops the
// browser from guessing otherwise.
var mediaTypes = map[string]string{
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".webp": "image/webp",
}

// mediaFile serves an image from MediaDir read-only. os.Root refuses any
// path that leaves the directory, through ".." or a symbolic link; hidden
// files, directories and other types are not found.
func (s *Server) mediaFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	ctype, ok := mediaTypes[strings.ToLower(path.Ext(name))]
	if s.media == nil || !ok || !cleanMediaPath(name) {
		s.mediaNotFound(w, r)
		return
	}
	f, err := s.media.Open(name)
	if err != nil {
		s.mediaNotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		s.mediaNotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// cleanMediaPath accepts only plain relative paths: no empty, ".", ".."
// or hidden segments, no backslashes.
func cleanMediaPath(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") || !fs.ValidPath(name) {
		return false
	}
	for _, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, ".") {
			return false
		}
	}
	return true
}

// mediaNotFound answers a refused media path with a bare 404: no page, so
// that probing the directory learns nothing.
func (s *Server) mediaNotFound(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not found", http.StatusNotFound)
}

// contentType is the type of an embedded static file.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".woff2":
		return "font/woff2"
	}
	return "application/octet-stream"
}
