package detect

import (
	"kaede/internal/cardpay"
	"kaede/internal/secevent"
)

// AmountMismatch turns a refused provider report (cardpay.Mismatch: an
// amount or currency other than the order's) into a critical event: the
// payment page, the request to the provider or the provider account was
// tampered with, and the order was not marked paid. One event per
// payment; the same report again is counted on it.
func AmountMismatch(m cardpay.Mismatch) secevent.Signal {
	return secevent.Signal{Kind: secevent.KindAmountMismatch, Severity: secevent.Critical, Source: "payment",
		Target:  "payment:" + m.Provider + ":" + m.Ref,
		Summary: "payment refused, not marked paid: " + m.String(),
		Detail: map[string]any{"order": m.Order, "payment": m.Ref, "provider": m.Provider, "via": m.Via,
			"state": string(m.State), "want": int64(m.Want), "amount": int64(m.Amount),
			"captured": int64(m.Captured), "currency": m.Currency},
	}
}
