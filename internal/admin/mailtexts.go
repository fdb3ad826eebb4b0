package admin

import (
	"net/http"

	"kaede/internal/mailtext"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// mailTextRoutes are the shop's own wording of its customer e-mails
// (internal/mailtext): everyone who may read the settings sees the list,
// the texts and their preview; changing or resetting one takes the
// permission to change the settings and a fresh second factor, as the
// settings do. Without a texts service there are no routes.
func (s *Server) mailTextRoutes(mux *http.ServeMux) {
	if s.texts == nil {
		return
	}
	mux.Handle("GET "+Prefix+"mail-texts", s.can(staff.SettingsRead, s.mailTextsPage))
	mux.Handle("GET "+Prefix+"mail-texts/{kind}/{locale}", s.can(staff.SettingsRead, s.mailTextPage))
	mux.Handle("POST "+Prefix+"mail-texts/{kind}/{locale}", s.fresh(staff.SettingsWrite, s.mailTextAction))
}

// mailTextRow is one kind in one language on the list.
type mailTextRow struct {
	Kind   mailtext.Kind
	Locale string
	Text   mailtext.Text
}

// mailTextsPage lists every editable e-mail, in each language, and whether
// the shop's own wording or the default goes out.
func (s *Server) mailTextsPage(w http.ResponseWriter, r *http.Request) {
	var rows []mailTextRow
	for _, k := range s.texts.Kinds() {
		for _, l := range k.Locales {
			t, err := s.texts.Get(r.Context(), k.Key, l)
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			rows = append(rows, mailTextRow{Kind: k, Locale: l, Text: t})
		}
	}
	s.render(w, r, http.StatusOK, "mailtexts", rows)
}

// mailTextView is the editor's data: the text shown (saved, or as
// submitted), its preview, and the variables it may use.
type mailTextView struct {
	Kind     mailtext.Kind
	Text     mailtext.Text
	Vars     []string
	Subject  string // the preview, rendered; shown escaped by html/template
	Body     string
	Real     bool // the preview uses the newest order, not the sample
	Draft    bool // the preview is of the submitted text, not yet saved
	CanWrite bool
	Done     string
	// Problems are the check's own words on what is wrong with the text
	// (the field, the line, the variable), shown as they are.
	Problems map[string]string
}

// mailTextPage shows one text in its editor, with the preview of the text
// as saved.
func (s *Server) mailTextPage(w http.ResponseWriter, r *http.Request) {
	t, err := s.texts.Get(r.Context(), r.PathValue("kind"), r.PathValue("locale"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view, err := s.mailTextView(r, t)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	switch d := r.URL.Query().Get("done"); d {
	case "saved", "reset":
		view.Done = d
	}
	s.render(w, r, http.StatusOK, "mailtext_edit", view)
}

func (s *Server) mailTextView(r *http.Request, t mailtext.Text) (mailTextView, error) {
	k, _ := s.texts.Kind(t.Kind)
	view := mailTextView{Kind: k, Text: t, Vars: mailtext.Vars(k), CanWrite: s.actor(r).Role.Can(staff.SettingsWrite)}
	var err error
	view.Subject, view.Body, view.Real, err = s.texts.Preview(r.Context(), t)
	return view, err
}

// mailTextAction previews ("preview"), saves ("save") or resets ("reset")
// one text. The mailtext service checks every variable against the
// e-mail's data and audits the save or reset; a bad text shows the editor
// again naming the field and line (422), with nothing saved.
func (s *Server) mailTextAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	kind, locale := r.PathValue("kind"), r.PathValue("locale")
	t, err := s.texts.Get(r.Context(), kind, locale)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	url := Prefix + "mail-texts/" + kind + "/" + locale
	switch f.Raw("action") {
	case "reset":
		if err := s.texts.Reset(r.Context(), kind, locale, s.actor(r).Actor); err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, url+"?done=reset", http.StatusSeeOther)
		return
	case "save", "preview":
	default:
		s.renderError(w, r, shop.Errorf(shop.Invalid, "unknown action"))
		return
	}
	draft := mailtext.Text{Kind: kind, Locale: locale, Subject: f.Raw("subject"), Body: f.Raw("body"), Custom: t.Custom}
	view, err := s.mailTextView(r, draft)
	view.Draft = true
	if err == nil && f.Raw("action") == "save" {
		if err = s.texts.Save(r.Context(), draft, s.actor(r).Actor); err == nil {
			http.Redirect(w, r, url+"?done=saved", http.StatusSeeOther)
			return
		}
	}
	if err != nil {
		view.Subject, view.Body, view.Problems = "", "", shop.ErrorFields(err)
		s.renderForm(w, r, "mailtext_edit", view, err)
		return
	}
	s.render(w, r, http.StatusOK, "mailtext_edit", view)
}
