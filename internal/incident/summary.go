package incident

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"kaede/internal/pdfdoc"
)

// Summary is what the printed summary of an incident shows: the record as
// it stood at AsOf, which is also the instant the deadlines' status is
// taken at.
type Summary struct {
	Incident  Incident
	Deadlines []DeadlineState
	Timeline  []Event
	Evidence  []Evidence
	AsOf      time.Time
	// Lang is "ja" (the default) or "en".
	Lang string
}

// Summary gathers incident id's record for printing, at the service's now.
func (s *Service) Summary(ctx context.Context, id int64, lang string) (Summary, error) {
	inc, err := s.Get(ctx, id)
	if err != nil {
		return Summary{}, err
	}
	out := Summary{Incident: inc, AsOf: s.clock().UTC(), Lang: lang}
	if out.Deadlines, err = s.Deadlines(ctx, inc); err != nil {
		return Summary{}, err
	}
	if out.Timeline, err = s.Timeline(ctx, id); err != nil {
		return Summary{}, err
	}
	if out.Evidence, err = s.EvidenceList(ctx, id); err != nil {
		return Summary{}, err
	}
	return out, nil
}

// SummaryPDF writes the printable summary of incident id to w.
func (s *Service) SummaryPDF(ctx context.Context, id int64, lang string, w io.Writer) error {
	sum, err := s.Summary(ctx, id, lang)
	if err != nil {
		return err
	}
	return sum.WritePDF(w)
}

// summaryWords are the summary's fixed words, Japanese then English.
var summaryWords = map[string][2]string{
	"title":        {"インシデント記録の概要 #%d", "Incident record summary #%d"},
	"as_of":        {"%s 時点の記録です。報告期限の状態もこの時点のものです。", "The record as of %s; the deadlines' status is as of then too."},
	"facts":        {"概要", "Facts"},
	"item":         {"項目", "Item"},
	"value":        {"内容", "Value"},
	"state":        {"状態", "State"},
	"category":     {"分類", "Category"},
	"discovered":   {"発覚日時（知った時点）", "Discovered (when the shop learned of it)"},
	"unauthorised": {"不正アクセスのおそれ", "Cause may be unauthorised access"},
	"yes":          {"あり（個人情報保護委員会への確報は60日以内）", "Yes (the final report to the PPC is due within 60 days)"},
	"no":           {"なし（個人情報保護委員会への確報は30日以内）", "No (the final report to the PPC is due within 30 days)"},
	"opened":       {"記録開始", "Opened"},
	"closed":       {"対応終了", "Closed"},
	"by_at":        {"%s（%s）", "%s (%s)"},
	"noticed":      {"発覚の経緯", "What was noticed"},
	"deadlines":    {"報告期限", "Deadlines"},
	"report":       {"報告", "Report"},
	"due":          {"期限", "Due"},
	"status":       {"状態", "Status"},
	"filed":        {"提出日時", "Filed"},
	"remark":       {"備考", "Remark"},
	"late_after":   {"遅くとも %s", "at the latest %s"},
	"on_time":      {"期限内に提出", "Filed on time"},
	"late":         {"期限後に提出", "Filed late"},
	"days_left":    {"あと%d日", "%d days left"},
	"due_today":    {"本日が期限", "Due today"},
	"days_over":    {"%d日超過", "%d days over"},
	"timeline":     {"経緯（時系列）", "Timeline"},
	"recorded":     {"記録: %s（%s）", "recorded by %s (%s)"},
	"evidence":     {"証拠ファイル", "Evidence"},
	"none":         {"なし", "None"},
	"bytes":        {"%s バイト", "%s bytes"},
	"uploaded":     {"登録: %s（%s）", "uploaded by %s (%s)"},
	"footer":       {"この書面は Kaede が記録から作成したものです。SHA-256 は各ファイルの登録時に計算した値で、写しが変わっていないことの確認に使えます。", "Printed by Kaede from the record. Each SHA-256 was taken when the file was uploaded; a copy with the same hash is unchanged."},
}

func (s Summary) word(key string, args ...any) string {
	w := summaryWords[key]
	f := w[1]
	if s.lang() == "ja" {
		f = w[0]
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

func (s Summary) lang() string {
	if s.Lang == "en" {
		return "en"
	}
	return "ja"
}

// WritePDF writes the summary as an A4 PDF: the facts, the deadlines with
// their status, the timeline and the evidence with its hashes. The same
// summary always gives the same bytes (pdfdoc writes no clock of its own),
// so a printed copy can be made again and compared.
func (s Summary) WritePDF(w io.Writer) error {
	inc := s.Incident
	doc := pdfdoc.New(pdfdoc.Options{Title: s.word("title", inc.ID), Author: "Kaede"})
	doc.Text(pdfdoc.TextBlock{Text: s.word("title", inc.ID), Size: 15})
	doc.Text(pdfdoc.TextBlock{Text: inc.Title, Size: 12})
	doc.Gap(1)
	doc.Text(pdfdoc.TextBlock{Text: s.word("as_of", When(s.AsOf)), Size: 8.5})

	s.heading(doc, "facts")
	if err := doc.Table(s.factsTable()); err != nil {
		return fmt.Errorf("incident: summary facts: %w", err)
	}
	if inc.Noticed != "" {
		s.heading(doc, "noticed")
		doc.Text(pdfdoc.TextBlock{Text: inc.Noticed, Size: 9.5})
	}

	s.heading(doc, "deadlines")
	if err := doc.Table(s.deadlineTable()); err != nil {
		return fmt.Errorf("incident: summary deadlines: %w", err)
	}

	// The timeline and the evidence are text blocks, not table rows: an
	// entry may hold pages of findings, and a block runs on to the next
	// page where a row could not.
	s.heading(doc, "timeline")
	for _, e := range s.Timeline {
		s.keepRoom(doc, 12)
		doc.Text(pdfdoc.TextBlock{Text: When(e.OccurredAt) + "　" + e.Kind.Label(s.lang()), Size: 9.5})
		if e.Text != "" {
			doc.Text(pdfdoc.TextBlock{Text: e.Text, Size: 9, X: pdfdoc.MarginLeft + 6})
		}
		doc.Text(pdfdoc.TextBlock{Text: s.word("recorded", e.RecordedBy, When(e.RecordedAt)), Size: 7.5, X: pdfdoc.MarginLeft + 6})
		doc.Gap(1.5)
	}

	s.heading(doc, "evidence")
	if len(s.Evidence) == 0 {
		doc.Text(pdfdoc.TextBlock{Text: s.word("none"), Size: 9.5})
	}
	for _, e := range s.Evidence {
		s.keepRoom(doc, 16)
		doc.Text(pdfdoc.TextBlock{Text: fmt.Sprintf("#%d　%s　%s", e.ID, e.Name, s.word("bytes", grouped(e.Size))), Size: 9.5})
		doc.Text(pdfdoc.TextBlock{Text: "SHA-256: " + e.SHA256, Size: 8.5, X: pdfdoc.MarginLeft + 6})
		if e.Note != "" {
			doc.Text(pdfdoc.TextBlock{Text: e.Note, Size: 9, X: pdfdoc.MarginLeft + 6})
		}
		doc.Text(pdfdoc.TextBlock{Text: s.word("uploaded", e.UploadedBy, When(e.UploadedAt)), Size: 7.5, X: pdfdoc.MarginLeft + 6})
		doc.Gap(1.5)
	}

	doc.Gap(4)
	doc.Text(pdfdoc.TextBlock{Text: s.word("footer"), Size: 8})
	if _, err := doc.WriteTo(w); err != nil {
		return fmt.Errorf("incident: summary of %d: %w", inc.ID, err)
	}
	return nil
}

// heading starts a section, on a new page when too little of this one is
// left for the heading and a line or two under it.
func (s Summary) heading(doc *pdfdoc.Document, key string) {
	doc.Gap(4)
	s.keepRoom(doc, 25)
	doc.Text(pdfdoc.TextBlock{Text: s.word(key), Size: 12})
	doc.Gap(1)
}

// keepRoom starts a new page unless mm millimetres are left on this one.
func (s Summary) keepRoom(doc *pdfdoc.Document, mm float64) {
	if doc.Y()+mm > pdfdoc.PageHeight-pdfdoc.MarginBottom {
		doc.AddPage()
	}
}

func (s Summary) factsTable() pdfdoc.Table {
	inc, lang := s.Incident, s.lang()
	unauth := s.word("no")
	if inc.Unauthorised {
		unauth = s.word("yes")
	}
	rows := [][]string{
		{s.word("state"), inc.State.Label(lang)},
		{s.word("category"), inc.Category.Label(lang)},
		{s.word("discovered"), When(inc.DiscoveredAt)},
		{s.word("unauthorised"), unauth},
		{s.word("opened"), s.word("by_at", inc.OpenedBy, When(inc.OpenedAt))},
	}
	if inc.State == Closed {
		rows = append(rows, []string{s.word("closed"), s.word("by_at", inc.ClosedBy, When(inc.ClosedAt))})
	}
	return pdfdoc.Table{Columns: []pdfdoc.Column{
		{Header: s.word("item"), Width: 55},
		{Header: s.word("value"), Width: 115},
	}, Rows: rows}
}

func (s Summary) deadlineTable() pdfdoc.Table {
	lang := s.lang()
	t := pdfdoc.Table{Columns: []pdfdoc.Column{
		{Header: s.word("report"), Width: 54},
		{Header: s.word("due"), Width: 45},
		{Header: s.word("status"), Width: 19},
		{Header: s.word("filed"), Width: 28},
		{Header: s.word("remark"), Width: 24},
	}}
	for _, d := range s.Deadlines {
		due := Day(d.Due, lang)
		if !d.LateAfter.IsZero() {
			due += "\n" + s.word("late_after", Day(d.LateAfter, lang))
		}
		t.Rows = append(t.Rows, []string{d.Label(lang), due, d.Status.Label(lang), When(d.Filed), s.remark(d)})
	}
	return t
}

// remark says how a filed report stood against its deadline, or how many
// days an open one has left.
func (s Summary) remark(d DeadlineState) string {
	if d.Status == Filed {
		if d.Late {
			return s.word("late")
		}
		return s.word("on_time")
	}
	switch n := d.DaysLeft(s.AsOf); {
	case n > 0:
		return s.word("days_left", n)
	case n == 0:
		return s.word("due_today")
	default:
		return s.word("days_over", -n)
	}
}

// grouped writes n with thousands separators: 1,234,567.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
