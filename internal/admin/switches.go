package admin

import (
	"net/http"
	"net/url"

	"kaede/internal/shop"
	"kaede/internal/staff"
	"kaede/internal/switches"
)

// switchRoutes are the shop's emergency switches (internal/switches): stop
// card payments, stop checkout, maintenance. Everyone with the security
// permission to read sees them and their history; flipping one takes the
// permission to manage security and a fresh second factor, since a stolen
// session could close the shop with it. Without a switches service (tests
// of the admin's foundation) there are no routes.
func (s *Server) switchRoutes(mux *http.ServeMux) {
	if s.switches == nil {
		return
	}
	mux.Handle("GET "+Prefix+"switches", s.can(staff.SecurityRead, s.switchesPage))
	mux.Handle("POST "+Prefix+"switches/{name}", s.fresh(staff.SecurityManage, s.switchSetAction))
}

// historyLength is how many changes the page lists.
const historyLength = 30

// switchesView is the switches page's data.
type switchesView struct {
	Switches  []switchForm
	History   []switches.Entry
	CanManage bool
	Done      string // the switch just changed
}

// switchForm is one switch and its form: the values shown (the current
// banners and an empty reason, or what was submitted when it failed).
type switchForm struct {
	switches.Switch
	Values url.Values
	Failed bool // the errors on the page are this form's
}

// switchesPage shows every switch, its form, and the recent changes.
func (s *Server) switchesPage(w http.ResponseWriter, r *http.Request) {
	view, err := s.switchesView(r, "", nil)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if done := switches.Name(r.URL.Query().Get("done")); switches.Known(done) {
		view.Done = string(done)
	}
	s.render(w, r, http.StatusOK, "switches", view)
}

// switchesView reads the switches (through this process's cache: fresh
// after a change made here, at most two seconds old after one made
// elsewhere) and their history; failed names the switch whose form is
// shown again with submitted.
func (s *Server) switchesView(r *http.Request, failed switches.Name, submitted url.Values) (switchesView, error) {
	ctx := r.Context()
	st, err := s.switches.State(ctx)
	if err != nil {
		return switchesView{}, err
	}
	view := switchesView{CanManage: s.actor(r).Role.Can(staff.SecurityManage)}
	for _, sw := range st.All() {
		f := switchForm{Switch: sw, Values: url.Values{"banner": {sw.Banner}, "banner_en": {sw.BannerEn}}}
		if sw.Name == failed {
			f.Values, f.Failed = submitted, true
		}
		view.Switches = append(view.Switches, f)
	}
	if view.History, err = s.switches.History(ctx, historyLength); err != nil {
		return switchesView{}, err
	}
	return view, nil
}

// switchSetAction sets one switch to the position the form names ("on":
// "true" or "false"), with its banners and the reason, through the
// switches service, which validates and audits it. The store on this
// instance obeys at once, every other instance within seconds. Bad input
// shows the page again with that switch's form and its errors (422).
func (s *Server) switchSetAction(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	name := switches.Name(r.PathValue("name"))
	if !switches.Known(name) {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no switch %q", name))
		return
	}
	c := switches.Change{Name: name, Banner: f.Raw("banner"), BannerEn: f.Raw("banner_en"), Reason: f.Raw("reason")}
	switch f.Raw("on") {
	case "true":
		c.On = true
	case "false":
	default:
		f.Fail("on", shop.ReasonChoice)
	}
	err := f.Err()
	if err == nil {
		_, err = s.switches.Set(r.Context(), c, s.actor(r).Actor)
	}
	if err != nil {
		view, verr := s.switchesView(r, name, r.PostForm)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		s.renderForm(w, r, "switches", view, err)
		return
	}
	s.log.Warn("switch set", "switch", name, "on", c.On, "staff", s.actor(r).Name, "request_id", info(r).ID)
	http.Redirect(w, r, Prefix+"switches?done="+string(name), http.StatusSeeOther)
}
