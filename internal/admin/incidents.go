package admin

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kaede/internal/edge"
	"kaede/internal/form"
	"kaede/internal/incident"
	"kaede/internal/inquiry"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// incidentRoutes are the incident desk's: the list, opening an incident,
// its page (facts, deadlines, timeline, evidence), the printable summary
// and closing it. Groups as in routes.
//
// Reading needs SecurityRead (owners, auditors). Every change needs
// SecurityManage and a fresh second factor, and nothing more: opening an
// incident in a crisis must not wait for anyone. Downloading an evidence
// file also asks for a fresh second factor, as any export of data does: a
// log extract is full of customers' addresses; the download is audited.
func (s *Server) incidentRoutes(mux *http.ServeMux) {
	if s.incidents == nil {
		return
	}
	mux.Handle("GET "+Prefix+"incidents", s.can(staff.SecurityRead, s.incidentListPage))
	mux.Handle("GET "+Prefix+"incidents/new", s.fresh(staff.SecurityManage, s.incidentNewPage))
	mux.Handle("POST "+Prefix+"incidents", s.fresh(staff.SecurityManage, s.incidentOpenAction))
	mux.Handle("GET "+Prefix+"incidents/{id}", s.can(staff.SecurityRead, s.incidentPage))
	mux.Handle("GET "+Prefix+"incidents/{id}/summary.pdf", s.can(staff.SecurityRead, s.incidentSummary))
	mux.Handle("POST "+Prefix+"incidents/{id}/events", s.fresh(staff.SecurityManage, s.incidentRecordAction))
	mux.Handle("POST "+Prefix+"incidents/{id}/evidence", s.fresh(staff.SecurityManage, s.incidentEvidenceAction))
	mux.Handle("GET "+Prefix+"incidents/{id}/evidence/{evidence}", s.fresh(staff.SecurityRead, s.incidentEvidenceFile))
	mux.Handle("POST "+Prefix+"incidents/{id}/close", s.fresh(staff.SecurityManage, s.incidentCloseAction))
}

// incidentSection is a part of the incident desk that has its own pages
// for one incident (the scope of affected customers, the notifications,
// the public notice, the reports, the inquiries, the switches); the
// incident page links to each one that is wired and the role may use.
type incidentSection struct {
	URL   string           // the link; %d is the incident's ID, when the part has one
	Label string           // catalogue key
	Perm  staff.Permission // who sees the link; the part's routes check anyway
	On    func(*Server) bool
}

// incidentSections are the incident page's links to the other parts of
// the desk, in the order of the procedure. Each part adds its line here
// (and its label to the catalogue) when it is wired in.
var incidentSections = []incidentSection{
	{Prefix + "switches", "nav.switches", staff.SecurityRead, func(s *Server) bool { return s.switches != nil }},
	{Prefix + "incidents/%d/notice", "notice.title", staff.SecurityRead, func(s *Server) bool { return s.notices != nil }},
	{Prefix + "incidents/%d/campaign", "campaign.title", staff.SecurityRead, func(s *Server) bool { return s.campaigns != nil }},
	{Prefix + "inquiries?incident=%d", "incident.section.inquiries", staff.InquiriesRead, func(s *Server) bool { return s.inquiries != nil }},
	{Prefix + "incidents/%d/scope", "incident.section.scope", staff.SecurityRead, func(s *Server) bool { return true }},
	{Prefix + "incidents/%d/reimbursements", "incident.section.reimbursements", staff.SecurityRead, func(s *Server) bool { return true }},
	{Prefix + "incidents/%d/reports/preliminary", "incident.section.ppc_preliminary", staff.SecurityRead, func(s *Server) bool { return true }},
	{Prefix + "incidents/%d/reports/final", "incident.section.ppc_final", staff.SecurityRead, func(s *Server) bool { return true }},
	{Prefix + "incidents/%d/reopen", "reopen.title", staff.SecurityRead, func(s *Server) bool { return s.notices != nil && s.reopening != nil }},
	{Prefix + "incidents/%d/summary.pdf", "incident.section.summary", staff.SecurityRead, func(s *Server) bool { return true }},
}

// sectionURL fills the incident's ID into a section's link.
func sectionURL(pattern string, id int64) string {
	if !strings.Contains(pattern, "%d") {
		return pattern
	}
	return fmt.Sprintf(pattern, id)
}

// sectionLink is one entry of the incident page's sections list.
type sectionLink struct {
	URL   string
	Label string // catalogue key
}

// incidentListView is the list's data.
type incidentListView struct {
	Rows      []incidentRow
	CanManage bool
}

// incidentRow is an incident in the list with, while it is open, the next
// report it owes.
type incidentRow struct {
	incident.Incident
	Next *deadlineRow // nil when closed or every report is filed
}

// incidentListPage lists the incidents, the open ones first.
func (s *Server) incidentListPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list, err := s.incidents.List(ctx, "")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	lang := info(r).Lang
	view := incidentListView{CanManage: s.actor(r).Role.Can(staff.SecurityManage)}
	for _, inc := range list {
		row := incidentRow{Incident: inc}
		if inc.State == incident.Open {
			ds, err := s.incidents.Deadlines(ctx, inc)
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			for _, d := range ds {
				if d.Status != incident.Filed {
					next := newDeadlineRow(d, lang, s.now())
					row.Next = &next
					break
				}
			}
		}
		view.Rows = append(view.Rows, row)
	}
	s.render(w, r, http.StatusOK, "incident_list", view)
}

// option is one choice of a select.
type option struct {
	Value string
	Label string
}

// incidentNewView is the form's data.
type incidentNewView struct {
	Categories []option
	Today      string // the date and time fields' defaults, in Japan
	Now        string
}

func (s *Server) newIncidentView(lang string) incidentNewView {
	v := incidentNewView{Today: s.now().In(shop.JST).Format(time.DateOnly), Now: s.now().In(shop.JST).Format("15:04")}
	for _, c := range incident.Categories {
		v.Categories = append(v.Categories, option{string(c), c.Label(lang)})
	}
	return v
}

// incidentNewPage is the form that opens an incident.
func (s *Server) incidentNewPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "incident_new", s.newIncidentView(info(r).Lang))
}

// incidentOpenAction opens an incident; the service audits it and writes
// the first timeline entry (the discovery).
func (s *Server) incidentOpenAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	at, atProblem := formTime(f, "discovered")
	inc, err := s.incidents.Open(r.Context(), incident.OpenInput{
		Title:        f.String("title"),
		Noticed:      f.Raw("noticed"),
		Category:     incident.Category(f.String("category")),
		DiscoveredAt: at,
		Unauthorised: f.Bool("unauthorised"),
	}, s.actor(r).Actor)
	if err != nil {
		s.incidentFormError(w, r, "incident_new", s.newIncidentView(info(r).Lang), withProblem(err, "discovered_at", atProblem), nil, "")
		return
	}
	http.Redirect(w, r, incidentURL(inc.ID)+"?done=opened", http.StatusSeeOther)
}

// incidentView is the incident page's data.
type incidentView struct {
	Incident  incident.Incident
	Deadlines []deadlineRow
	Timeline  []incident.Event
	Evidence  []incident.Evidence
	Sections  []sectionLink
	Kinds     []option
	CanManage bool
	// MaxEvidence is the largest evidence file, in MB, for the form's note.
	MaxEvidence int64
	Today, Now  string // the timeline form's defaults, in Japan
	Done        string // catalogue key of the last action's confirmation
	// Inquiries counts the inquiry desk's tickets about this incident;
	// nil without the desk or the permission to read it.
	Inquiries *inquiry.Counts
}

// deadlineRow is one report of the deadlines panel, its days written out.
type deadlineRow struct {
	incident.DeadlineState
	Label    string
	Status   string // the status's name; the code is .DeadlineState.Status
	DueDay   string // the due date and its weekday, in Japan
	LateDay  string // the day after which filing is late, when it differs from DueDay
	DaysLeft int
	DaysOver int // -DaysLeft, for the sentence of an overdue report
}

func newDeadlineRow(d incident.DeadlineState, lang string, now time.Time) deadlineRow {
	row := deadlineRow{DeadlineState: d, Label: d.Deadline.Label(lang), Status: d.Status.Label(lang),
		DueDay: incident.Day(d.Due, lang), DaysLeft: d.DaysLeft(now), DaysOver: -d.DaysLeft(now)}
	if !d.LateAfter.IsZero() {
		row.LateDay = incident.Day(d.LateAfter, lang)
	}
	return row
}

// incidentDone are the confirmations an incident action may ask for.
var incidentDone = map[string]string{
	"opened": "incident.done.opened", "recorded": "incident.done.recorded",
	"evidence": "incident.done.evidence", "closed": "incident.done.closed",
}

// incidentPage shows one incident: facts, the deadlines panel, the
// timeline (oldest first, so that the newest is next to the form that
// adds one), the evidence and the links to the desk's other parts.
func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view, err := s.incidentPageView(r, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Done = incidentDone[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "incident_detail", view)
}

func (s *Server) incidentPageView(r *http.Request, id int64) (incidentView, error) {
	ctx, lang, now := r.Context(), info(r).Lang, s.now()
	inc, err := s.incidents.Get(ctx, id)
	if err != nil {
		return incidentView{}, err
	}
	role := s.actor(r).Role
	view := incidentView{Incident: inc, CanManage: role.Can(staff.SecurityManage),
		MaxEvidence: s.incidents.MaxEvidence >> 20,
		Today:       now.In(shop.JST).Format(time.DateOnly), Now: now.In(shop.JST).Format("15:04")}
	ds, err := s.incidents.Deadlines(ctx, inc)
	if err != nil {
		return incidentView{}, err
	}
	for _, d := range ds {
		view.Deadlines = append(view.Deadlines, newDeadlineRow(d, lang, now))
	}
	if view.Timeline, err = s.incidents.Timeline(ctx, id); err != nil {
		return incidentView{}, err
	}
	if view.Evidence, err = s.incidents.EvidenceList(ctx, id); err != nil {
		return incidentView{}, err
	}
	for _, k := range incident.EventKinds {
		// A closed incident takes only what may come after (AfterClosure).
		if inc.State != incident.Closed || k.AfterClosure() {
			view.Kinds = append(view.Kinds, option{string(k), k.Label(lang)})
		}
	}
	if s.inquiries != nil && role.Can(staff.InquiriesRead) {
		c, err := s.inquiries.Counts(ctx, id)
		if err != nil {
			return incidentView{}, err
		}
		view.Inquiries = &c
	}
	for _, sec := range incidentSections {
		if sec.On(s) && role.Can(sec.Perm) {
			view.Sections = append(view.Sections, sectionLink{URL: sectionURL(sec.URL, id), Label: sec.Label})
		}
	}
	return view, nil
}

// incidentRecordAction adds an entry to the timeline; recording one of
// the reports' kinds files that report.
func (s *Server) incidentRecordAction(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	at, atProblem := formTime(f, "occurred")
	// Staff record the procedure's kinds only; another kind is sent as
	// none, which the service refuses with the form's other problems.
	kind, kindProblem := incident.EventKind(f.String("kind")), ""
	if kind != "" && !kind.Manual() {
		kind, kindProblem = "", shop.ReasonChoice
	}
	_, err = s.incidents.Record(r.Context(), id, kind, at, f.Raw("text"), s.actor(r).Actor)
	if err != nil {
		err = withProblem(withProblem(err, "occurred_at", atProblem), "kind", kindProblem)
		s.incidentPageError(w, r, id, err, nil, "")
		return
	}
	http.Redirect(w, r, incidentURL(id)+"?done=recorded#timeline", http.StatusSeeOther)
}

// evidenceBodyExtra is room for the evidence form's other fields.
const evidenceBodyExtra = 64 << 10

// incidentEvidenceAction keeps an uploaded file as evidence. The body was
// read within the evidence limit before the CSRF check (evidenceForm);
// the service hashes and stores the file, and never serves it but as a
// download.
func (s *Server) incidentEvidenceAction(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	file, hdr, err := uploadedFile(w, r, "file", s.incidents.MaxEvidence+evidenceBodyExtra)
	if err != nil {
		s.incidentPageError(w, r, id, err, nil, "")
		return
	}
	defer file.Close()
	_, err = s.incidents.AddEvidence(r.Context(), id, hdr.Filename, newForm(r).String("note"), file, s.actor(r).Actor)
	if err != nil {
		// The file's name is the upload's: a bad one is the file's fault.
		s.incidentPageError(w, r, id, err, map[string]string{"name": "file"}, "incident.conflict.evidence")
		return
	}
	http.Redirect(w, r, incidentURL(id)+"?done=evidence#evidence", http.StatusSeeOther)
}

// incidentEvidenceFile hands out one evidence file as a download and
// nothing else: whatever the file holds (a page the attacker changed, a
// script), the browser neither shows nor runs it.
func (s *Server) incidentEvidenceFile(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	eid, err := catalogPathID(r, "evidence")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	ev, body, err := s.incidents.EvidenceFile(r.Context(), id, eid, s.actor(r).Actor)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// The hash taken on upload (RFC 9530), so that the copy can be checked.
	if sum, err := hex.DecodeString(ev.SHA256); err == nil {
		w.Header().Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	}
	edge.SendAttachment(w, "application/octet-stream", ev.Name, body)
}

// incidentSummary is the printable summary, made afresh from the record.
func (s *Server) incidentSummary(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// Made in memory first: a failure is an error page, not half a file.
	var b bytes.Buffer
	if err := s.incidents.SummaryPDF(r.Context(), id, info(r).Lang, &b); err != nil {
		s.renderError(w, r, err)
		return
	}
	edge.SendAttachment(w, "application/pdf", fmt.Sprintf("incident-%d-summary.pdf", id), b.Bytes())
}

// incidentCloseAction ends the handling of an incident.
func (s *Server) incidentCloseAction(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if _, err := s.incidents.Close(r.Context(), id, newForm(r).Raw("closing_text"), s.actor(r).Actor); err != nil {
		s.incidentPageError(w, r, id, err, map[string]string{"text": "closing_text"}, "incident.conflict.closed")
		return
	}
	http.Redirect(w, r, incidentURL(id)+"?done=closed", http.StatusSeeOther)
}

// incidentPageError shows the incident page again after one of its forms
// was refused; rename maps the service's field names to the form's.
func (s *Server) incidentPageError(w http.ResponseWriter, r *http.Request, id int64, err error, rename map[string]string, conflict string) {
	view, verr := s.incidentPageView(r, id)
	if verr != nil {
		s.renderError(w, r, verr)
		return
	}
	s.incidentFormError(w, r, "incident_detail", view, err, rename, conflict)
}

// incidentFormError is renderForm for the incident pages: a field's
// sentence names it by the desk's own label ("incident.field.NAME") or
// says more where the generic one says too little
// ("incident.reason.FIELD.REASON"), and a Conflict (evidence already
// kept, an incident already closed) gets the sentence conflict. Any other
// error gets the error page.
func (s *Server) incidentFormError(w http.ResponseWriter, r *http.Request, page string, data any, err error, rename map[string]string, conflict string) {
	code := shop.ErrorCode(err)
	if code != shop.Invalid && (code != shop.Conflict || conflict == "") {
		s.renderError(w, r, err)
		return
	}
	p := s.newPage(w, r, data)
	p.Errors = map[string]string{}
	for field, reason := range shop.ErrorFields(err) {
		if to, ok := rename[field]; ok {
			field = to
		}
		p.Errors[field] = incidentFieldMessage(p.Lang, field, reason)
	}
	p.Errors["_form"] = ui.Admin.T(p.Lang, errorKey(err))
	if code == shop.Conflict {
		p.Errors["_form"] = ui.Admin.T(p.Lang, conflict)
	}
	s.writePage(w, r, edge.Status(err), page, p)
}

func incidentFieldMessage(lang, field, reason string) string {
	if k := "incident.reason." + field + "." + reason; ui.Admin.Has(k) {
		return ui.Admin.T(lang, k)
	}
	if k := "incident.field." + field; ui.Admin.Has(k) {
		key := "reason." + reason
		if !ui.Admin.Has(key) {
			key = "reason.other"
		}
		return ui.Admin.T(lang, key, ui.Admin.T(lang, k))
	}
	return fieldMessage(lang, field, reason)
}

// formTime reads a date field and a time field (NAME_date, NAME_time) as
// one instant in Japan. Both empty gives the zero time and no problem (the
// service then says the instant is required); otherwise a problem is the
// reason the pair could not be read.
func formTime(f *form.Form, name string) (time.Time, string) {
	date, clock := f.String(name+"_date"), f.String(name+"_time")
	switch {
	case date == "" && clock == "":
		return time.Time{}, ""
	case date == "" || clock == "":
		return time.Time{}, shop.ReasonRequired
	}
	t, err := incident.ParseTime(date + " " + clock)
	if err != nil {
		return time.Time{}, shop.ReasonFormat
	}
	return t, ""
}

// withProblem adds a field the form could not read to the service's
// refusal of the zero value it was given instead, which names the field
// as required: the form's reason is the truer one.
func withProblem(err error, field, reason string) error {
	if reason == "" || shop.ErrorCode(err) != shop.Invalid {
		return err
	}
	fields := map[string]string{field: reason}
	for f, r := range shop.ErrorFields(err) {
		if f != field {
			fields[f] = r
		}
	}
	return &shop.Error{Code: shop.Invalid, Message: "some fields are invalid", Fields: fields}
}

// evidencePath reports whether path is an evidence upload's.
func evidencePath(path string) bool {
	rest, ok := strings.CutPrefix(path, Prefix+"incidents/")
	return ok && strings.HasSuffix(rest, "/evidence") && strings.Count(rest, "/") == 1
}

// evidenceForm reads an evidence upload's multipart body before the CSRF
// check does, with the evidence limit instead of the admin's usual one: a
// log extract or an investigators' report is larger than a product image.
// The limit is enforced as the body is read (http.MaxBytesReader); what
// exceeds the memory part goes to a temporary file, removed after the
// request. Every other request passes untouched.
func (s *Server) evidenceForm(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.incidents == nil || r.Method != http.MethodPost || !evidencePath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		limits := edge.FormLimits{Body: formLimits.Body, Memory: uploadMemory,
			Multipart: s.incidents.MaxEvidence + evidenceBodyExtra}
		err := edge.ParseForm(w, r, limits)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		if err != nil {
			if shop.ErrorFields(err)["body"] == shop.ReasonLength {
				err = shop.Problems{"file": shop.ReasonLength}.Err()
			}
			s.renderError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func incidentURL(id int64) string { return Prefix + "incidents/" + strconv.FormatInt(id, 10) }
