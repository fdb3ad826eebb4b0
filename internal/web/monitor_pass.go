package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// MonitorHeader carries the tamper monitor's pass. The monitor walks the
// payment pages as a guest with a new session every minute or so, from
// one address; without the pass its carts would reach the limit of carts
// per address (settings.Limits.CartsPerAddress) and blind it.
const MonitorHeader = "Kaede-Monitor-Pass"

// MonitorPass is the pass for the store keyed with secret: an HMAC of a
// fixed label, the same on every instance that shares the secret. The
// monitor sends it only to the store's own origin.
func MonitorPass(secret []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("kaede tamper monitor pass"))
	return hex.EncodeToString(mac.Sum(nil))
}

// fromMonitor reports whether r carries the tamper monitor's pass.
func (s *Server) fromMonitor(r *http.Request) bool {
	got := r.Header.Get(MonitorHeader)
	return got != "" && hmac.Equal([]byte(got), []byte(s.monitorPass))
}
