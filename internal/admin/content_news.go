package admin

import (
	"net/http"
	"net/url"

	"kaede/internal/content"
	"kaede/internal/edge"
	"kaede/internal/form"
)

// contentIndexView is the content page's data: the news posts, newest
// first, and the legal pages.
type contentIndexView struct {
	Posts []content.Post
	Total int
	Pages []content.Page
	Pager edge.Pager
	Done  string // catalogue key of the last action's confirmation
}

// contentDone are the confirmations a content action may ask for.
var contentDone = map[string]string{
	"news_created": "content.done.news_created", "news_saved": "content.done.news_saved",
	"news_deleted": "content.done.news_deleted", "page_saved": "content.done.page_saved",
}

// newsPageSize is the number of posts on one page of the content page.
const newsPageSize = 50

// contentIndexPage lists the news posts, drafts and scheduled posts
// included, and the legal pages with when each was last changed.
func (s *Server) contentIndexPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	view := contentIndexView{Done: contentDone[r.URL.Query().Get("done")]}
	page := newForm(r).Page("page")
	var err error
	view.Posts, view.Total, err = s.content.AdminList(ctx, content.AdminQuery{Limit: newsPageSize, Offset: (page - 1) * newsPageSize})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Pager = edge.NewPager(Prefix+"content", url.Values{}, page, newsPageSize, view.Total)
	if view.Pages, err = s.pages.Legal(ctx); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "content_index", view)
}

// newsView is the news form's data.
type newsView struct {
	Post     *content.Post // nil for a new post
	Values   url.Values
	Statuses []string
}

var newsStatuses = []string{content.StatusDraft, content.StatusPublished}

// newsNewPage is the form for a new post, a draft by default.
func (s *Server) newsNewPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "content_news", newsView{Statuses: newsStatuses,
		Values: url.Values{"status": {content.StatusDraft}}})
}

// newsFromForm reads the news form. The bodies are kept as typed: they
// are plain text, shown by the store's templates as escaped paragraphs.
func newsFromForm(f *form.Form) content.Post {
	return content.Post{TitleJa: f.String("title_ja"), TitleEn: f.String("title_en"),
		BodyJa: f.Raw("body_ja"), BodyEn: f.Raw("body_en"), Status: f.String("status"),
		PublishedAt: formDay(f, "published_at")}
}

// newsCreateAction creates a post; the content service audits it.
func (s *Server) newsCreateAction(w http.ResponseWriter, r *http.Request) {
	view := newsView{Statuses: newsStatuses, Values: r.PostForm}
	f := newForm(r)
	p := newsFromForm(f)
	if err := f.Err(); err != nil {
		s.catalogFormError(w, r, "content_news", view, err, "", "")
		return
	}
	if _, err := s.content.Create(r.Context(), p, s.catalogActor(r)); err != nil {
		s.catalogFormError(w, r, "content_news", view, err, "", "")
		return
	}
	http.Redirect(w, r, Prefix+"content?done=news_created", http.StatusSeeOther)
}

// newsEditPage is an existing post's form.
func (s *Server) newsEditPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.newsPost(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := url.Values{"title_ja": {p.TitleJa}, "title_en": {p.TitleEn}, "body_ja": {p.BodyJa}, "body_en": {p.BodyEn},
		"status": {p.Status}, "published_at": {day(p.PublishedAt)}}
	s.render(w, r, http.StatusOK, "content_news", newsView{Post: p, Values: v, Statuses: newsStatuses})
}

// newsPost loads the post of the path.
func (s *Server) newsPost(r *http.Request) (*content.Post, error) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.content.PostByID(r.Context(), id)
}

// newsUpdateAction saves a post; the content service audits it before
// and after.
func (s *Server) newsUpdateAction(w http.ResponseWriter, r *http.Request) {
	post, err := s.newsPost(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view := newsView{Post: post, Values: r.PostForm, Statuses: newsStatuses}
	f := newForm(r)
	p := newsFromForm(f)
	if err := f.Err(); err != nil {
		s.catalogFormError(w, r, "content_news", view, err, "", "")
		return
	}
	if err := s.content.Update(r.Context(), post.ID, p, s.catalogActor(r)); err != nil {
		s.catalogFormError(w, r, "content_news", view, err, "", "")
		return
	}
	http.Redirect(w, r, Prefix+"content?done=news_saved", http.StatusSeeOther)
}

// newsDeleteAction deletes a post; the audit entry keeps what it said.
func (s *Server) newsDeleteAction(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.content.Delete(r.Context(), id, s.catalogActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, Prefix+"content?done=news_deleted", http.StatusSeeOther)
}
