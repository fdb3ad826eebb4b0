package admin

import (
	"net/http"
	"net/url"

	"kaede/internal/incident"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// incidentReopenRoutes are the reopening after an incident: the
// checklist, verified live on every view, for those who see the security
// pages; the Reopen button for those who manage them, with a fresh second
// factor.
func (s *Server) incidentReopenRoutes(mux *http.ServeMux) {
	if s.reopening == nil {
		return
	}
	mux.Handle("GET "+Prefix+"incidents/{id}/reopen", s.can(staff.SecurityRead, s.reopenPage))
	mux.Handle("POST "+Prefix+"incidents/{id}/reopen", s.fresh(staff.SecurityManage, s.reopenAction))
}

// reopenView is the reopening page's data.
type reopenView struct {
	Incident  incident.Incident
	Checklist incident.Checklist
	// Refusal is the catalogue key of why the incident cannot be reopened
	// whatever the checklist says (no published notice, reopened
	// already, closed, switches not connected); "" when it can.
	Refusal string
	Values  url.Values // the announcement's form
	Done    bool
}

// reopenState reads the incident, verifies the checklist now and finds
// any refusal.
func (s *Server) reopenState(r *http.Request) (reopenView, error) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		return reopenView{}, err
	}
	ctx := r.Context()
	inc, err := s.notices.Incident(ctx, id)
	if err != nil {
		return reopenView{}, err
	}
	v := reopenView{Incident: inc}
	if v.Checklist, err = s.reopening.Check(ctx, id); err != nil {
		return reopenView{}, err
	}
	if !s.reopening.SwitchesWired() {
		v.Refusal = "reopen.error.switches"
	} else if err := s.reopening.Refusal(ctx, id); err != nil {
		if shop.ErrorCode(err) != shop.Conflict {
			return reopenView{}, err
		}
		v.Refusal = incidentConflict(err)
	}
	return v, nil
}

// reopenPage shows the checklist, each item green or red with its
// evidence, and the reopening's announcement, drafted from the record,
// with the Reopen button.
func (s *Server) reopenPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.reopenState(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	draft, err := s.reopening.DraftReopening(r.Context(), v.Incident.ID, s.now())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Values = url.Values{"update_title_ja": {draft.TitleJa}, "update_title_en": {draft.TitleEn},
		"update_body_ja": {draft.BodyJa}, "update_body_en": {draft.BodyEn}}
	v.Done = r.URL.Query().Get("done") == "reopened"
	s.render(w, r, http.StatusOK, "incident_reopen", v)
}

// reopenAction reopens: the service verifies the checklist again and
// refuses while an item is red.
func (s *Server) reopenAction(w http.ResponseWriter, r *http.Request) {
	v, err := s.reopenState(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Values = r.PostForm
	list, _, err := s.reopening.Reopen(r.Context(), v.Incident.ID, updateFromForm(newForm(r)), s.actor(r).Actor)
	if err != nil {
		if len(list.Checks) > 0 {
			v.Checklist = list
		}
		s.catalogFormError(w, r, "incident_reopen", v, err, "", incidentConflict(err))
		return
	}
	http.Redirect(w, r, Prefix+"incidents/"+itoa(v.Incident.ID)+"/reopen?done=reopened", http.StatusSeeOther)
}
