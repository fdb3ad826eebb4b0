package admin

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"kaede/internal/audit"
	"kaede/internal/edge"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// Helpers shared by the catalogue and content pages.

// catalogActor is the logged-in member of staff as the catalogue and
// content services write them into the audit log: their e-mail address and
// the request's address, both from the session, never from the form.
func (s *Server) catalogActor(r *http.Request) audit.Actor {
	return s.actor(r).Actor
}

// catalogPathID reads a numeric {name} of the path. Anything else names
// nothing, so it is NotFound rather than bad input.
func catalogPathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, shop.Errorf(shop.NotFound, "no such %s", name)
	}
	return id, nil
}

// catalogFormError shows a page again after its form was refused. It is
// renderForm with three additions the catalogue's pages need:
//
//   - key prefixes each field's entry in Page.Errors, so that a table with
//     one form per row (variants, categories) shows the error on the row
//     that was sent ("v12.price");
//   - a field may have a sentence of its own ("catalog.reason.FIELD.REASON"),
//     where the generic one says too little (an image's type or size);
//   - conflict, when not empty, is the sentence for a Conflict (a variant
//     that was ordered cannot be deleted), which the generic one does not
//     explain.
//
// Any other error gets the error page.
func (s *Server) catalogFormError(w http.ResponseWriter, r *http.Request, page string, data any, err error, key, conflict string) {
	code := shop.ErrorCode(err)
	if code != shop.Invalid && (code != shop.Conflict || conflict == "") {
		s.renderError(w, r, err)
		return
	}
	p := s.newPage(w, r, data)
	p.Errors = map[string]string{}
	for field, reason := range shop.ErrorFields(err) {
		// A new product's first variant is "variants[0]." to the catalogue
		// and plain "sku", "price"… on the form.
		field = strings.TrimPrefix(field, "variants[0].")
		p.Errors[key+field] = catalogFieldMessage(p.Lang, field, reason)
	}
	p.Errors["_form"] = ui.Admin.T(p.Lang, errorKey(err))
	if code == shop.Conflict {
		p.Errors["_form"] = ui.Admin.T(p.Lang, conflict)
	}
	s.writePage(w, r, edge.Status(err), page, p)
}

// catalogFieldMessage is the sentence for a field's reason: the
// catalogue's own when it has one, else the admin's generic sentence
// naming the field.
func catalogFieldMessage(lang, field, reason string) string {
	if k := "catalog.reason." + field + "." + reason; ui.Admin.Has(k) {
		return ui.Admin.T(lang, k)
	}
	return fieldMessage(lang, field, reason)
}

// uploadMemory is how much of a multipart form is kept in memory; a larger
// file goes to a temporary file outside every served directory.
const uploadMemory = 1 << 20

// uploadedFile returns the file sent in the multipart field, with the
// request body limited to limit bytes. The admin's CSRF check normally
// parses the form first (it needs the token inside it), and then the
// limit is the check's; otherwise the body is read here. A missing file
// is ReasonRequired on the field; a body over the limit, ReasonLength.
func uploadedFile(w http.ResponseWriter, r *http.Request, field string, limit int64) (multipart.File, *multipart.FileHeader, error) {
	if r.MultipartForm == nil {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := r.ParseMultipartForm(uploadMemory); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, nil, shop.Problems{field: shop.ReasonLength}.Err()
			}
			if errors.Is(err, http.ErrNotMultipart) {
				return nil, nil, shop.Problems{field: shop.ReasonRequired}.Err()
			}
			return nil, nil, shop.Problems{field: shop.ReasonFormat}.Err()
		}
	}
	f, h, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) || (err == nil && h.Size == 0) {
		if f != nil {
			f.Close()
		}
		return nil, nil, shop.Problems{field: shop.ReasonRequired}.Err()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read uploaded %s: %w", field, err)
	}
	if h.Size > limit {
		f.Close()
		return nil, nil, shop.Problems{field: shop.ReasonLength}.Err()
	}
	return f, h, nil
}
