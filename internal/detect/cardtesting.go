package detect

import (
	"fmt"

	"kaede/internal/fraud"
	"kaede/internal/secevent"
)

// CardTesting turns the card-testing guard's alert into a security event:
// the breaker tripped (card payments paused shop-wide) is critical, with
// the failure ratio that tripped it; one address blocked is a warning.
func CardTesting(a fraud.Alert) secevent.Signal {
	detail := map[string]any{"until": a.Until.UTC(), "window": a.Window.String(), "failures": a.Failures}
	if a.Kind == fraud.AlertBreakerTripped {
		detail["settled"] = a.Settled
		ratio := 0.0
		if a.Settled > 0 {
			ratio = float64(a.Failures) / float64(a.Settled)
			detail["decline_ratio"] = ratio
		}
		return secevent.Signal{Kind: secevent.KindCardBreaker, Severity: secevent.Critical, Source: "fraud",
			Target: "shop",
			Summary: fmt.Sprintf("card testing: card payments paused until %s (%d of %d attempts failed in %v, %.0f%%)",
				a.Until.UTC().Format("15:04 MST"), a.Failures, a.Settled, a.Window, ratio*100),
			Detail: detail}
	}
	detail["ip"] = a.IP
	return secevent.Signal{Kind: secevent.KindCardIPBlocked, Severity: secevent.Warning, Source: "fraud",
		Target:  "ip:" + a.IP,
		Summary: fmt.Sprintf("card testing: %s blocked after %d declines in %v", a.IP, a.Failures, a.Window),
		Detail:  detail}
}
