package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"kaede/internal/mail"
)

// outboxLimit is how many e-mails the demo outbox lists.
const outboxLimit = 50

// outboxView is the data of account_outbox.
type outboxView struct {
	Mails []mail.Stored
}

// outboxMailView is the data of account_outbox_mail: the message with its
// body cut into text and links to this store.
type outboxMailView struct {
	Mail mail.Stored
	Body []bodyPart
}

// bodyPart is a run of a plain-text body: text, or a link when URL is set.
type bodyPart struct {
	Text string
	URL  string
}

// demoOutbox lists the e-mails the store wrote, newest first, so that a
// visitor of the demo can follow verification and reset links. Outside
// demo mode it does not exist.
func (s *Server) demoOutbox(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.Demo {
		s.notFound(w, r)
		return
	}
	list, err := s.outbox.List(r.Context(), mail.Filter{Limit: outboxLimit})
	if err != nil {
		s.renderError(w, r, fmt.Errorf("demo outbox: %w", err))
		return
	}
	s.render(w, r, http.StatusOK, "account_outbox", outboxView{Mails: list})
}

// demoOutboxMail shows one e-mail as the recipient would read it.
func (s *Server) demoOutboxMail(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if !s.cfg.Demo || err != nil {
		s.notFound(w, r)
		return
	}
	m, err := s.outbox.Get(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "account_outbox_mail", outboxMailView{Mail: m, Body: s.linkify(m.Body)})
}

// linkify cuts body at every address under the store's BaseURL and turns
// each into a link to the same path on this site, so that the demo works
// whatever host it is reached by. Other text, other sites' addresses
// included, stays text.
func (s *Server) linkify(body string) []bodyPart {
	prefix := s.cfg.BaseURL + "/"
	var parts []bodyPart
	for {
		i := strings.Index(body, prefix)
		if i < 0 {
			break
		}
		if i > 0 {
			parts = append(parts, bodyPart{Text: body[:i]})
		}
		end := strings.IndexAny(body[i:], " \t\r\n\u3000「」（）()<>\"")
		if end < 0 {
			end = len(body) - i
		}
		link := body[i : i+end]
		path := strings.TrimPrefix(link, s.cfg.BaseURL)
		if strings.HasPrefix(path, "//") || strings.HasPrefix(path, "/\\") {
			// A name or an address line the customer typed can hold
			// "BaseURL//other.example": as a link it would lead off the
			// site (browsers read "/\" as "//" too), so it stays text.
			parts = append(parts, bodyPart{Text: link})
		} else {
			parts = append(parts, bodyPart{Text: link, URL: path})
		}
		body = body[i+end:]
	}
	if body != "" {
		parts = append(parts, bodyPart{Text: body})
	}
	return parts
}
