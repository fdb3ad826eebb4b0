package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"kaede/internal/inquiry"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// contactRoutes is the route table of the contact form (お問い合わせ).
// Anyone may send it; the inquiry desk limits how often per client
// address and per e-mail address, and caps its acknowledgement e-mails.
// The pages hold a CSRF token and what the visitor typed, so they are
// private. Without an inquiry desk there is no form (404).
func (s *Server) contactRoutes(mux *http.ServeMux) {
	if s.inquiries == nil {
		return
	}
	mux.Handle("GET /contact", s.private(s.contactPage))
	mux.Handle("POST /contact", s.private(s.contactSubmit))
	mux.Handle("GET /contact/sent", s.private(s.contactSentPage))
}

// contactView is the contact page's data.
type contactView struct {
	Values url.Values
	Topics []ui.Choice
	// IncidentID is the incident the form is about (the notice's link),
	// sent back in a hidden field; 0 for none.
	IncidentID int64
	// TooMany says the desk refused the form as one too many.
	TooMany bool
}

// contactIncident reads the incident a form is about: ?incident= on the
// page, the hidden field of the form. An id that names no incident the
// public may see, or a store without incidents, is none: a stale link
// still opens the form, without the topic.
func (s *Server) contactIncident(ctx context.Context, raw, lang string) (int64, string, error) {
	if raw == "" || s.incidentTitle == nil {
		return 0, "", nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, "", nil
	}
	title, err := s.incidentTitle(ctx, id, lang)
	if shop.ErrorCode(err) == shop.NotFound {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	return id, title, nil
}

// newContactView builds the form over values, with the topics in lang: the
// incident's, named by its title, only when the form is about one, and
// then chosen unless the visitor chose another.
func (s *Server) newContactView(r *http.Request, values url.Values, incident string) (contactView, error) {
	lang := info(r).Lang
	id, title, err := s.contactIncident(r.Context(), incident, lang)
	if err != nil {
		return contactView{}, err
	}
	chosen := values.Get("topic")
	if chosen == "" && id != 0 {
		chosen = string(inquiry.TopicIncident)
	}
	v := contactView{Values: values, IncidentID: id}
	for _, t := range inquiry.Topics {
		label := t.Label(lang)
		if t == inquiry.TopicIncident {
			if id == 0 {
				continue
			}
			label = title
		}
		v.Topics = append(v.Topics, ui.Choice{Value: string(t), Label: label, Selected: string(t) == chosen})
	}
	return v, nil
}

// contactPage is the form, filled in with a logged-in customer's name,
// e-mail address and phone number.
func (s *Server) contactPage(w http.ResponseWriter, r *http.Request) {
	values := url.Values{}
	m, err := s.currentMember(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if m != nil {
		values.Set("name", m.Name)
		values.Set("email", m.Email)
		values.Set("phone", m.Phone)
	}
	view, err := s.newContactView(r, values, r.URL.Query().Get("incident"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "contact", view)
}

// contactSubmit hands the form to the inquiry desk and shows the ticket
// number. Bad fields are named on the form (422); a form past the limits
// is shown again with a sentence suggesting the phone (429), what was
// typed kept.
func (s *Server) contactSubmit(w http.ResponseWriter, r *http.Request) {
	f := s.form(w, r)
	view, err := s.newContactView(r, f.Values(), f.String("incident"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := f.Err(); err != nil {
		s.renderForm(w, r, "contact", view, err)
		return
	}
	in := info(r)
	rec, err := s.inquiries.Submit(r.Context(), inquiry.Submission{
		Name: f.String("name"), Email: f.String("email"), Phone: f.String("phone"),
		Topic: f.String("topic"), Subject: f.String("subject"), Message: f.Raw("message"),
		OrderNumber: f.String("order_number"), IncidentID: view.IncidentID,
		Locale: in.Lang, MemberID: CurrentSession(r).MemberID, ClientAddr: in.IP,
	})
	switch shop.ErrorCode(err) {
	case shop.Invalid:
		s.renderForm(w, r, "contact", view, err)
		return
	case shop.TooMany:
		s.log.Warn("contact form refused: too many", "request_id", in.ID, "ip", in.IP)
		view.TooMany = true
		s.render(w, r, http.StatusTooManyRequests, "contact", view)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.log.Info("inquiry received", "request_id", in.ID, "inquiry", rec.Number,
		"acknowledged", rec.Acknowledged, "duplicate", rec.Duplicate)
	q := url.Values{"number": {rec.Number}}
	if rec.Acknowledged {
		q.Set("ack", "1")
	}
	if rec.Duplicate {
		q.Set("again", "1")
	}
	http.Redirect(w, r, "/contact/sent?"+q.Encode(), http.StatusSeeOther)
}

// contactSentView is the confirmation's data.
type contactSentView struct {
	Number string
	Mailed bool // an acknowledgement e-mail was sent
	Again  bool // the form had been sent already
}

// contactSentPage confirms a form: the ticket number, and whether an
// e-mail was sent. It shows only what its own URL says, so it tells a
// stranger nothing.
func (s *Server) contactSentPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, ok := inquiry.ParseNumber(q.Get("number"))
	if !ok {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no such inquiry"))
		return
	}
	s.render(w, r, http.StatusOK, "contact_sent", contactSentView{Number: inquiry.Number(id),
		Mailed: q.Get("ack") == "1", Again: q.Get("again") == "1"})
}
