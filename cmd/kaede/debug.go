package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"kaede/internal/db"
)

// The profiling listener (--debug-addr) serves Go's pprof handlers, for an
// operator or a soak that needs to see where a running store spends its
// time. Profiles show the program's internals (goroutine stacks, heap
// contents by type, the command line), so the listener is its own, never
// the store's or the admin's, and binds to loopback only: reach it from
// another host through an SSH tunnel.

// validateDebugAddr accepts an empty address (no listener) or a loopback
// host:port.
func validateDebugAddr(addr string) error {
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("KAEDE_DEBUG_ADDR / --debug-addr %q: want host:port, e.g. 127.0.0.1:6060", addr)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("KAEDE_DEBUG_ADDR / --debug-addr %q: profiles expose the program's internals; listen on loopback (127.0.0.1, ::1 or localhost) only", addr)
	}
	return nil
}

// startDebug serves pprof on the configured loopback address, if any.
func (m *Main) startDebug() error {
	if m.Config.DebugAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.DebugAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (KAEDE_DEBUG_ADDR / --debug-addr): %w", m.Config.DebugAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// SQLite's page caches are outside Go's heap and its profiles.
	mux.HandleFunc("/debug/sqlite", func(w http.ResponseWriter, _ *http.Request) {
		now, peak := db.SQLitePageCache()
		fmt.Fprintf(w, "sqlite_page_cache_bytes %d\nsqlite_page_cache_peak_bytes %d\n", now, peak)
	})
	// A CPU profile or trace runs for as long as its ?seconds= asks: no
	// write timeout, unlike the store's listener.
	m.debugServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	m.debugAddr = ln.Addr()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.debugServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("debug server stopped", "error", err)
		}
	}()
	m.Log.Info("profiling on loopback", "addr", ln.Addr().String())
	return nil
}
