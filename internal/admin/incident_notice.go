package admin

import (
	"errors"
	"net/http"
	"net/url"

	"kaede/internal/form"
	"kaede/internal/incident"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// incidentNoticeRoutes are an incident's public notice (お詫びとお知らせ):
// reading it is for those who see the security pages; drafting and saving
// for those who manage them; what reaches the public (publishing,
// withdrawing, an update) needs a second factor given within minutes too.
func (s *Server) incidentNoticeRoutes(mux *http.ServeMux) {
	if s.notices == nil {
		return
	}
	mux.Handle("GET "+Prefix+"incidents/{id}/notice", s.can(staff.SecurityRead, s.noticeAdminPage))
	mux.Handle("POST "+Prefix+"incidents/{id}/notice/draft", s.can(staff.SecurityManage, s.noticeDraftAction))
	mux.Handle("POST "+Prefix+"incidents/{id}/notice", s.can(staff.SecurityManage, s.noticeSaveAction))
	mux.Handle("POST "+Prefix+"incidents/{id}/notice/publish", s.fresh(staff.SecurityManage, s.noticePublishAction))
	mux.Handle("POST "+Prefix+"incidents/{id}/notice/withdraw", s.fresh(staff.SecurityManage, s.noticeWithdrawAction))
	mux.Handle("POST "+Prefix+"incidents/{id}/notice/updates", s.fresh(staff.SecurityManage, s.noticeAppendAction))
}

// noticeAdminView is the notice page's data.
type noticeAdminView struct {
	Incident incident.Incident
	Notice   *incident.Notice // nil before the first draft
	Versions []incident.NoticeVersion
	Sections []incident.Section
	Values   url.Values // the text form, as saved or as sent
	Update   url.Values // the update form, as sent
	Withdraw url.Values // the withdrawal form, as sent
	URL      string     // where the store shows the notice
	Done     string     // catalogue key of the last action's confirmation
}

// noticeDone are the confirmations the notice's actions redirect with.
var noticeDone = map[string]string{
	"drafted": "notice.done.drafted", "saved": "notice.done.saved", "published": "notice.done.published",
	"withdrawn": "notice.done.withdrawn", "appended": "notice.done.appended",
}

// noticeView reads the incident and its notice for the page; a notice
// not drafted yet is no error.
func (s *Server) noticeView(r *http.Request) (noticeAdminView, error) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		return noticeAdminView{}, err
	}
	inc, err := s.notices.Incident(r.Context(), id)
	if err != nil {
		return noticeAdminView{}, err
	}
	v := noticeAdminView{Incident: inc, Sections: incident.Sections, URL: s.storeURL + incident.NoticePath(id),
		Update: url.Values{}, Withdraw: url.Values{}}
	n, err := s.notices.Get(r.Context(), id)
	switch {
	case err == nil:
		v.Notice = &n
		v.Values = noticeValues(n.Latest.NoticeText)
		if v.Versions, err = s.notices.Versions(r.Context(), id); err != nil {
			return noticeAdminView{}, err
		}
	case shop.ErrorCode(err) == shop.NotFound:
		v.Values = url.Values{}
	default:
		return noticeAdminView{}, err
	}
	return v, nil
}

// noticeValues are a text's form fields: notice_title_ja,
// notice_summary_en…
func noticeValues(t incident.NoticeText) url.Values {
	v := url.Values{"notice_title_ja": {t.TitleJa}, "notice_title_en": {t.TitleEn}}
	for _, sec := range incident.Sections {
		v.Set(sec.Field("ja"), t.Ja[sec])
		v.Set(sec.Field("en"), t.En[sec])
	}
	return v
}

// noticeFromForm reads the text form; texts are kept as typed (the
// service trims them), plain text that the store shows escaped.
func noticeFromForm(f *form.Form) incident.NoticeText {
	t := incident.NoticeText{TitleJa: f.String("notice_title_ja"), TitleEn: f.String("notice_title_en"),
		Ja: map[incident.Section]string{}, En: map[incident.Section]string{}}
	for _, sec := range incident.Sections {
		t.Ja[sec], t.En[sec] = f.Raw(sec.Field("ja")), f.Raw(sec.Field("en"))
	}
	return t
}

// noticeAdminPage shows the notice: its state and address, the text form
// (the newest version), the publish and withdraw buttons, the updates and
// the form for the next, and every version saved.
func (s *Server) noticeAdminPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.noticeView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Done = noticeDone[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "incident_notice", v)
}

func (s *Server) noticeRedirect(w http.ResponseWriter, r *http.Request, id int64, done string) {
	http.Redirect(w, r, Prefix+"incidents/"+itoa(id)+"/notice?done="+done, http.StatusSeeOther)
}

// noticeDraftAction writes a new version drafted from the record; an
// earlier text stays in the versions.
func (s *Server) noticeDraftAction(w http.ResponseWriter, r *http.Request) {
	v, err := s.noticeView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if _, err := s.notices.Draft(r.Context(), v.Incident.ID, s.actor(r).Actor); err != nil {
		s.catalogFormError(w, r, "incident_notice", v, err, "", incidentConflict(err))
		return
	}
	s.noticeRedirect(w, r, v.Incident.ID, "drafted")
}

// noticeSaveAction saves staff's text as a new version; the store keeps
// the published one until it is published.
func (s *Server) noticeSaveAction(w http.ResponseWriter, r *http.Request) {
	v, err := s.noticeView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Values = r.PostForm
	if _, err := s.notices.Save(r.Context(), v.Incident.ID, noticeFromForm(newForm(r)), s.actor(r).Actor); err != nil {
		s.catalogFormError(w, r, "incident_notice", v, err, "", incidentConflict(err))
		return
	}
	s.noticeRedirect(w, r, v.Incident.ID, "saved")
}

// noticePublishAction publishes the newest version and pins it on the
// store's top page.
func (s *Server) noticePublishAction(w http.ResponseWriter, r *http.Request) {
	v, err := s.noticeView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if _, err := s.notices.Publish(r.Context(), v.Incident.ID, s.actor(r).Actor); err != nil {
		s.catalogFormError(w, r, "incident_notice", v, err, "", incidentConflict(err))
		return
	}
	s.noticeRedirect(w, r, v.Incident.ID, "published")
}

// noticeWithdrawAction takes the notice off the store; its history stays.
func (s *Server) noticeWithdrawAction(w http.ResponseWriter, r *http.Request) {
	v, err := s.noticeView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Withdraw = r.PostForm
	if _, err := s.notices.Withdraw(r.Context(), v.Incident.ID, newForm(r).Raw("withdraw_note"), s.actor(r).Actor); err != nil {
		s.catalogFormError(w, r, "incident_notice", v, err, "", incidentConflict(err))
		return
	}
	s.noticeRedirect(w, r, v.Incident.ID, "withdrawn")
}

// noticeAppendAction publishes a dated update under the notice.
func (s *Server) noticeAppendAction(w http.ResponseWriter, r *http.Request) {
	v, err := s.noticeView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Update = r.PostForm
	if _, err := s.notices.Append(r.Context(), v.Incident.ID, updateFromForm(newForm(r)), s.actor(r).Actor); err != nil {
		s.catalogFormError(w, r, "incident_notice", v, err, "", incidentConflict(err))
		return
	}
	s.noticeRedirect(w, r, v.Incident.ID, "appended")
}

// incidentConflict is the sentence for a refusal of the notice's and the
// reopening's actions, which the generic one does not explain.
func incidentConflict(err error) string {
	switch {
	case errors.Is(err, incident.ErrNoticeLive):
		return "notice.error.live"
	case errors.Is(err, incident.ErrNoticeNotPublished):
		return "notice.error.not_published"
	case errors.Is(err, incident.ErrSwitchesNotWired):
		return "reopen.error.switches"
	case errors.Is(err, incident.ErrChecklistRed):
		return "reopen.error.red"
	case errors.Is(err, incident.ErrAlreadyReopened):
		return "reopen.error.reopened"
	case errors.Is(err, incident.ErrIncidentClosed):
		return "reopen.error.closed"
	}
	return "notice.error.conflict"
}

// updateFromForm reads an update's form (the notice's, and the
// reopening's announcement).
func updateFromForm(f *form.Form) incident.UpdateText {
	return incident.UpdateText{TitleJa: f.String("update_title_ja"), TitleEn: f.String("update_title_en"),
		BodyJa: f.Raw("update_body_ja"), BodyEn: f.Raw("update_body_en")}
}
