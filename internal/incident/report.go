package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/pdfdoc"
	"kaede/internal/shop"
)

// ReportKind is which report to the Personal Information Protection
// Commission a draft is for.
type ReportKind string

// The two reports APPI asks for (施行規則 7–8条).
const (
	Preliminary ReportKind = "preliminary" // 速報: promptly, about 3–5 days
	Final       ReportKind = "final"       // 確報: 30 days, 60 when unauthorised
)

// Valid reports whether k is one of the two kinds.
func (k ReportKind) Valid() bool { return k == Preliminary || k == Final }

// Code is the deadline the report answers.
func (k ReportKind) Code() Code {
	if k == Final {
		return PPCFinal
	}
	return PPCPreliminary
}

// LabelJA is the report's name on the page and on paper.
func (k ReportKind) LabelJA() string {
	if k == Final {
		return "確報"
	}
	return "速報"
}

// ReportItems are the nine items of 施行規則 8条1項, in its order.
type ReportItems struct {
	Overview        string `json:"overview"`         // 1 概要
	Items           string `json:"items"`            // 2 漏えい等が発生し、又は発生したおそれがある個人データの項目
	People          string `json:"people"`           // 3 本人の数
	Cause           string `json:"cause"`            // 4 原因
	SecondaryDamage string `json:"secondary_damage"` // 5 二次被害又はそのおそれの有無及びその内容
	Response        string `json:"response"`         // 6 本人への対応の実施状況
	Publication     string `json:"publication"`      // 7 公表の実施状況
	Prevention      string `json:"prevention"`       // 8 再発防止のための措置
	Other           string `json:"other"`            // 9 その他参考となる事項
}

// ReportItem is one item with its number and heading, for pages, paper
// and forms, which all list them in the rule's order.
type ReportItem struct {
	N         int
	Field     string // the form field and JSON name
	HeadingJA string
	HeadingEN string
	Text      string
}

// List returns the nine items in the rule's order.
func (r ReportItems) List() []ReportItem {
	return []ReportItem{
		{1, "overview", "概要", "Overview", r.Overview},
		{2, "items", "漏えい等が発生し、又は発生したおそれがある個人データの項目", "Items of personal data leaked or possibly leaked", r.Items},
		{3, "people", "漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数", "Number of people", r.People},
		{4, "cause", "原因", "Cause", r.Cause},
		{5, "secondary_damage", "二次被害又はそのおそれの有無及びその内容", "Secondary damage or its risk", r.SecondaryDamage},
		{6, "response", "本人への対応の実施状況", "Response to the individuals", r.Response},
		{7, "publication", "公表の実施状況", "Public announcement", r.Publication},
		{8, "prevention", "再発防止のための措置", "Measures to prevent recurrence", r.Prevention},
		{9, "other", "その他参考となる事項", "Other relevant matters", r.Other},
	}
}

// Set sets the item named by field (ReportItem.Field); it reports false
// for a name that is not one of the nine.
func (r *ReportItems) Set(field, text string) bool {
	p := map[string]*string{"overview": &r.Overview, "items": &r.Items, "people": &r.People,
		"cause": &r.Cause, "secondary_damage": &r.SecondaryDamage, "response": &r.Response,
		"publication": &r.Publication, "prevention": &r.Prevention, "other": &r.Other}[field]
	if p == nil {
		return false
	}
	*p = text
	return true
}

const maxReportItem = 8000

func (r *ReportItems) validate() error {
	f := map[string]string{}
	for _, it := range r.List() {
		text := strings.TrimSpace(it.Text)
		r.Set(it.Field, text)
		// The first three are what even a preliminary report cannot omit.
		checkText(f, it.Field, text, maxReportItem, it.N <= 3)
	}
	return invalid("invalid report", f)
}

// Report is a draft of one report: saved by staff (Version > 0) or drafted
// from the record (Version 0) when nobody has saved one yet.
type Report struct {
	IncidentID int64
	Kind       ReportKind
	Version    int
	Items      ReportItems
	SavedBy    string
	SavedAt    time.Time
}

// Sources are what a draft needs from outside the incident record;
// cmd/kaede wires them. Either may be nil.
type Sources struct {
	// Counts returns the affected orders and people of the incident's
	// latest saved scope; ok is false when no scope is saved yet.
	Counts func(ctx context.Context, incidentID int64) (orders, people int, ok bool, err error)
	// ShopName is the shop's name as the reports and letters give it.
	ShopName func(ctx context.Context) (string, error)
}

// Report returns the newest saved draft of kind for the incident, or a
// draft made from the record when none is saved.
func (s *Service) Report(ctx context.Context, id int64, kind ReportKind) (Report, error) {
	if !kind.Valid() {
		return Report{}, invalid("invalid report", map[string]string{"kind": shop.ReasonChoice})
	}
	inc, err := s.Get(ctx, id)
	if err != nil {
		return Report{}, err
	}
	r := Report{IncidentID: id, Kind: kind}
	var items string
	err = s.db.QueryRowContext(ctx, `
		SELECT version, items, saved_by, saved_at FROM incident_reports
		WHERE incident_id = $1 AND kind = $2 ORDER BY version DESC LIMIT 1`, id, string(kind)).
		Scan(&r.Version, &items, &r.SavedBy, &r.SavedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		r.Items, err = s.Draft(ctx, inc, kind)
		return r, err
	case err != nil:
		return Report{}, fmt.Errorf("incident: report %d %s: %w", id, kind, err)
	}
	r.SavedAt = r.SavedAt.UTC()
	if err := json.Unmarshal([]byte(items), &r.Items); err != nil {
		return Report{}, fmt.Errorf("incident: report %d %s v%d: %w", id, kind, r.Version, err)
	}
	return r, nil
}

// SaveReport stores items as the newest version of the draft, audited.
func (s *Service) SaveReport(ctx context.Context, id int64, kind ReportKind, items ReportItems, by audit.Actor) (Report, error) {
	if !kind.Valid() {
		return Report{}, invalid("invalid report", map[string]string{"kind": shop.ReasonChoice})
	}
	if err := items.validate(); err != nil {
		return Report{}, err
	}
	body, err := json.Marshal(items)
	if err != nil {
		return Report{}, err
	}
	now := s.clock().UTC()
	r := Report{IncidentID: id, Kind: kind, Items: items, SavedBy: by.Name, SavedAt: now}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		inc, err := getTx(ctx, tx, s.db, id)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM incident_reports WHERE incident_id = $1 AND kind = $2`,
			id, string(kind)).Scan(&r.Version); err != nil {
			return fmt.Errorf("incident: report version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO incident_reports (incident_id, kind, version, items, saved_by, saved_at)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			id, string(kind), r.Version, string(body), by.Name, now); err != nil {
			return fmt.Errorf("incident: save report: %w", err)
		}
		return audit.Record(ctx, tx, now, by, "incident.report", inc.Ref(), nil,
			map[string]any{"kind": kind, "version": r.Version})
	})
	if err != nil {
		return Report{}, err
	}
	return r, nil
}

// Draft fills the nine items from what the record holds: the facts, the
// timeline, the saved scope's counts. What the record does not know yet is
// said to be under investigation, never guessed; a person edits the draft
// before it is filed.
func (s *Service) Draft(ctx context.Context, inc Incident, kind ReportKind) (ReportItems, error) {
	events, err := s.Timeline(ctx, inc.ID)
	if err != nil {
		return ReportItems{}, err
	}
	shopName := "当社オンラインストア"
	if s.Sources.ShopName != nil {
		if name, err := s.Sources.ShopName(ctx); err != nil {
			return ReportItems{}, err
		} else if name != "" {
			shopName = "当社が運営するオンラインストア「" + name + "」"
		}
	}
	byKind := map[EventKind][]Event{}
	for _, e := range events {
		byKind[e.Kind] = append(byKind[e.Kind], e)
	}
	var it ReportItems

	var ov strings.Builder
	fmt.Fprintf(&ov, "%s、%sにおいて、%s（%s）。", jaDateTime(inc.DiscoveredAt), shopName, inc.Title, categoryJA(inc.Category))
	if inc.Noticed != "" {
		fmt.Fprintf(&ov, "\n発覚の経緯：%s", inc.Noticed)
	}
	ov.WriteString("\n\n経過：")
	for _, e := range events {
		fmt.Fprintf(&ov, "\n・%s　%s", jaDateTime(e.OccurredAt), eventJA(e))
	}
	it.Overview = ov.String()

	switch inc.Category {
	case CardData:
		it.Items = "クレジットカード情報（カード名義人名、カード番号、有効期限、セキュリティコード）の入力内容、並びに氏名、メールアドレス等の注文情報。" +
			"なお、当社のサーバーはカード番号、有効期限及びセキュリティコードを受け取らず保存しない構成であり、決済画面の改ざんにより入力時に取得された可能性があるものとして報告する（調査中）。"
	case Tampering:
		it.Items = "改ざんされたページで入力された情報（調査中）。"
	default:
		it.Items = "調査中。"
	}

	it.People = "調査中。"
	if s.Sources.Counts != nil {
		orders, people, ok, err := s.Sources.Counts(ctx, inc.ID)
		if err != nil {
			return ReportItems{}, err
		}
		if ok {
			it.People = fmt.Sprintf("%d名（対象となるご注文%d件）。", people, orders)
			if kind == Preliminary {
				it.People += "調査の進展により変わる可能性がある。"
			}
		}
	}

	it.Cause = "第三者による不正アクセスの可能性があり、調査中。"
	if !inc.Unauthorised {
		it.Cause = "調査中。"
	}
	if fs := byKind[EventFinding]; len(fs) > 0 {
		var b strings.Builder
		for _, e := range fs {
			fmt.Fprintf(&b, "%s　%s\n", jaDate(e.OccurredAt), e.Text)
		}
		it.Cause = strings.TrimSpace(b.String())
	}
	if is := byKind[EventInvestigators]; len(is) > 0 {
		it.Cause += fmt.Sprintf("\n%s、外部の調査機関に調査を依頼した。", jaDate(is[0].OccurredAt))
	}

	if inc.Category == CardData {
		it.SecondaryDamage = "クレジットカードの不正利用のおそれがある。現時点での不正利用の有無はカード会社と確認中。"
	} else {
		it.SecondaryDamage = "調査中。"
	}

	it.Response = "対象となるお客様に、電子メール及び書面で個別に通知する予定。専用のお問い合わせ窓口を設置する。"
	if ns := byKind[EventNotification]; len(ns) > 0 {
		var b strings.Builder
		for _, e := range ns {
			fmt.Fprintf(&b, "%s　%s\n", jaDate(e.OccurredAt), firstNonEmpty(e.Text, "対象となるお客様に個別に通知した。"))
		}
		it.Response = strings.TrimSpace(b.String())
	}

	it.Publication = "当社ウェブサイトで公表する予定。"
	if ps := byKind[EventPublicNotice]; len(ps) > 0 {
		it.Publication = fmt.Sprintf("%s、当社ウェブサイトに「お詫びとお知らせ」を掲載した。", jaDate(ps[0].OccurredAt))
	}

	var prev strings.Builder
	if cs := byKind[EventCardStopped]; len(cs) > 0 {
		fmt.Fprintf(&prev, "%s、クレジットカード決済を停止した。\n", jaDate(cs[0].OccurredAt))
	}
	prev.WriteString("カード情報を当社サーバーで受け取らない決済方式（決済代行会社の画面での入力及び3-Dセキュア）を継続し、" +
		"決済画面のスクリプト一覧の管理と改ざん検知（顧客が受け取る画面の定期的な比較と担当者への通知）、管理画面の二要素認証及び操作記録の改ざん検知を行っている。" +
		"調査結果を踏まえた追加の措置を講じる。")
	it.Prevention = prev.String()

	var other strings.Builder
	for _, e := range byKind[EventPolice] {
		fmt.Fprintf(&other, "%s、警察に相談・届出を行った。%s\n", jaDate(e.OccurredAt), e.Text)
	}
	for _, e := range byKind[EventAcquirer] {
		fmt.Fprintf(&other, "%s、カード会社（アクワイアラ）に報告した。\n", jaDate(e.OccurredAt))
	}
	if other.Len() == 0 {
		other.WriteString("特になし。")
	}
	it.Other = strings.TrimSpace(other.String())
	return it, nil
}

func categoryJA(c Category) string {
	switch c {
	case CardData:
		return "クレジットカード情報の漏えいのおそれ"
	case PersonalData:
		return "個人情報の漏えいのおそれ"
	case Tampering:
		return "ウェブページの改ざん"
	case UnauthorisedAccess:
		return "不正アクセス"
	}
	return "その他"
}

// EventLabelJA names a timeline kind in Japanese, for pages and paper.
func EventLabelJA(k EventKind) string {
	switch k {
	case EventDetected:
		return "発覚"
	case EventCardStopped:
		return "カード決済を停止"
	case EventCardResumed:
		return "カード決済を再開"
	case EventInvestigators:
		return "調査機関に調査を依頼"
	case EventFinding:
		return "調査結果"
	case EventPolice:
		return "警察へ相談・届出"
	case EventAcquirer:
		return "アクワイアラへインシデント報告"
	case EventCardList:
		return "アクワイアラへカード取引一覧を提出"
	case EventPPCPrelim:
		return "個人情報保護委員会へ速報"
	case EventPPCFinal:
		return "個人情報保護委員会へ確報"
	case EventVulnScan:
		return "脆弱性診断"
	case EventPublicNotice:
		return "お詫びとお知らせを公表"
	case EventNotification:
		return "お客様へ通知"
	case EventReopened:
		return "営業再開"
	case EventClosed:
		return "対応終了"
	case EventNote:
		return "メモ"
	}
	return string(k)
}

func eventJA(e Event) string {
	if e.Text == "" || e.Kind == EventDetected {
		return EventLabelJA(e.Kind)
	}
	return EventLabelJA(e.Kind) + "：" + e.Text
}

func firstNonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

var weekdaysJA = [...]string{"日", "月", "火", "水", "木", "金", "土"}

// jaDate is a date as Japanese paperwork writes it: 2026年5月1日（金）.
func jaDate(t time.Time) string {
	t = t.In(shop.JST)
	return fmt.Sprintf("%d年%d月%d日（%s）", t.Year(), t.Month(), t.Day(), weekdaysJA[t.Weekday()])
}

func jaDateTime(t time.Time) string {
	t = t.In(shop.JST)
	return fmt.Sprintf("%s %02d:%02d", jaDate(t), t.Hour(), t.Minute())
}

// ReportPDF writes the draft as a printable PDF: the facts a filer needs
// beside the PPC's online form, then the nine items.
func (s *Service) ReportPDF(ctx context.Context, id int64, kind ReportKind, w io.Writer) error {
	r, err := s.Report(ctx, id, kind)
	if err != nil {
		return err
	}
	inc, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	ds, err := s.Deadlines(ctx, inc)
	if err != nil {
		return err
	}
	// The document's date is the draft's, so the same draft prints the
	// same bytes.
	created := r.SavedAt
	if created.IsZero() {
		created = inc.OpenedAt
	}
	doc := pdfdoc.New(pdfdoc.Options{Title: "個人情報保護委員会への報告（" + kind.LabelJA() + "）", Created: created})
	doc.Text(pdfdoc.TextBlock{Text: "個人情報保護委員会への報告（" + kind.LabelJA() + "）　下書き", Size: 15})
	doc.Gap(2)
	status := "未保存の下書き（記録から作成）"
	if r.Version > 0 {
		status = fmt.Sprintf("第%d版　%s　%s", r.Version, jaDateTime(r.SavedAt), r.SavedBy)
	}
	doc.Text(pdfdoc.TextBlock{Text: fmt.Sprintf("事案：%s（インシデント%d）\n発覚（知った時点）：%s\n%s", inc.Title, inc.ID, jaDateTime(inc.DiscoveredAt), status), Size: 9})
	for _, d := range ds {
		if d.Code == kind.Code() {
			due := "提出期限：" + jaDate(d.Due)
			if !d.LateAfter.IsZero() {
				due += "（遅くとも" + jaDate(d.LateAfter) + "）"
			}
			if !d.Filed.IsZero() {
				due += "　提出済み：" + jaDate(d.Filed)
			}
			doc.Text(pdfdoc.TextBlock{Text: due, Size: 9})
		}
	}
	doc.Gap(4)
	for _, item := range r.Items.List() {
		doc.Text(pdfdoc.TextBlock{Text: fmt.Sprintf("%d. %s", item.N, item.HeadingJA), Size: 11})
		doc.Gap(1)
		doc.Text(pdfdoc.TextBlock{Text: firstNonEmpty(item.Text, "（未記入）"), X: pdfdoc.MarginLeft + 4})
		doc.Gap(3)
	}
	_, err = doc.WriteTo(w)
	return err
}
