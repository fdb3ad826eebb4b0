package main

import (
	"net/http"
	"net/url"

	"kaede/internal/web"
)

// passTransport adds the store's monitor pass (web.MonitorHeader) to the
// tamper monitor's requests to the store's own host, and to no other: the
// card provider and any third-party origin a skimmer adds never see it.
type passTransport struct {
	rt   http.RoundTripper
	host string
	pass string
}

func (t passTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == t.host {
		req = req.Clone(req.Context())
		req.Header.Set(web.MonitorHeader, t.pass)
	}
	return t.rt.RoundTrip(req)
}

// withMonitorPass wraps rt (nil: a transport like the monitor's own) so
// that the monitor's walks are not counted against the limit of carts per
// address.
func withMonitorPass(rt http.RoundTripper, baseURL, secret string) http.RoundTripper {
	u, err := url.Parse(baseURL)
	if err != nil || secret == "" {
		return rt
	}
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 4
		rt = t
	}
	return passTransport{rt: rt, host: u.Host, pass: web.MonitorPass([]byte(secret))}
}
