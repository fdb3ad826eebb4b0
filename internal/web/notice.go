package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"kaede/internal/content"
	"kaede/internal/incident"
	"kaede/internal/shop"
)

// noticeRoutes are the incidents' public notices (お詫びとお知らせ).
// Public, and shared between visitors without a session like the
// catalogue: a withdrawn notice's 410 is not cached (only 200s are).
func (s *Server) noticeRoutes(mux *http.ServeMux) {
	mux.Handle("GET /notices/{id}", s.cacheForGuests(s.noticePage))
}

// noticePin is a published notice as the top page pins it.
type noticePin struct {
	URL       string
	Title     string
	Published time.Time
	Updated   time.Time // zero unless an update came after the first publication
}

// pinnedNotices returns the published notices for the top of the home page.
func (s *Server) pinnedNotices(r *http.Request, lang string) ([]noticePin, error) {
	if s.notices == nil {
		return nil, nil
	}
	pins, err := s.notices.Pinned(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]noticePin, 0, len(pins))
	for _, p := range pins {
		pin := noticePin{URL: p.Path(), Title: p.Title(lang), Published: p.PublishedAt}
		if !sameDayJST(p.UpdatedAt, p.PublishedAt) {
			pin.Updated = p.UpdatedAt
		}
		out = append(out, pin)
	}
	return out, nil
}

func sameDayJST(a, b time.Time) bool {
	return a.In(shop.JST).Format(time.DateOnly) == b.In(shop.JST).Format(time.DateOnly)
}

// incidentNoticeSection is one section of the notice, its paragraphs plain text.
type incidentNoticeSection struct {
	ID         string // the heading's id, and the catalogue key's last part
	Paragraphs []string
}

// incidentNoticeUpdate is one dated update (第N報).
type incidentNoticeUpdate struct {
	Number     int
	Date       time.Time
	Title      string
	Paragraphs []string
}

// incidentNoticeView is the notice page's data. Every text is the shop's plain
// text, split into paragraphs and escaped by the template: nothing staff
// typed is ever markup.
type incidentNoticeView struct {
	Title       string
	Published   time.Time // 第1報
	Updated     time.Time // zero unless later than Published's day
	Updates     []incidentNoticeUpdate
	Sections    []incidentNoticeSection
	ContactURL  string // the inquiry desk's form with the incident chosen
	Withdrawn   bool
	WithdrawnAt time.Time
}

// noticePage shows a published notice, newest update first, then the
// notice itself. A withdrawn notice answers 410 Gone with a page saying
// when it was withdrawn and where to ask; a draft, or no notice, is 404.
func (s *Server) noticePage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 || s.notices == nil {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no such notice"))
		return
	}
	n, err := s.notices.Public(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	lang := info(r).Lang
	view := incidentNoticeView{Title: n.Live.Title(lang), Published: n.FirstPublishedAt,
		ContactURL: "/contact?" + url.Values{"incident": {strconv.FormatInt(id, 10)}}.Encode()}
	if n.State == incident.NoticeWithdrawn {
		view.Withdrawn, view.WithdrawnAt = true, n.WithdrawnAt
		s.render(w, r, http.StatusGone, "incident_notice", view)
		return
	}
	if u := n.UpdatedAt(); !sameDayJST(u, n.FirstPublishedAt) {
		view.Updated = u
	}
	for i := len(n.Updates) - 1; i >= 0; i-- {
		u := n.Updates[i]
		view.Updates = append(view.Updates, incidentNoticeUpdate{Number: u.Number, Date: u.PublishedAt, Title: u.Title(lang),
			Paragraphs: content.Paragraphs(u.Body(lang))})
	}
	for _, sec := range incident.Sections {
		if ps := content.Paragraphs(n.Live.Text(sec, lang)); len(ps) > 0 {
			view.Sections = append(view.Sections, incidentNoticeSection{ID: string(sec), Paragraphs: ps})
		}
	}
	s.render(w, r, http.StatusOK, "incident_notice", view)
}
