package billing_test

import "kaede/internal/settings"

func settingsFor(months int, earlier bool) settings.MonthlyInvoice {
	return settings.MonthlyInvoice{Enabled: true, DueMonths: months, DueEarlier: earlier}
}
