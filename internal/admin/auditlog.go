package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"kaede/internal/audit"
)

// auditPageSize is how many entries one page of the audit log shows.
const auditPageSize = 50

// auditView is the audit log page's data.
type auditView struct {
	Entries  []audit.Entry
	Page     int
	PrevURL  string // "" on the first page
	NextURL  string // "" on the last page
	Verified *verifyResult
}

// verifyResult is what the "verify chain" button found.
type verifyResult struct {
	Count  int
	Broken *audit.ChainError
}

// auditPage lists the audit log, newest first, filtered by actor, action,
// target and day (Japan), a page at a time.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	page := f.Page("page")
	filter := audit.Filter{
		Actor:  f.String("actor"),
		Action: f.String("action"),
		Target: f.String("target"),
		From:   formDay(f, "from"),
		To:     formDay(f, "to"),
		Limit:  auditPageSize + 1, // one more tells whether a next page exists
		Offset: (page - 1) * auditPageSize,
	}
	if !filter.To.IsZero() {
		filter.To = filter.To.AddDate(0, 0, 1) // "to" names the last day shown
	}
	if err := f.Err(); err != nil {
		s.renderForm(w, r, "audit", auditView{Page: 1}, err)
		return
	}
	entries, err := s.auditLog.List(r.Context(), filter)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := auditView{Entries: entries, Page: page}
	if len(entries) > auditPageSize {
		view.Entries = entries[:auditPageSize]
		view.NextURL = pageURL(r.URL.Query(), page+1)
	}
	if page > 1 {
		view.PrevURL = pageURL(r.URL.Query(), page-1)
	}
	s.render(w, r, http.StatusOK, "audit", view)
}

// pageURL is the audit page's address with the same filters, page n.
func pageURL(q url.Values, n int) string {
	q.Set("page", strconv.Itoa(n))
	q.Del("lang")
	return Prefix + "audit?" + q.Encode()
}

// auditVerifyPage walks the whole chain and shows how many entries it
// holds, or the first broken one.
func (s *Server) auditVerifyPage(w http.ResponseWriter, r *http.Request) {
	n, err := s.auditLog.Verify(r.Context())
	res := &verifyResult{Count: n}
	if err != nil && !errors.As(err, &res.Broken) {
		s.renderError(w, r, err)
		return
	}
	if res.Broken != nil {
		s.log.Error("admin: audit chain broken", "request_id", info(r).ID, "entry", res.Broken.ID, "error", err)
	}
	s.render(w, r, http.StatusOK, "audit", auditView{Page: 1, Verified: res})
}
