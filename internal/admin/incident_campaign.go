package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kaede/internal/edge"
	"kaede/internal/incident"
	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/ui"
)

// incidentCampaignRoutes are the routes of an incident's notification
// campaign (issue 10, item 4): preparing it from the saved scope, the
// notice's text and facts, the preview for a real customer, the test to
// oneself, sending, the progress and the letters. Reading needs the
// security permission; changing needs SecurityManage; sending to
// customers and downloading everyone's names and addresses also need a
// fresh second factor. Without the campaigns service there are no routes.
func (s *Server) incidentCampaignRoutes(mux *http.ServeMux) {
	if s.campaigns == nil {
		return
	}
	base := Prefix + "incidents/{id}/campaign"
	mux.Handle("GET "+base, s.can(staff.SecurityRead, s.campaignPage))
	mux.Handle("POST "+base, s.can(staff.SecurityManage, s.campaignPrepareAction))
	mux.Handle("POST "+base+"/template", s.can(staff.SecurityManage, s.campaignTemplateAction))
	mux.Handle("GET "+base+"/preview", s.can(staff.SecurityRead, s.campaignPreviewPage))
	mux.Handle("POST "+base+"/test", s.can(staff.SecurityManage, s.campaignTestAction))
	mux.Handle("POST "+base+"/send", s.fresh(staff.SecurityManage, s.campaignSendAction))
	mux.Handle("GET "+base+"/progress", s.can(staff.SecurityRead, s.campaignProgressPage))
	mux.Handle("POST "+base+"/recipients/{rid}/letter", s.can(staff.SecurityManage, s.campaignLetterAction))
	mux.Handle("GET "+base+"/letters.pdf", s.fresh(staff.SecurityManage, s.campaignLettersDownload))
	mux.Handle("GET "+base+"/labels.csv", s.fresh(staff.SecurityManage, s.campaignLabelsDownload))
}

// campaignURL is a page of incident id's campaign: "", "/preview", …
func campaignURL(id int64, page string) string {
	return Prefix + "incidents/" + strconv.FormatInt(id, 10) + "/campaign" + page
}

// letterPartSize is how many letters one part of a large campaign holds,
// offered beside the whole run: an office printer's day.
const letterPartSize = 2000

// campaignView is the campaign page's data.
type campaignView struct {
	Incident  incident.Incident
	Campaign  *incident.Campaign // nil before it is prepared
	Progress  incident.Progress
	Done      string // the confirmation of the last action, already worded
	CanManage bool
	Fresh     bool // the second factor is fresh enough to send and download

	Subject, Body string
	Facts         []factField
	Placeholders  []string
	OrderFields   []string
	Parts         []letterPart
}

// factField is one fact's input.
type factField struct {
	Name, Label, Value string
	Rows               int // 1: a one-line input
}

// letterPart is one download link of the letters.
type letterPart struct {
	Offset, Limit, From, To int
}

// campaignDone are the confirmations ?done= may ask for, worded from the
// numbers in the query (which cannot inject text: they are parsed).
func campaignDone(lang string, r *http.Request, email string) string {
	q := r.URL.Query()
	n := func(k string) int { v, _ := strconv.Atoi(q.Get(k)); return v }
	switch q.Get("done") {
	case "saved":
		return ui.Admin.T(lang, "campaign.saved", n("rev"))
	case "tested":
		return ui.Admin.T(lang, "campaign.test.done", email)
	case "sent":
		return ui.Admin.T(lang, "campaign.send.done", n("queued"), n("skipped"), n("failed"))
	case "started":
		return ui.Admin.T(lang, "campaign.send.started", n("pending"))
	case "nothing":
		return ui.Admin.T(lang, "campaign.send.nothing")
	case "prepared":
		return ui.Admin.T(lang, "campaign.recipients.n", n("total"))
	}
	return ""
}

// loadCampaignView reads the incident, its campaign if any, and the
// progress.
func (s *Server) loadCampaignView(r *http.Request, id int64) (campaignView, error) {
	ctx := r.Context()
	in := info(r)
	v := campaignView{CanManage: in.staff.Role.Can(staff.SecurityManage), Fresh: in.session.FreshSecondFactor(s.now()),
		Placeholders: incident.Placeholders, OrderFields: incident.OrderPlaceholders}
	var err error
	if v.Incident, err = s.campaigns.Incident(ctx, id); err != nil {
		return v, err
	}
	camp, err := s.campaigns.Get(ctx, id)
	if shop.ErrorCode(err) == shop.NotFound {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.Campaign = &camp
	if v.Progress, err = s.campaigns.Progress(ctx, id); err != nil {
		return v, err
	}
	v.Subject, v.Body = camp.Subject, camp.Body
	v.Facts = factFields(in.Lang, camp.Facts)
	if v.Progress.Letters > letterPartSize {
		for off := 0; off < v.Progress.Letters; off += letterPartSize {
			v.Parts = append(v.Parts, letterPart{Offset: off, Limit: letterPartSize, From: off + 1, To: min(off+letterPartSize, v.Progress.Letters)})
		}
	}
	return v, nil
}

func factFields(lang string, f incident.Facts) []factField {
	out := make([]factField, len(incident.FactFields))
	for i, name := range incident.FactFields {
		rows := 4
		if strings.HasPrefix(name, "desk_") || name == "title" {
			rows = 1
		}
		out[i] = factField{Name: name, Label: ui.Admin.T(lang, "campaign.fact."+name), Value: *f.Field(name), Rows: rows}
	}
	return out
}

// campaignPage shows the campaign: its recipients and progress, the
// actions, and the notice's text and facts for editing.
func (s *Server) campaignPage(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v, err := s.loadCampaignView(r, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Done = campaignDone(info(r).Lang, r, info(r).staff.Email)
	s.render(w, r, http.StatusOK, "incident_campaign", v)
}

// campaignPrepareAction creates the campaign from the latest saved scope,
// or brings its recipients up to date with it.
func (s *Server) campaignPrepareAction(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	_, res, err := s.campaigns.Prepare(r.Context(), id, s.actor(r).Actor)
	if err != nil {
		s.campaignRefusal(w, r, id, err, nil)
		return
	}
	http.Redirect(w, r, campaignURL(id, "")+"?done=prepared&total="+strconv.Itoa(res.Total), http.StatusSeeOther)
}

// campaignTemplateAction saves the subject, the body and the facts.
func (s *Server) campaignTemplateAction(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	in := incident.TemplateInput{Subject: f.Raw("subject"), Body: f.Raw("body")}
	for _, name := range incident.FactFields {
		*in.Facts.Field(name) = f.Raw(name)
	}
	camp, err := s.campaigns.SaveTemplate(r.Context(), id, in, s.actor(r).Actor)
	if err != nil {
		s.campaignRefusal(w, r, id, err, &in)
		return
	}
	http.Redirect(w, r, campaignURL(id, "")+"?done=saved&rev="+strconv.Itoa(camp.Revision), http.StatusSeeOther)
}

// campaignRefusal shows the campaign page again after an action was
// refused: bad input (422) with a sentence per field and the submitted
// text kept; a clash with the campaign's state (409) with its sentence.
// Anything else gets the error page.
func (s *Server) campaignRefusal(w http.ResponseWriter, r *http.Request, id int64, err error, in *incident.TemplateInput) {
	code := shop.ErrorCode(err)
	if code != shop.Invalid && code != shop.Conflict {
		s.renderError(w, r, err)
		return
	}
	v, lerr := s.loadCampaignView(r, id)
	if lerr != nil {
		s.renderError(w, r, lerr)
		return
	}
	p := s.newPage(w, r, nil)
	if in != nil {
		v.Subject, v.Body = in.Subject, in.Body
		v.Facts = factFields(p.Lang, in.Facts)
	}
	p.Data = v
	p.Errors = campaignFieldMessages(p.Lang, err)
	switch {
	case errors.Is(err, incident.ErrNotTested):
		p.Errors["_form"] = ui.Admin.T(p.Lang, "campaign.send.untested")
	case code == shop.Invalid:
		p.Errors["_form"] = ui.Admin.T(p.Lang, "error.invalid")
	default:
		p.Errors["_form"] = ui.Admin.T(p.Lang, "error.conflict") + " (" + shop.ErrorMessage(err) + ")"
	}
	s.writePage(w, r, edge.Status(err), "incident_campaign", p)
}

// campaignFieldMessages words each bad field of err: the template's
// unknown placeholders and syntax errors with what is wrong, the facts by
// their labels.
func campaignFieldMessages(lang string, err error) map[string]string {
	out := map[string]string{}
	var te *incident.TemplateError
	problems := map[string]incident.TemplateProblem{}
	if errors.As(err, &te) {
		problems = te.Problems
	}
	for field, reason := range shop.ErrorFields(err) {
		label := campaignFieldLabel(lang, field)
		detail := problems[field].Detail
		switch {
		case reason == incident.ReasonPlaceholder:
			out[field] = ui.Admin.T(lang, "campaign.reason.placeholder", label, detail)
		case reason == shop.ReasonFormat && detail != "":
			out[field] = ui.Admin.T(lang, "campaign.reason.syntax", label, detail)
		case reason == incident.ReasonCardNumber:
			out[field] = ui.Admin.T(lang, "campaign.reason.card_number", label)
		case field == "letter":
			out[field] = ui.Admin.T(lang, "campaign.reason.letter")
		default:
			key := "reason." + reason
			if !ui.Admin.Has(key) {
				key = "reason.other"
			}
			out[field] = ui.Admin.T(lang, key, label)
		}
	}
	return out
}

func campaignFieldLabel(lang, field string) string {
	if name, ok := strings.CutPrefix(field, "facts."); ok && ui.Admin.Has("campaign.fact."+name) {
		return ui.Admin.T(lang, "campaign.fact."+name)
	}
	if ui.Admin.Has("campaign.field." + field) {
		return ui.Admin.T(lang, "campaign.field."+field)
	}
	return ui.Admin.T(lang, "field.value")
}

// previewView is the preview page's data.
type previewView struct {
	Incident  incident.Incident
	Campaign  incident.Campaign
	Rendered  incident.Rendered
	Position  int // 1-based, among the recipients in order
	Total     int
	PrevURL   string
	NextURL   string
	CanManage bool
	Email     string // where a test goes: the member of staff's address
}

// campaignPreviewPage renders the notice for a real recipient, chosen by
// their position in the list (?n=), as it will be sent.
func (s *Server) campaignPreviewPage(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	pos := newForm(r).Page("n")
	v, err := s.loadPreview(r.Context(), id, pos)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	in := info(r)
	v.CanManage, v.Email = in.staff.Role.Can(staff.SecurityManage), in.staff.Email
	s.render(w, r, http.StatusOK, "incident_campaign_preview", v)
}

func (s *Server) loadPreview(ctx context.Context, id int64, pos int) (previewView, error) {
	var v previewView
	var err error
	if v.Incident, err = s.campaigns.Incident(ctx, id); err != nil {
		return v, err
	}
	if v.Campaign, err = s.campaigns.Get(ctx, id); err != nil {
		return v, err
	}
	list, total, err := s.campaigns.Recipients(ctx, id, incident.RecipientFilter{Limit: 1, Offset: pos - 1})
	if err != nil {
		return v, err
	}
	if len(list) == 0 {
		return v, shop.Errorf(shop.NotFound, "no recipient %d in this campaign", pos)
	}
	if v.Rendered, err = s.campaigns.Preview(ctx, id, list[0].ID); err != nil {
		return v, err
	}
	v.Position, v.Total = pos, total
	if pos > 1 {
		v.PrevURL = campaignURL(id, "/preview") + "?n=" + strconv.Itoa(pos-1)
	}
	if pos < total {
		v.NextURL = campaignURL(id, "/preview") + "?n=" + strconv.Itoa(pos+1)
	}
	return v, nil
}

// campaignTestAction sends the notice of the recipient being previewed to
// the member of staff's own address, marked as a test.
func (s *Server) campaignTestAction(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	rid := f.Int64("recipient")
	if err := f.Err(); err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.campaigns.TestSend(r.Context(), id, rid, info(r).staff.Email, s.actor(r).Actor); err != nil {
		s.campaignRefusal(w, r, id, err, nil)
		return
	}
	http.Redirect(w, r, campaignURL(id, "")+"?done=tested", http.StatusSeeOther)
}

// campaignSendAction writes the notice to every recipient not yet written
// to, after a test of the current text: through a queue job on the
// server (the progress page follows it), at once where there is no job
// runner. Either way a run cut short is finished by the next one, and
// nobody gets two.
func (s *Server) campaignSendAction(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	if !f.Bool("confirm") {
		f.Fail("confirm", shop.ReasonRequired)
	}
	if err := f.Err(); err != nil {
		s.campaignRefusal(w, r, id, err, nil)
		return
	}
	st, err := s.campaigns.SendLater(context.WithoutCancel(r.Context()), id, s.actor(r).Actor)
	if err != nil {
		s.campaignRefusal(w, r, id, err, nil)
		return
	}
	var q url.Values
	switch res := st.Result; {
	case st.Background:
		q = url.Values{"done": {"started"}, "pending": {strconv.Itoa(st.Pending)}}
	case st.Pending == 0:
		q = url.Values{"done": {"nothing"}}
	default:
		q = url.Values{"done": {"sent"}, "queued": {strconv.Itoa(res.Queued)}, "skipped": {strconv.Itoa(res.Skipped)}, "failed": {strconv.Itoa(res.Failed)}}
	}
	http.Redirect(w, r, campaignURL(id, "/progress")+"?"+q.Encode(), http.StatusSeeOther)
}

// progressView is the progress page's data.
type progressView struct {
	Incident   incident.Incident
	Campaign   incident.Campaign
	Progress   incident.Progress
	Refresh    bool // sending and not done: the page reloads itself
	Done       string
	State      string
	States     []incident.EmailState
	Recipients []recipientRow
	Pager      edge.Pager
	CanManage  bool
}

// recipientRow is one line of the progress table.
type recipientRow struct {
	incident.Recipient
	Address string
	Orders  string
}

const progressPageSize = 50

// campaignProgressPage shows the counts by e-mail state with a progress
// bar, and the recipients one page at a time, filtered by state. While
// the e-mails are being delivered the page refreshes itself with a meta
// refresh: no script.
func (s *Server) campaignProgressPage(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	page := f.Page("page")
	state := incident.EmailState(f.String("state"))
	ctx := r.Context()
	v := progressView{State: string(state), States: incident.EmailStates,
		CanManage: info(r).staff.Role.Can(staff.SecurityManage)}
	if v.Incident, err = s.campaigns.Incident(ctx, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	if v.Campaign, err = s.campaigns.Get(ctx, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	if v.Progress, err = s.campaigns.Progress(ctx, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	list, total, err := s.campaigns.Recipients(ctx, id, incident.RecipientFilter{State: state, Limit: progressPageSize, Offset: (page - 1) * progressPageSize})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, rc := range list {
		pc := rc.PostalCode
		if len(pc) == 7 && strings.Trim(pc, "0123456789") == "" {
			pc = pc[:3] + "-" + pc[3:]
		}
		row := recipientRow{Recipient: rc, Address: strings.TrimSpace("〒" + pc + " " + rc.Prefecture + rc.City + rc.Line1 + " " + rc.Line2)}
		var orders []string
		for _, o := range rc.Orders {
			orders = append(orders, o.Number)
		}
		row.Orders = strings.Join(orders, ", ")
		v.Recipients = append(v.Recipients, row)
	}
	v.Pager = edge.NewPager(r.URL.Path, r.URL.Query(), page, progressPageSize, total)
	// Refreshing while the e-mails are written and delivered; also just
	// after the send was asked for, before its job has written the first.
	v.Refresh = !v.Progress.Done() && (v.Campaign.Frozen() || r.URL.Query().Get("done") == "started")
	v.Done = campaignDone(info(r).Lang, r, info(r).staff.Email)
	s.render(w, r, http.StatusOK, "incident_campaign_progress", v)
}

// campaignLetterAction says whether one recipient gets a letter.
func (s *Server) campaignLetterAction(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	rid, err := strconv.ParseInt(r.PathValue("rid"), 10, 64)
	if err != nil {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no such recipient"))
		return
	}
	f := newForm(r)
	if err := s.campaigns.SetLetter(r.Context(), id, rid, f.Bool("letter"), s.actor(r).Actor); err != nil {
		s.renderError(w, r, err)
		return
	}
	back := campaignURL(id, "/progress")
	if q := f.String("back"); q != "" {
		// Only the list's own filters come back: the query is rebuilt.
		if v, err := url.ParseQuery(q); err == nil {
			keep := url.Values{}
			for _, k := range []string{"state", "page"} {
				if x := v.Get(k); x != "" {
					keep.Set(k, x)
				}
			}
			back += "?" + keep.Encode()
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// campaignLettersDownload sends the letters as one PDF (or the part given
// by ?offset=&limit=), built in memory first so that a letter that cannot
// be laid out is an error page, not half a file. Audited by the service.
func (s *Server) campaignLettersDownload(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	part := incident.LetterPart{Offset: f.Int("offset"), Limit: f.Int("limit")}
	if err := f.Err(); err != nil {
		s.renderError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if _, err := s.campaigns.WriteLetters(r.Context(), id, &buf, part, s.actor(r).Actor); err != nil {
		s.renderError(w, r, err)
		return
	}
	name := fmt.Sprintf("letters-incident-%d.pdf", id)
	if part.Offset > 0 || part.Limit > 0 {
		name = fmt.Sprintf("letters-incident-%d-from-%d.pdf", id, part.Offset+1)
	}
	edge.SendAttachment(w, "application/pdf", name, buf.Bytes())
}

// campaignLabelsDownload sends the label list as CSV in the encoding
// asked for (Shift_JIS writes 〓 for what it cannot hold). Audited by the
// service.
func (s *Server) campaignLabelsDownload(w http.ResponseWriter, r *http.Request) {
	id, err := incidentID(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	enc := incident.Encoding(newForm(r).String("encoding"))
	var buf bytes.Buffer
	res, err := s.campaigns.WriteLabels(r.Context(), id, &buf, enc, s.actor(r).Actor)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	charset := "utf-8"
	if enc == incident.ShiftJIS {
		charset = "Shift_JIS"
	}
	h := w.Header()
	if len(res.Replaced) > 0 {
		// As the order export does: the rows with a 〓, for a script or
		// a curious eye; the audit entry lists them too.
		ids := make([]string, len(res.Replaced))
		for i, id := range res.Replaced {
			ids[i] = strconv.FormatInt(id, 10)
		}
		h.Set("X-Kaede-Replaced-Recipients", strings.Join(ids, ","))
	}
	edge.SendAttachment(w, "text/csv; charset="+charset, fmt.Sprintf("labels-incident-%d.csv", id), buf.Bytes())
}
