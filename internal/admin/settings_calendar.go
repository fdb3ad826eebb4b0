package admin

import (
	"net/http"
	"time"

	"kaede/internal/calendar"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// calendarRoutes are the shop's closing days: read with the settings,
// changed by whoever may change them. A closing day moves the delivery
// days offered at checkout and the bank-transfer due dates, not money or
// personal data, so no fresh second factor is asked.
func (s *Server) calendarRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+Prefix+"settings/calendar", s.can(staff.SettingsRead, s.calendarPage))
	mux.Handle("POST "+Prefix+"settings/calendar", s.can(staff.SettingsWrite, s.calendarCloseAction))
	mux.Handle("POST "+Prefix+"settings/calendar/{day}/open", s.can(staff.SettingsWrite, s.calendarOpenAction))
}

// calendarView is the calendar page: the closing days from today on.
type calendarView struct {
	Days  []calendar.ClosingDay
	Today string // YYYY-MM-DD, the form's earliest day
}

func (s *Server) calendarView(r *http.Request) (calendarView, error) {
	now := s.now()
	days, err := s.closings.List(r.Context(), now)
	return calendarView{Days: days, Today: now.In(shop.JST).Format(time.DateOnly)}, err
}

// calendarPage lists the shop's coming closing days with a form to add one.
func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) {
	view, err := s.calendarView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "settings_calendar", view)
}

// calendarCloseAction makes a day a closing day (audited by the calendar).
func (s *Server) calendarCloseAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	err := s.closings.Close(r.Context(), f.String("day"), f.String("note"), orderActor(r))
	if err != nil {
		view, verr := s.calendarView(r)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		s.renderForm(w, r, "settings_calendar", view, err)
		return
	}
	http.Redirect(w, r, Prefix+"settings/calendar", http.StatusSeeOther)
}

// calendarOpenAction takes a day off the closing days (audited).
func (s *Server) calendarOpenAction(w http.ResponseWriter, r *http.Request) {
	if err := s.closings.Open(r.Context(), r.PathValue("day"), orderActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"settings/calendar", http.StatusSeeOther)
}
