package incident

import (
	"errors"
	"fmt"
	"time"

	"kaede/internal/shop"
)

// The names people read for the record's codes. The Japanese ones of
// categories and timeline kinds are the reports' (categoryJA,
// EventLabelJA in report.go), so that a page, the summary and a report
// name a step alike; the English ones are here. A code with no name (a
// kind another part of the desk added) is shown as it is stored.

var categoryEN = map[Category]string{
	CardData:           "Card data (possible leak)",
	PersonalData:       "Personal data (leak or loss)",
	Tampering:          "Page tampering",
	UnauthorisedAccess: "Unauthorised access",
	Other:              "Other",
}

var kindEN = map[EventKind]string{
	EventDetected:      "Discovered",
	EventCardStopped:   "Card payments stopped",
	EventCardResumed:   "Card payments resumed",
	EventInvestigators: "Investigators (PFI) engaged",
	EventFinding:       "Finding",
	EventPolice:        "Reported to the police",
	EventAcquirer:      "Incident report to the acquirer",
	EventCardList:      "Card transaction list to the acquirer",
	EventPPCPrelim:     "Preliminary report to the PPC",
	EventPPCFinal:      "Final report to the PPC",
	EventVulnScan:      "Vulnerability scan passed",
	EventPublicNotice:  "Public notice",
	EventNotification:  "Customers notified",
	EventReopened:      "Shop reopened",
	EventClosed:        "Incident closed",
	EventNote:          "Note",
}

var statusLabels = map[Status][2]string{
	Pending: {"未提出", "Pending"},
	DueSoon: {"期限間近", "Due soon"},
	Overdue: {"期限超過", "Overdue"},
	Filed:   {"提出済み", "Filed"},
}

var stateLabels = map[State][2]string{
	Open:   {"対応中", "Open"},
	Closed: {"対応終了", "Closed"},
}

// label picks the Japanese name for lang "ja" and the English one for any
// other language.
func label(names [2]string, ok bool, code, lang string) string {
	switch {
	case !ok:
		return code
	case lang == "ja":
		return names[0]
	}
	return names[1]
}

// Label is the category's name in lang ("ja" or "en").
func (c Category) Label(lang string) string {
	if lang == "ja" {
		return categoryJA(c)
	}
	if n, ok := categoryEN[c]; ok {
		return n
	}
	return string(c)
}

// Manual reports whether staff may record k by hand: one of EventKinds.
// The other kinds are written by the desk itself (the discovery, the
// closing, what another part records in its own transaction).
func (k EventKind) Manual() bool {
	for _, m := range EventKinds {
		if k == m {
			return true
		}
	}
	return false
}

// Label is the kind's name in lang ("ja" or "en").
func (k EventKind) Label(lang string) string {
	if lang == "ja" {
		return EventLabelJA(k)
	}
	if n, ok := kindEN[k]; ok {
		return n
	}
	return string(k)
}

// Label is the status's name in lang ("ja" or "en").
func (s Status) Label(lang string) string {
	n, ok := statusLabels[s]
	return label(n, ok, string(s), lang)
}

// Label is the state's name in lang ("ja" or "en").
func (s State) Label(lang string) string {
	n, ok := stateLabels[s]
	return label(n, ok, string(s), lang)
}

// Label is the report's name in lang ("ja" or "en").
func (d Deadline) Label(lang string) string {
	if lang == "ja" {
		return d.LabelJA
	}
	return d.LabelEN
}

// DaysLeft counts the calendar days in Japan from now's day to the day the
// deadline is due: 0 on its last day, negative once it has passed.
func (d Deadline) DaysLeft(now time.Time) int {
	// Both are midnights in JST, a zone without summer time: the
	// difference is a whole number of days.
	return int(startOfDay(d.Due).Sub(startOfDay(now)).Hours() / 24)
}

// Day formats t's calendar day in Japan with its weekday, as staff plan
// by it: "2026-05-07（木）" in Japanese, "2026-05-07 (Thu)" otherwise.
func Day(t time.Time, lang string) string {
	t = t.In(shop.JST)
	if lang == "ja" {
		return t.Format(time.DateOnly) + "（" + weekdaysJA[t.Weekday()] + "）"
	}
	return t.Format("2006-01-02 (Mon)")
}

// When formats an instant in Japan to the minute: "2026-05-01 10:00 JST".
func When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shop.JST).Format("2006-01-02 15:04 MST")
}

// ErrTimeFormat is ParseTime's answer to a value in none of its forms.
var ErrTimeFormat = errors.New(`want RFC 3339 (2026-05-01T10:00:00+09:00) or "2026-05-01 10:00" in Japan time`)

// localForms are the forms ParseTime reads in Japan time: what an
// operator types, and what a date and a time input of a form send joined
// by a space or a "T" (datetime-local).
var localForms = []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"}

// ParseTime reads an instant as staff give one: RFC 3339 with its offset,
// or a date and time without one, read in Japan time (the discovery time
// is what someone in the shop noted on the wall clock). Full-width digits
// are accepted. The result is in UTC.
func ParseTime(s string) (time.Time, error) {
	s = shop.Normalize(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, f := range localForms {
		if t, err := time.ParseInLocation(f, s, shop.JST); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: %w", s, ErrTimeFormat)
}
