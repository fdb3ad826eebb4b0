// Package incident is the shop's incident desk for card-data breaches: what
// it must report, to whom, and by when.
package incident

import (
	"fmt"
	"time"

	"kaede/internal/calendar"
	"kaede/internal/shop"
)

// Code names a report the shop owes; it is stable and safe to store.
type Code string

// The reports a card-data breach sets running (REQUIREMENTS-JP §3).
const (
	AcquirerReport   Code = "acquirer_report"    // incident report to the acquirer
	AcquirerCardList Code = "acquirer_card_list" // card transactions at risk, to the acquirer
	PPCPreliminary   Code = "ppc_preliminary"    // APPI 速報 to the Personal Information Protection Commission
	PPCFinal         Code = "ppc_final"          // APPI 確報
)

// Deadline is one report the shop must file after it learns of a breach.
// Every time is in JST and names the last instant of a day, because each
// deadline runs to the end of its last day.
type Deadline struct {
	Code    Code
	LabelJA string
	LabelEN string
	// Due is the end of the day the report is due (23:59:59.999999999 JST).
	Due time.Time
	// LateAfter is set where a filing after Due is not yet late: the end of
	// the outer limit of the PPC's "3 to 5 days" for the 速報, or of the
	// day the 確報 deadline moves to when its last day falls on a day the
	// government is closed. Zero where a filing after Due is late.
	LateAfter time.Time
	// SoonFrom is when the deadline starts to show as due soon.
	SoonFrom time.Time
}

// Status is where a deadline stands.
type Status string

// The statuses, in the order a deadline normally passes through them.
const (
	Pending Status = "pending"
	DueSoon Status = "due_soon"
	Overdue Status = "overdue"
	Filed   Status = "filed"
)

// acquirerDays counts business days as the acquirer (a card company) does:
// weekdays that are no national holiday. Banks also close 12-31 to 01-03,
// but counting those days as open can only make a deadline earlier, never
// late, so the shop is never misled into waiting.
var acquirerDays = calendar.Calendar{}

// governmentDays are the days administrative bodies are open: the 行政機関の
// 休日に関する法律 closes them on weekends, national holidays and 12-29 to
// 01-03, and its Article 2 moves a filing deadline set by law or ordinance
// that falls on such a day to the next open day.
var governmentDays = calendar.Calendar{Yearly: []calendar.Closure{calendar.YearEnd}}

// Deadlines returns the reports the shop owes after it learns (知った時点)
// at discovered of a breach of card data, in the order they fall due.
// unauthorised says whether the cause may be unauthorised access or another
// unlawful purpose, which gives the APPI final report 60 days instead of 30.
// It fails only for a discovery outside the calendar's supported years.
//
// How days are counted:
//   - Acquirer: business days after the day of discovery, the next business
//     day being day 1 (Visa's guidance: the incident report within 3
//     business days, the list of exposed cards within 10).
//   - APPI 速報: calendar days from discovery, weekends and holidays
//     included, the day of discovery being day 1. The rules ask for it
//     "promptly" (速やかに) and the PPC's guidelines read that as roughly 3
//     to 5 days (概ね3〜5日以内): due by the end of day 3, late after the end
//     of day 5.
//   - APPI 確報: within 30 days (60 when unauthorised) of the day of discovery
//     (rules art. 8(2)), calendar days, the day of discovery being day 1 as
//     in the PPC's guidelines; were the civil-code rule (start the day
//     after) to apply instead, this deadline is one day early, never late.
//     When the last day falls on a day the government is closed, a filing
//     is not late until the end of the next open day (see governmentDays).
func Deadlines(discovered time.Time, unauthorised bool) ([]Deadline, error) {
	day := startOfDay(discovered)

	report, err := acquirerDays.AddBusinessDays(day, 3)
	if err != nil {
		return nil, fmt.Errorf("incident: acquirer report deadline: %w", err)
	}
	cardList, err := acquirerDays.AddBusinessDays(day, 10)
	if err != nil {
		return nil, fmt.Errorf("incident: card list deadline: %w", err)
	}

	finalDays := 30
	if unauthorised {
		finalDays = 60
	}
	final := day.AddDate(0, 0, finalDays-1)
	finalOpen, err := governmentDays.AddBusinessDays(final, 0)
	if err != nil {
		return nil, fmt.Errorf("incident: APPI final report deadline: %w", err)
	}
	var finalLate time.Time
	if !finalOpen.Equal(final) {
		finalLate = endOfDay(finalOpen)
	}

	return []Deadline{
		{
			Code:      PPCPreliminary,
			LabelJA:   "個人情報保護委員会への速報",
			LabelEN:   "Preliminary report to the PPC (APPI)",
			Due:       endOfDay(day.AddDate(0, 0, 2)),
			LateAfter: endOfDay(day.AddDate(0, 0, 4)),
			SoonFrom:  day.AddDate(0, 0, 2), // the morning of day 3
		},
		{
			Code:     AcquirerReport,
			LabelJA:  "アクワイアラへのインシデント報告",
			LabelEN:  "Incident report to the acquirer",
			Due:      endOfDay(report),
			SoonFrom: report, // the morning of the last business day
		},
		{
			Code:     AcquirerCardList,
			LabelJA:  "漏えいのおそれがあるカード取引一覧のアクワイアラへの提出",
			LabelEN:  "List of card transactions at risk, to the acquirer",
			Due:      endOfDay(cardList),
			SoonFrom: cardList.AddDate(0, 0, -2),
		},
		{
			Code:      PPCFinal,
			LabelJA:   "個人情報保護委員会への確報",
			LabelEN:   "Final report to the PPC (APPI)",
			Due:       endOfDay(final),
			LateAfter: finalLate,
			SoonFrom:  final.AddDate(0, 0, -6), // the last week
		},
	}, nil
}

// Status says where the deadline stands at now for a report filed at filed
// (the zero time when it has not been filed). A filed report is Filed even
// when it was late: Late tells that apart.
func (d Deadline) Status(filed, now time.Time) Status {
	switch {
	case !filed.IsZero():
		return Filed
	case now.After(d.Due):
		return Overdue
	case !now.Before(d.SoonFrom):
		return DueSoon
	default:
		return Pending
	}
}

// Late reports whether a report filed at the instant at is late: after
// LateAfter where the deadline has one, else after Due.
func (d Deadline) Late(at time.Time) bool {
	if !d.LateAfter.IsZero() {
		return at.After(d.LateAfter)
	}
	return at.After(d.Due)
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(shop.JST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shop.JST)
}

// endOfDay returns the last instant of the day that starts at day.
func endOfDay(day time.Time) time.Time {
	return day.AddDate(0, 0, 1).Add(-time.Nanosecond)
}
