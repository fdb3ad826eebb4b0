package incident_test

import (
	"errors"
	"testing"
	"time"

	"kaede/internal/calendar"
	"kaede/internal/incident"
	"kaede/internal/shop"
)

func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// want is a deadline as a test writes it: the due day, and the late-after
// day or "".
type want struct {
	due, lateAfter string
}

func TestDeadlines(t *testing.T) {
	tests := []struct {
		name         string
		discovered   string
		unauthorised bool
		want         map[incident.Code]want
	}{
		{
			// Friday before Golden Week 2026: 05-02..05-06 are all off, so the
			// business days run 05-07, 05-08, 05-11…; the 速報 counts them all.
			name: "friday before golden week", discovered: "2026-05-01T18:00:00+09:00", unauthorised: true,
			want: map[incident.Code]want{
				incident.PPCPreliminary:   {"2026-05-03", "2026-05-05"},
				incident.AcquirerReport:   {"2026-05-11", ""},
				incident.AcquirerCardList: {"2026-05-20", ""},
				incident.PPCFinal:         {"2026-06-29", ""}, // day 60, a Monday
			},
		},
		{
			// Day 30 is Saturday 05-30: filing stays on time until Monday.
			name: "friday before golden week, not unauthorised", discovered: "2026-05-01T18:00:00+09:00",
			want: map[incident.Code]want{
				incident.PPCPreliminary:   {"2026-05-03", "2026-05-05"},
				incident.AcquirerReport:   {"2026-05-11", ""},
				incident.AcquirerCardList: {"2026-05-20", ""},
				incident.PPCFinal:         {"2026-05-30", "2026-06-01"},
			},
		},
		{
			// Tuesday 04-28: 04-29 is 昭和の日, then 04-30, 05-01, 05-07.
			name: "eve of showa day", discovered: "2026-04-28T10:00:00+09:00", unauthorised: true,
			want: map[incident.Code]want{
				incident.PPCPreliminary:   {"2026-04-30", "2026-05-02"},
				incident.AcquirerReport:   {"2026-05-07", ""},
				incident.AcquirerCardList: {"2026-05-18", ""},
				incident.PPCFinal:         {"2026-06-26", ""},
			},
		},
		{
			// The seed: a card company warned the shop on Friday 2020-06-26;
			// the cause was an attack. Day 30 would have been Saturday 07-25.
			name: "seed", discovered: "2020-06-26T11:00:00+09:00", unauthorised: true,
			want: map[incident.Code]want{
				incident.PPCPreliminary:   {"2020-06-28", "2020-06-30"},
				incident.AcquirerReport:   {"2020-07-01", ""},
				incident.AcquirerCardList: {"2020-07-10", ""},
				incident.PPCFinal:         {"2020-08-24", ""},
			},
		},
		{
			name: "seed, not unauthorised", discovered: "2020-06-26T11:00:00+09:00",
			want: map[incident.Code]want{
				incident.PPCPreliminary:   {"2020-06-28", "2020-06-30"},
				incident.AcquirerReport:   {"2020-07-01", ""},
				incident.AcquirerCardList: {"2020-07-10", ""},
				incident.PPCFinal:         {"2020-07-25", "2020-07-27"},
			},
		},
		{
			// Day 30 is 12-30, in the government's new-year closure (12-29 to
			// 01-03); the acquirer counts 12-29..12-31 as business days.
			name: "year end", discovered: "2026-12-01T09:00:00+09:00",
			want: map[incident.Code]want{
				incident.PPCPreliminary:   {"2026-12-03", "2026-12-05"},
				incident.AcquirerReport:   {"2026-12-04", ""},
				incident.AcquirerCardList: {"2026-12-15", ""},
				incident.PPCFinal:         {"2026-12-30", "2027-01-04"},
			},
		},
		{
			// 2026-04-30 15:30 UTC is already 05-01 in Tokyo.
			name: "discovery read in JST", discovered: "2026-04-30T15:30:00Z", unauthorised: true,
			want: map[incident.Code]want{
				incident.PPCPreliminary:   {"2026-05-03", "2026-05-05"},
				incident.AcquirerReport:   {"2026-05-11", ""},
				incident.AcquirerCardList: {"2026-05-20", ""},
				incident.PPCFinal:         {"2026-06-29", ""},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := incident.Deadlines(at(t, tc.discovered), tc.unauthorised)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d deadlines, want %d", len(got), len(tc.want))
			}
			for i, d := range got {
				w, ok := tc.want[d.Code]
				if !ok {
					t.Errorf("unexpected deadline %q", d.Code)
					continue
				}
				if due := endOf(t, w.due); !d.Due.Equal(due) {
					t.Errorf("%s: due %v, want %v", d.Code, d.Due, due)
				}
				lateAfter := time.Time{}
				if w.lateAfter != "" {
					lateAfter = endOf(t, w.lateAfter)
				}
				if !d.LateAfter.Equal(lateAfter) {
					t.Errorf("%s: late after %v, want %v", d.Code, d.LateAfter, lateAfter)
				}
				if d.LabelJA == "" || d.LabelEN == "" {
					t.Errorf("%s: labels %q, %q", d.Code, d.LabelJA, d.LabelEN)
				}
				if !d.SoonFrom.Before(d.Due) {
					t.Errorf("%s: due soon from %v, not before due %v", d.Code, d.SoonFrom, d.Due)
				}
				if i > 0 && d.Due.Before(got[i-1].Due) {
					t.Errorf("%s due %v before the previous %s's %v", d.Code, d.Due, got[i-1].Code, got[i-1].Due)
				}
			}
		})
	}
}

// endOf returns the last instant of a day in JST.
func endOf(tb testing.TB, day string) time.Time {
	tb.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, shop.JST)
	if err != nil {
		tb.Fatal(err)
	}
	return d.AddDate(0, 0, 1).Add(-time.Nanosecond)
}

func deadline(t *testing.T, discovered string, code incident.Code) incident.Deadline {
	t.Helper()
	ds, err := incident.Deadlines(at(t, discovered), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Code == code {
			return d
		}
	}
	t.Fatalf("no %s deadline", code)
	return incident.Deadline{}
}

func TestStatus(t *testing.T) {
	// Discovered Friday 2026-05-01; the acquirer report is due Monday 05-11.
	report := deadline(t, "2026-05-01T18:00:00+09:00", incident.AcquirerReport)
	// The 確報 (60 days) is due 06-29 and shows as due soon for its last week.
	final := deadline(t, "2026-05-01T18:00:00+09:00", incident.PPCFinal)
	tests := []struct {
		d          incident.Deadline
		filed, now string
		want       incident.Status
	}{
		{report, "", "2026-05-08T17:00:00+09:00", incident.Pending},
		{report, "", "2026-05-10T23:59:59+09:00", incident.Pending},
		{report, "", "2026-05-11T00:00:00+09:00", incident.DueSoon},
		{report, "", "2026-05-11T23:59:59+09:00", incident.DueSoon},
		{report, "", "2026-05-12T00:00:00+09:00", incident.Overdue},
		{report, "2026-05-07T10:00:00+09:00", "2026-05-08T00:00:00+09:00", incident.Filed},
		{report, "2026-05-13T10:00:00+09:00", "2026-05-14T00:00:00+09:00", incident.Filed},
		{final, "", "2026-06-22T23:00:00+09:00", incident.Pending},
		{final, "", "2026-06-23T00:00:00+09:00", incident.DueSoon},
		{final, "", "2026-06-30T00:00:00+09:00", incident.Overdue},
	}
	for _, tc := range tests {
		var filed time.Time
		if tc.filed != "" {
			filed = at(t, tc.filed)
		}
		if got := tc.d.Status(filed, at(t, tc.now)); got != tc.want {
			t.Errorf("%s.Status(filed %q, now %s) = %s, want %s", tc.d.Code, tc.filed, tc.now, got, tc.want)
		}
	}
}

func TestLate(t *testing.T) {
	preliminary := deadline(t, "2026-05-01T18:00:00+09:00", incident.PPCPreliminary)
	report := deadline(t, "2026-05-01T18:00:00+09:00", incident.AcquirerReport)
	tests := []struct {
		d    incident.Deadline
		at   string
		want bool
	}{
		// The 速報: due by day 3 (05-03), late only after day 5 (05-05).
		{preliminary, "2026-05-03T23:00:00+09:00", false},
		{preliminary, "2026-05-05T23:59:59+09:00", false},
		{preliminary, "2026-05-06T00:00:00+09:00", true},
		// The acquirer report has no grace: late after its due day.
		{report, "2026-05-11T23:59:59+09:00", false},
		{report, "2026-05-12T00:00:00+09:00", true},
	}
	for _, tc := range tests {
		if got := tc.d.Late(at(t, tc.at)); got != tc.want {
			t.Errorf("%s.Late(%s) = %v, want %v", tc.d.Code, tc.at, got, tc.want)
		}
	}
	// Between day 3 and day 5 the 速報 is overdue but not yet late.
	if got := preliminary.Status(time.Time{}, at(t, "2026-05-04T12:00:00+09:00")); got != incident.Overdue {
		t.Errorf("速報 on day 4: %s, want overdue", got)
	}
}

func TestDeadlinesOutsideTheCalendar(t *testing.T) {
	for _, discovered := range []string{"2100-01-05T09:00:00+09:00", "2099-12-10T09:00:00+09:00"} {
		if _, err := incident.Deadlines(at(t, discovered), true); !errors.Is(err, calendar.ErrUnsupportedYear) {
			t.Errorf("Deadlines(%s): err=%v, want ErrUnsupportedYear", discovered, err)
		}
	}
}
