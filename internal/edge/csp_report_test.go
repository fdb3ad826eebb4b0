package edge_test

import (
	"strings"
	"testing"

	"kaede/internal/edge"
)

// TestCSPReportTo: report-to is in the policy only when asked for (over
// https): with it, browsers stop using report-uri, and over plain http
// Chromium ignores the Reporting-Endpoints it needs, so no report at all
// would arrive.
func TestCSPReportTo(t *testing.T) {
	for _, tc := range []struct {
		csp        edge.CSP
		uri, to    bool
		descriptor string
	}{
		{edge.CSP{ReportURI: "/csp-report", ReportTo: true}, true, true, "https"},
		{edge.CSP{ReportURI: "/csp-report"}, true, false, "http"},
		{edge.CSP{}, false, false, "no reports"},
	} {
		for _, p := range []string{tc.csp.PaymentPolicy(), tc.csp.PagePolicy("n0nce", nil)} {
			if got := strings.Contains(p, "report-uri /csp-report"); got != tc.uri {
				t.Errorf("%s: report-uri in %q: %v, want %v", tc.descriptor, p, got, tc.uri)
			}
			if got := strings.Contains(p, "report-to csp"); got != tc.to {
				t.Errorf("%s: report-to in %q: %v, want %v", tc.descriptor, p, got, tc.to)
			}
		}
	}
}
