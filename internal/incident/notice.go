package incident

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// The public notice (お詫びとお知らせ): one per incident, drafted by the
// system from the incident's record (notice_draft.go), edited by staff,
// published on the store at NoticePath and pinned on its top page while
// published. Dated updates (第2報, 第3報…) are appended to a published
// notice. Nothing is ever deleted: each save is a new version, and a
// withdrawn notice keeps its versions and updates (the store answers 410
// Gone for it, saying when it was withdrawn).

// NoticeState is where a notice stands.
type NoticeState string

// The states of a notice.
const (
	NoticeDraft     NoticeState = "draft"     // never published
	NoticePublished NoticeState = "published" // on the store, pinned on the top page
	NoticeWithdrawn NoticeState = "withdrawn" // taken down; its history kept
)

// Errors of the notice's state, for the admin to explain.
var (
	// ErrNoticeLive refuses to publish the text the store already shows.
	ErrNoticeLive = &shop.Error{Code: shop.Conflict, Message: "this text of the notice is already published"}
	// ErrNoticeNotPublished refuses what needs a published notice: a
	// withdrawal, an update, the reopening's announcement.
	ErrNoticeNotPublished = &shop.Error{Code: shop.Conflict, Message: "the notice is not published: publish it first"}
)

// EventNoticeWithdrawn is the timeline's entry for a notice taken down;
// publishing and each update are EventPublicNotice.
const EventNoticeWithdrawn EventKind = "notice_withdrawn"

// Section is one part of the notice. The parts are the items a notice to
// the people concerned must carry (APPI rules art. 10: overview, the data
// leaked, the cause, the risk of secondary damage, other matters — here
// the measures taken and the inquiry desk).
type Section string

// The sections, in the order the page shows them.
const (
	SectionSummary  Section = "summary"  // 概要: what happened, when, the apology
	SectionItems    Section = "items"    // 漏えいした項目: which data, whose
	SectionCause    Section = "cause"    // 原因
	SectionRisk     Section = "risk"     // 二次被害のおそれ, and what customers should do
	SectionMeasures Section = "measures" // 再発防止策 and the reports filed; optional
	SectionContact  Section = "contact"  // お問い合わせ先
)

// Sections lists every section in the order of the page.
var Sections = []Section{SectionSummary, SectionItems, SectionCause, SectionRisk, SectionMeasures, SectionContact}

// Required reports whether the section must have Japanese text: every
// one but the measures, which the law does not ask of a notice.
func (s Section) Required() bool { return s != SectionMeasures }

// Limits of a notice's texts, in characters.
const (
	maxNoticeTitle   = 200
	maxNoticeSection = 8000
	maxUpdateBody    = 8000
	maxWithdrawNote  = 1000
)

// NoticeText is a notice's words: a title and the sections, in Japanese
// (required) and English (optional; a section without English shows in
// Japanese on the English page). Texts are plain, paragraphs separated by
// blank lines; no markup is ever taken from them.
type NoticeText struct {
	TitleJa string
	TitleEn string
	Ja      map[Section]string
	En      map[Section]string
}

// Title is the title in lang, falling back to Japanese.
func (t NoticeText) Title(lang string) string {
	if lang == "en" && t.TitleEn != "" {
		return t.TitleEn
	}
	return t.TitleJa
}

// Text is the section in lang, falling back to Japanese.
func (t NoticeText) Text(s Section, lang string) string {
	if lang == "en" && t.En[s] != "" {
		return t.En[s]
	}
	return t.Ja[s]
}

// clean trims each text and makes line breaks one kind.
func (t NoticeText) clean() NoticeText {
	out := NoticeText{TitleJa: cleanLine(t.TitleJa), TitleEn: cleanLine(t.TitleEn),
		Ja: map[Section]string{}, En: map[Section]string{}}
	for _, s := range Sections {
		out.Ja[s], out.En[s] = cleanBody(t.Ja[s]), cleanBody(t.En[s])
	}
	return out
}

// Field returns the name of a section's field in lang ("ja" or "en"),
// as errors name it and forms send it: "notice_summary_ja".
func (s Section) Field(lang string) string { return "notice_" + string(s) + "_" + lang }

// validate names every bad field: "notice_title_ja", "notice_summary_en"…
func (t NoticeText) validate() error {
	f := map[string]string{}
	checkLine(f, "notice_title_ja", t.TitleJa, maxNoticeTitle, true)
	checkLine(f, "notice_title_en", t.TitleEn, maxNoticeTitle, false)
	for _, s := range Sections {
		checkBody(f, s.Field("ja"), t.Ja[s], maxNoticeSection, s.Required())
		checkBody(f, s.Field("en"), t.En[s], maxNoticeSection, false)
	}
	return invalid("invalid notice", f)
}

// auditView is what the audit log keeps of a version: its whole text, so
// that the log alone shows what the shop told the public.
func (t NoticeText) auditView(version int) map[string]any {
	m := map[string]any{"version": version, "title_ja": t.TitleJa, "title_en": t.TitleEn}
	for _, s := range Sections {
		m[string(s)+"_ja"], m[string(s)+"_en"] = t.Ja[s], t.En[s]
	}
	return m
}

func cleanLine(s string) string { return strings.TrimSpace(s) }

func cleanBody(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// checkLine refuses any control character in a one-line text.
func checkLine(f map[string]string, name, v string, max int, required bool) {
	checkBody(f, name, v, max, required)
	if f[name] == "" && strings.ContainsAny(v, "\n\t") {
		f[name] = shop.ReasonFormat
	}
}

// checkBody allows line breaks and tabs and no other control character: a
// NUL or an escape code pasted from another program would read
// differently to staff and to customers.
func checkBody(f map[string]string, name, v string, max int, required bool) {
	switch {
	case v == "" && required:
		f[name] = shop.ReasonRequired
	case utf8.RuneCountInString(v) > max:
		f[name] = shop.ReasonLength
	case !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\t'
	}) >= 0:
		f[name] = shop.ReasonFormat
	}
}

// NoticeVersion is one saved text of the notice.
type NoticeVersion struct {
	Version int
	NoticeText
	SavedBy     string
	SavedAt     time.Time
	PublishedAt time.Time // when it first went live; zero if it never did
}

// UpdateKind is what an update announces.
type UpdateKind string

// The kinds of update.
const (
	UpdateNews      UpdateKind = "update"    // further findings, a correction
	UpdateReopening UpdateKind = "reopening" // the shop reopened (再開のお知らせ)
)

// UpdateText is the words of an update: the title is optional (the page
// heads it 第N報 and its date), the Japanese body required.
type UpdateText struct {
	TitleJa, TitleEn string
	BodyJa, BodyEn   string
}

func (u UpdateText) clean() UpdateText {
	return UpdateText{TitleJa: cleanLine(u.TitleJa), TitleEn: cleanLine(u.TitleEn),
		BodyJa: cleanBody(u.BodyJa), BodyEn: cleanBody(u.BodyEn)}
}

func (u UpdateText) validate() error {
	f := map[string]string{}
	checkLine(f, "update_title_ja", u.TitleJa, maxNoticeTitle, false)
	checkLine(f, "update_title_en", u.TitleEn, maxNoticeTitle, false)
	checkBody(f, "update_body_ja", u.BodyJa, maxUpdateBody, true)
	checkBody(f, "update_body_en", u.BodyEn, maxUpdateBody, false)
	return invalid("invalid update", f)
}

// Title is the update's title in lang, falling back to Japanese.
func (u UpdateText) Title(lang string) string {
	if lang == "en" && u.TitleEn != "" {
		return u.TitleEn
	}
	return u.TitleJa
}

// Body is the update's text in lang, falling back to Japanese.
func (u UpdateText) Body(lang string) string {
	if lang == "en" && u.BodyEn != "" {
		return u.BodyEn
	}
	return u.BodyJa
}

// NoticeUpdate is one dated update of a published notice.
type NoticeUpdate struct {
	Number int // 第N報: 2 for the first update, the notice itself being 第1報
	Kind   UpdateKind
	UpdateText
	PublishedBy string
	PublishedAt time.Time // the date the update carries
}

// Notice is an incident's public notice with its history.
type Notice struct {
	ID               int64
	IncidentID       int64
	State            NoticeState
	FirstPublishedAt time.Time // the notice's date (第1報); zero before
	WithdrawnAt      time.Time // zero unless withdrawn
	WithdrawnBy      string
	CreatedBy        string
	CreatedAt        time.Time
	Latest           NoticeVersion  // the newest text saved
	Live             *NoticeVersion // the text the store shows; nil before the first publication
	Updates          []NoticeUpdate // oldest first
}

// NoticePath is where the store shows the notice of an incident: a stable
// address, printed in letters and e-mails, that outlives republication.
func NoticePath(incidentID int64) string { return "/notices/" + strconv.FormatInt(incidentID, 10) }

// Path is where the store shows the notice.
func (n Notice) Path() string { return NoticePath(n.IncidentID) }

// Unpublished reports whether the newest text is not the one the store
// shows (a draft, or changes saved since the last publication).
func (n Notice) Unpublished() bool {
	return n.Live == nil || n.Live.Version != n.Latest.Version || n.State != NoticePublished
}

// UpdatedAt is the newest date on the page: the last update's, or the
// live text's publication.
func (n Notice) UpdatedAt() time.Time {
	var t time.Time
	if n.Live != nil {
		t = n.Live.PublishedAt
	}
	if k := len(n.Updates); k > 0 && n.Updates[k-1].PublishedAt.After(t) {
		t = n.Updates[k-1].PublishedAt
	}
	return t
}

// ref is how the audit log names a notice: by its incident, whose address
// it carries.
func (n Notice) ref() string { return "incident_notice:" + strconv.FormatInt(n.IncidentID, 10) }

// Contact is the inquiry desk a notice names (お問い合わせ先), read from
// the shop's settings when a notice is drafted.
type Contact struct {
	ShopName   string
	ShopNameEn string
	Company    string
	Phone      string
	Email      string
	Hours      string // e.g. 平日10:00〜17:00（土・日・祝日を除く）
	HoursEn    string
}

// Notices keeps the incidents' public notices. Contact and Scope are read
// when a notice is drafted; either may be nil, and the draft then says
// less (and staff write it in).
type Notices struct {
	svc *Service
	// Contact returns the inquiry desk's details.
	Contact func(ctx context.Context) (Contact, error)
	// Scope returns the incident's newest saved scope, or a NotFound
	// error when none is saved yet.
	Scope func(ctx context.Context, incidentID int64) (Scope, error)
}

// NewNotices returns the notices of the incidents kept by s.
func NewNotices(s *Service) *Notices { return &Notices{svc: s} }

// querier is a transaction or the database.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// textColumns are a version's text columns in the order of scanText.
func textColumns() string {
	cols := []string{"title_ja", "title_en"}
	for _, s := range Sections {
		cols = append(cols, string(s)+"_ja", string(s)+"_en")
	}
	return strings.Join(cols, ", ")
}

// textValues are t's values in the order of textColumns.
func (t NoticeText) textValues() []any {
	vals := []any{t.TitleJa, t.TitleEn}
	for _, s := range Sections {
		vals = append(vals, t.Ja[s], t.En[s])
	}
	return vals
}

func scanVersion(row interface{ Scan(...any) error }) (NoticeVersion, error) {
	var v NoticeVersion
	v.Ja, v.En = map[Section]string{}, map[Section]string{}
	texts := make([]string, 2*len(Sections))
	dest := []any{&v.Version, &v.TitleJa, &v.TitleEn}
	for i := range texts {
		dest = append(dest, &texts[i])
	}
	var published sql.NullTime
	dest = append(dest, &v.SavedBy, &v.SavedAt, &published)
	if err := row.Scan(dest...); err != nil {
		return NoticeVersion{}, err
	}
	for i, s := range Sections {
		v.Ja[s], v.En[s] = texts[2*i], texts[2*i+1]
	}
	v.SavedAt = v.SavedAt.UTC()
	if published.Valid {
		v.PublishedAt = published.Time.UTC()
	}
	return v, nil
}

var selectVersion = `SELECT version, ` + textColumns() + `, saved_by, saved_at, published_at FROM incident_notice_versions`

// load reads the incident's notice with its newest and live texts and its
// updates; lock holds the notice's row (PostgreSQL) until tx ends.
func (n *Notices) load(ctx context.Context, q querier, incidentID int64, lock bool) (Notice, error) {
	var no Notice
	var state string
	var first, withdrawn sql.NullTime
	var live int
	query := `SELECT id, incident_id, state, live_version, first_published_at, withdrawn_at, withdrawn_by, created_by, created_at
		FROM incident_notices WHERE incident_id = $1`
	if lock {
		query += n.svc.db.ForUpdate()
	}
	err := q.QueryRowContext(ctx, query, incidentID).Scan(&no.ID, &no.IncidentID, &state, &live, &first, &withdrawn,
		&no.WithdrawnBy, &no.CreatedBy, &no.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Notice{}, &shop.Error{Code: shop.NotFound, Message: fmt.Sprintf("incident %d has no notice yet", incidentID)}
	}
	if err != nil {
		return Notice{}, fmt.Errorf("incident: notice of %d: %w", incidentID, err)
	}
	no.State, no.CreatedAt = NoticeState(state), no.CreatedAt.UTC()
	if first.Valid {
		no.FirstPublishedAt = first.Time.UTC()
	}
	if withdrawn.Valid {
		no.WithdrawnAt = withdrawn.Time.UTC()
	}
	if no.Latest, err = scanVersion(q.QueryRowContext(ctx, selectVersion+` WHERE notice_id = $1 ORDER BY version DESC LIMIT 1`, no.ID)); err != nil {
		return Notice{}, fmt.Errorf("incident: notice of %d: newest text: %w", incidentID, err)
	}
	if live > 0 {
		v := no.Latest
		if live != v.Version {
			if v, err = scanVersion(q.QueryRowContext(ctx, selectVersion+` WHERE notice_id = $1 AND version = $2`, no.ID, live)); err != nil {
				return Notice{}, fmt.Errorf("incident: notice of %d: live text: %w", incidentID, err)
			}
		}
		no.Live = &v
	}
	if no.Updates, err = n.updates(ctx, q, no.ID); err != nil {
		return Notice{}, fmt.Errorf("incident: notice of %d: %w", incidentID, err)
	}
	return no, nil
}

func (n *Notices) updates(ctx context.Context, q querier, noticeID int64) ([]NoticeUpdate, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT number, kind, title_ja, title_en, body_ja, body_en, published_by, published_at
		FROM incident_notice_updates WHERE notice_id = $1 ORDER BY number`, noticeID)
	if err != nil {
		return nil, fmt.Errorf("updates: %w", err)
	}
	defer rows.Close()
	var out []NoticeUpdate
	for rows.Next() {
		var u NoticeUpdate
		var kind string
		if err := rows.Scan(&u.Number, &kind, &u.TitleJa, &u.TitleEn, &u.BodyJa, &u.BodyEn, &u.PublishedBy, &u.PublishedAt); err != nil {
			return nil, fmt.Errorf("updates: %w", err)
		}
		u.Kind, u.PublishedAt = UpdateKind(kind), u.PublishedAt.UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

// Get returns the incident's notice for the admin, or NotFound when none
// is drafted yet.
func (n *Notices) Get(ctx context.Context, incidentID int64) (Notice, error) {
	var no Notice
	err := n.svc.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		no, err = n.load(ctx, tx, incidentID, false)
		return err
	})
	return no, err
}

// Versions returns every text saved for the incident's notice, newest
// first.
func (n *Notices) Versions(ctx context.Context, incidentID int64) ([]NoticeVersion, error) {
	rows, err := n.svc.db.QueryContext(ctx, selectVersion+`
		WHERE notice_id = (SELECT id FROM incident_notices WHERE incident_id = $1) ORDER BY version DESC`, incidentID)
	if err != nil {
		return nil, fmt.Errorf("incident: notice versions of %d: %w", incidentID, err)
	}
	defer rows.Close()
	var out []NoticeVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("incident: notice versions of %d: %w", incidentID, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Draft writes a new version drafted from the incident's record (its
// facts, timeline, scope and the inquiry desk), creating the notice if
// need be; audited. Staff then edit each section and publish. A draft
// never replaces what the store shows until it is published.
func (n *Notices) Draft(ctx context.Context, incidentID int64, by audit.Actor) (Notice, error) {
	facts, err := n.facts(ctx, incidentID)
	if err != nil {
		return Notice{}, err
	}
	return n.save(ctx, incidentID, DraftNotice(facts), "incident.notice_draft", by)
}

// facts gathers what a draft is written from.
func (n *Notices) facts(ctx context.Context, incidentID int64) (NoticeFacts, error) {
	inc, err := n.svc.Get(ctx, incidentID)
	if err != nil {
		return NoticeFacts{}, err
	}
	f := NoticeFacts{Incident: inc}
	if f.Events, err = n.svc.Timeline(ctx, incidentID); err != nil {
		return NoticeFacts{}, err
	}
	if n.Scope != nil {
		sc, err := n.Scope(ctx, incidentID)
		switch {
		case err == nil:
			f.Scope = &sc
		case shop.ErrorCode(err) != shop.NotFound:
			return NoticeFacts{}, fmt.Errorf("incident: scope of %d: %w", incidentID, err)
		}
	}
	if n.Contact != nil {
		if f.Contact, err = n.Contact(ctx); err != nil {
			return NoticeFacts{}, fmt.Errorf("incident: the inquiry desk's details: %w", err)
		}
	}
	return f, nil
}

// Save stores staff's text as the notice's newest version, audited with
// the text before and after. The store keeps showing the published text
// until Publish.
func (n *Notices) Save(ctx context.Context, incidentID int64, text NoticeText, by audit.Actor) (Notice, error) {
	return n.save(ctx, incidentID, text, "incident.notice_save", by)
}

func (n *Notices) save(ctx context.Context, incidentID int64, text NoticeText, action string, by audit.Actor) (Notice, error) {
	text = text.clean()
	if err := text.validate(); err != nil {
		return Notice{}, err
	}
	now := n.svc.clock().UTC()
	var out Notice
	err := n.svc.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := getTx(ctx, tx, n.svc.db, incidentID); err != nil {
			return err
		}
		no, err := n.load(ctx, tx, incidentID, true)
		var before any
		switch {
		case shop.ErrorCode(err) == shop.NotFound:
			no = Notice{IncidentID: incidentID, State: NoticeDraft, CreatedBy: by.Name, CreatedAt: now}
			if err := tx.QueryRowContext(ctx, `
				INSERT INTO incident_notices (incident_id, state, created_by, created_at)
				VALUES ($1, 'draft', $2, $3) RETURNING id`, incidentID, by.Name, now).Scan(&no.ID); err != nil {
				return fmt.Errorf("incident: create the notice of %d: %w", incidentID, err)
			}
		case err != nil:
			return err
		default:
			before = no.Latest.auditView(no.Latest.Version)
		}
		v := NoticeVersion{Version: no.Latest.Version + 1, NoticeText: text, SavedBy: by.Name, SavedAt: now}
		args := append([]any{no.ID, v.Version}, text.textValues()...)
		args = append(args, by.Name, now)
		marks := make([]string, len(args))
		for i := range marks {
			marks[i] = "$" + strconv.Itoa(i+1)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_notice_versions (notice_id, version, `+textColumns()+`, saved_by, saved_at)
			VALUES (`+strings.Join(marks, ", ")+`)`, args...); err != nil {
			return fmt.Errorf("incident: save the notice of %d: %w", incidentID, err)
		}
		no.Latest = v
		out = no
		return audit.Record(ctx, tx, now, by, action, no.ref(), before, v.auditView(v.Version))
	})
	return out, err
}

// Publish puts the notice's newest text on the store (again, after a
// withdrawal or a correction) and pins it on the top page. The timeline
// gets a public-notice entry and the audit log the text, in the same
// transaction.
func (n *Notices) Publish(ctx context.Context, incidentID int64, by audit.Actor) (Notice, error) {
	now := n.svc.clock().UTC()
	var out Notice
	err := n.svc.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := getTx(ctx, tx, n.svc.db, incidentID); err != nil {
			return err
		}
		no, err := n.load(ctx, tx, incidentID, true)
		if err != nil {
			return err
		}
		if !no.Unpublished() {
			return ErrNoticeLive
		}
		before := map[string]any{"state": no.State, "live_version": 0}
		if no.Live != nil {
			before["live_version"] = no.Live.Version
		}
		if no.FirstPublishedAt.IsZero() {
			no.FirstPublishedAt = now
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE incident_notices SET state = 'published', live_version = $1, first_published_at = $2,
				withdrawn_at = NULL, withdrawn_by = ''
			WHERE id = $3`, no.Latest.Version, no.FirstPublishedAt, no.ID); err != nil {
			return fmt.Errorf("incident: publish the notice of %d: %w", incidentID, err)
		}
		if no.Latest.PublishedAt.IsZero() {
			no.Latest.PublishedAt = now
			if _, err := tx.ExecContext(ctx, `UPDATE incident_notice_versions SET published_at = $1 WHERE notice_id = $2 AND version = $3`,
				now, no.ID, no.Latest.Version); err != nil {
				return fmt.Errorf("incident: publish the notice of %d: %w", incidentID, err)
			}
		}
		text := fmt.Sprintf("お詫びとお知らせを当店サイトに掲載（%s、第%d版）: %s", no.Path(), no.Latest.Version, no.Latest.TitleJa)
		if _, err := n.svc.RecordTx(ctx, tx, incidentID, EventPublicNotice, now, text, by); err != nil {
			return err
		}
		live := no.Latest
		no.State, no.Live, no.WithdrawnAt, no.WithdrawnBy = NoticePublished, &live, time.Time{}, ""
		out = no
		after := live.auditView(live.Version)
		after["state"], after["path"] = NoticePublished, no.Path()
		return audit.Record(ctx, tx, now, by, "incident.notice_publish", no.ref(), before, after)
	})
	return out, err
}

// Withdraw takes the published notice off the store and the top page.
// Its texts and updates stay, and the store answers 410 Gone at its
// address, saying when it was withdrawn. note says why, for the
// timeline; it may be empty.
func (n *Notices) Withdraw(ctx context.Context, incidentID int64, note string, by audit.Actor) (Notice, error) {
	note = cleanBody(note)
	f := map[string]string{}
	checkBody(f, "withdraw_note", note, maxWithdrawNote, false)
	if err := invalid("invalid withdrawal", f); err != nil {
		return Notice{}, err
	}
	now := n.svc.clock().UTC()
	var out Notice
	err := n.svc.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := getTx(ctx, tx, n.svc.db, incidentID); err != nil {
			return err
		}
		no, err := n.load(ctx, tx, incidentID, true)
		if err != nil {
			return err
		}
		if no.State != NoticePublished {
			return ErrNoticeNotPublished
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incident_notices SET state = 'withdrawn', withdrawn_at = $1, withdrawn_by = $2 WHERE id = $3`,
			now, by.Name, no.ID); err != nil {
			return fmt.Errorf("incident: withdraw the notice of %d: %w", incidentID, err)
		}
		text := "お詫びとお知らせの掲載を終了（" + no.Path() + "）"
		if note != "" {
			text += ": " + note
		}
		if _, err := n.svc.RecordTx(ctx, tx, incidentID, EventNoticeWithdrawn, now, text, by); err != nil {
			return err
		}
		no.State, no.WithdrawnAt, no.WithdrawnBy = NoticeWithdrawn, now, by.Name
		out = no
		return audit.Record(ctx, tx, now, by, "incident.notice_withdraw", no.ref(),
			map[string]any{"state": NoticePublished}, map[string]any{"state": NoticeWithdrawn, "note": note})
	})
	return out, err
}

// Append publishes a dated update (第2報, 第3報…) under the published
// notice, with its timeline entry and audit record in the same
// transaction. An update is never changed afterwards: a correction is
// another update.
func (n *Notices) Append(ctx context.Context, incidentID int64, text UpdateText, by audit.Actor) (NoticeUpdate, error) {
	text = text.clean()
	if err := text.validate(); err != nil {
		return NoticeUpdate{}, err
	}
	var out NoticeUpdate
	err := n.svc.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := getTx(ctx, tx, n.svc.db, incidentID); err != nil {
			return err
		}
		var err error
		out, err = n.appendTx(ctx, tx, incidentID, UpdateNews, text, by)
		return err
	})
	return out, err
}

// appendTx appends an update in tx, whose caller has locked the incident
// and validated text.
func (n *Notices) appendTx(ctx context.Context, tx *sql.Tx, incidentID int64, kind UpdateKind, text UpdateText, by audit.Actor) (NoticeUpdate, error) {
	no, err := n.load(ctx, tx, incidentID, true)
	if err != nil {
		return NoticeUpdate{}, err
	}
	if no.State != NoticePublished {
		return NoticeUpdate{}, ErrNoticeNotPublished
	}
	now := n.svc.clock().UTC()
	u := NoticeUpdate{Number: len(no.Updates) + 2, Kind: kind, UpdateText: text, PublishedBy: by.Name, PublishedAt: now}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO incident_notice_updates (notice_id, number, kind, title_ja, title_en, body_ja, body_en, published_by, published_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		no.ID, u.Number, string(kind), text.TitleJa, text.TitleEn, text.BodyJa, text.BodyEn, by.Name, now); err != nil {
		return NoticeUpdate{}, fmt.Errorf("incident: append to the notice of %d: %w", incidentID, err)
	}
	entry := fmt.Sprintf("お詫びとお知らせに第%d報を掲載（%s）", u.Number, no.Path())
	if text.TitleJa != "" {
		entry += ": " + text.TitleJa
	}
	if _, err := n.svc.RecordTx(ctx, tx, incidentID, EventPublicNotice, now, entry, by); err != nil {
		return NoticeUpdate{}, err
	}
	err = audit.Record(ctx, tx, now, by, "incident.notice_update", no.ref(), nil, map[string]any{
		"number": u.Number, "kind": kind, "title_ja": text.TitleJa, "title_en": text.TitleEn,
		"body_ja": text.BodyJa, "body_en": text.BodyEn})
	return u, err
}

// Public returns a notice for the store: a published one, or a withdrawn
// one (whose page says so, with 410 Gone). A draft, or an incident with
// no notice, is NotFound: the store does not tell that an incident exists
// before the shop says so.
func (n *Notices) Public(ctx context.Context, incidentID int64) (Notice, error) {
	no, err := n.Get(ctx, incidentID)
	if err != nil {
		return Notice{}, err
	}
	if no.Live == nil || no.State == NoticeDraft {
		return Notice{}, &shop.Error{Code: shop.NotFound, Message: "no such notice"}
	}
	return no, nil
}

// Pin is a published notice as the store's top page shows it.
type Pin struct {
	IncidentID  int64
	TitleJa     string
	TitleEn     string
	PublishedAt time.Time // the notice's date (第1報)
	UpdatedAt   time.Time // the newest date on the page
}

// Path is where the store shows the pinned notice.
func (p Pin) Path() string { return NoticePath(p.IncidentID) }

// Title is the pinned notice's title in lang, falling back to Japanese.
func (p Pin) Title(lang string) string {
	if lang == "en" && p.TitleEn != "" {
		return p.TitleEn
	}
	return p.TitleJa
}

// Pinned returns the published notices, newest first, for the top page.
func (n *Notices) Pinned(ctx context.Context) ([]Pin, error) {
	var out []Pin
	err := n.svc.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `
			SELECT n.id, n.incident_id, v.title_ja, v.title_en, n.first_published_at, v.published_at
			FROM incident_notices n
			JOIN incident_notice_versions v ON v.notice_id = n.id AND v.version = n.live_version
			WHERE n.state = 'published'
			ORDER BY n.first_published_at DESC, n.id DESC`)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var p Pin
			var id int64
			var live sql.NullTime
			if err := rows.Scan(&id, &p.IncidentID, &p.TitleJa, &p.TitleEn, &p.PublishedAt, &live); err != nil {
				rows.Close()
				return err
			}
			p.PublishedAt, p.UpdatedAt = p.PublishedAt.UTC(), live.Time.UTC()
			out, ids = append(out, p), append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// The newest update's date, one query per pinned notice: a shop
		// has one or two at most.
		for i, id := range ids {
			var at time.Time
			err := tx.QueryRowContext(ctx, `SELECT published_at FROM incident_notice_updates
				WHERE notice_id = $1 ORDER BY number DESC LIMIT 1`, id).Scan(&at)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return err
			case at.After(out[i].UpdatedAt):
				out[i].UpdatedAt = at.UTC()
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("incident: pinned notices: %w", err)
	}
	return out, nil
}

// Incident returns the incident a notice belongs to, for the notice's
// pages.
func (n *Notices) Incident(ctx context.Context, id int64) (Incident, error) {
	return n.svc.Get(ctx, id)
}
