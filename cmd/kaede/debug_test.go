package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestProfilingOnlyOnItsOwnLoopbackListener(t *testing.T) {
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	m := start(t, Config{DataDir: t.TempDir(), DebugAddr: "127.0.0.1:0"})
	defer m.Close()
	debug := "http://" + m.debugAddr.String()
	if code, body := get(debug + "/debug/pprof/goroutine?debug=1"); code != http.StatusOK || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("goroutine profile on the debug listener: %d %.80q", code, body)
	}
	if code, body := get(debug + "/debug/sqlite"); code != http.StatusOK || !strings.Contains(body, "sqlite_page_cache_bytes ") {
		t.Errorf("SQLite's page cache on the debug listener: %d %.80q", code, body)
	}
	if code, _ := get(debug + "/"); code != http.StatusNotFound {
		t.Errorf("the store on the debug listener: %d, want 404", code)
	}
	if code, _ := get(m.URL() + "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("profiles on the store's listener: %d, want 404", code)
	}

	plain := start(t, Config{DataDir: t.TempDir()})
	defer plain.Close()
	if plain.debugServer != nil {
		t.Error("a profiling listener without --debug-addr")
	}
}
