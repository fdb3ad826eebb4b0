package web

import (
	"net/http"
	"strconv"
	"time"

	"kaede/internal/content"
	"kaede/internal/shop"
)

// newsOnTop is how many news posts the top page lists.
const newsOnTop = 3

// newsItem is one news post as the store shows it.
type newsItem struct {
	URL        string
	Title      string
	Date       time.Time
	Paragraphs []string // only on the post's own page
}

// latestNews returns the newest published posts for the top page.
func (s *Server) latestNews(r *http.Request, lang string) ([]newsItem, error) {
	if s.content == nil {
		return nil, nil
	}
	posts, err := s.content.Published(r.Context(), newsOnTop)
	if err != nil {
		return nil, err
	}
	items := make([]newsItem, 0, len(posts))
	for _, p := range posts {
		items = append(items, newsItem{URL: "/news/" + strconv.FormatInt(p.ID, 10), Title: p.Title(lang), Date: p.PublishedAt})
	}
	return items, nil
}

// newsPage shows one published post. Its body is plain text, shown as
// paragraphs through the template: the shop's words are never HTML.
func (s *Server) newsPage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || s.content == nil {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no such news post"))
		return
	}
	p, err := s.content.PublishedPost(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	lang := info(r).Lang
	s.render(w, r, http.StatusOK, "news", newsItem{Title: p.Title(lang), Date: p.PublishedAt,
		Paragraphs: content.Paragraphs(p.Body(lang))})
}
