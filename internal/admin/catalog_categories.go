package admin

import (
	"net/http"
	"net/url"

	"kaede/internal/catalog"
	"kaede/internal/form"
)

// categoryListView is the category page's data: the tree as rows, each
// with its own form, and the form for a new category.
type categoryListView struct {
	Categories []categoryOption
	New        url.Values // the new-category form, as sent after an error
	Edited     int64      // the category whose row was sent
	NewFields  []string   // the new-category form's text fields, in order
	Done       string     // catalogue key of the last action's confirmation
}

// categoryDone are the confirmations a category action may ask for.
var categoryDone = map[string]string{
	"created": "catalog.done.category_created", "saved": "catalog.done.category_saved", "deleted": "catalog.done.category_deleted",
}

func (s *Server) categoryView(r *http.Request) (categoryListView, error) {
	cats, err := s.categoryOptions(r.Context())
	if err != nil {
		return categoryListView{}, err
	}
	return categoryListView{Categories: cats, New: url.Values{}, NewFields: []string{"slug", "name_ja", "name_en", "position"}}, nil
}

// categoryListPage shows the category tree with a form per category.
func (s *Server) categoryListPage(w http.ResponseWriter, r *http.Request) {
	view, err := s.categoryView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Done = categoryDone[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "catalog_categories", view)
}

// categoryFromForm reads a category form.
func categoryFromForm(f *form.Form) catalog.Category {
	return catalog.Category{ParentID: f.Int64("parent_id"), Slug: f.String("slug"),
		NameJa: f.String("name_ja"), NameEn: f.String("name_en"), Position: f.Int("position")}
}

// categoryCreateAction creates a category; errors show on the new form
// ("new.slug").
func (s *Server) categoryCreateAction(w http.ResponseWriter, r *http.Request) {
	view, err := s.categoryView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.New = r.PostForm
	f := newForm(r)
	c := categoryFromForm(f)
	if err := f.Err(); err != nil {
		s.catalogFormError(w, r, "catalog_categories", view, err, "new.", "")
		return
	}
	if _, err := s.catalog.CreateCategory(r.Context(), c, s.catalogActor(r)); err != nil {
		s.catalogFormError(w, r, "catalog_categories", view, err, "new.", "")
		return
	}
	http.Redirect(w, r, Prefix+"categories?done=created", http.StatusSeeOther)
}

// categoryKey prefixes the errors of one category's row.
func categoryKey(id int64) string { return "c" + itoa(id) + "." }

// categoryUpdateAction saves one category's row; moving it under itself
// or a category beneath it is refused by the catalogue.
func (s *Server) categoryUpdateAction(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view, err := s.categoryView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Edited = id
	f := newForm(r)
	c := categoryFromForm(f)
	if err := f.Err(); err != nil {
		s.catalogFormError(w, r, "catalog_categories", view, err, categoryKey(id), "")
		return
	}
	u := catalog.CategoryUpdate{ParentID: c.ParentID, Slug: c.Slug, NameJa: c.NameJa, NameEn: c.NameEn, Position: c.Position}
	if err := s.catalog.UpdateCategory(r.Context(), id, u, s.catalogActor(r)); err != nil {
		s.catalogFormError(w, r, "catalog_categories", view, err, categoryKey(id), "")
		return
	}
	http.Redirect(w, r, Prefix+"categories?done=saved", http.StatusSeeOther)
}

// categoryDeleteAction deletes an empty category; one that still holds
// products or categories is refused with a sentence saying so.
func (s *Server) categoryDeleteAction(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.catalog.DeleteCategory(r.Context(), id, s.catalogActor(r)); err != nil {
		view, verr := s.categoryView(r)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		s.catalogFormError(w, r, "catalog_categories", view, err, categoryKey(id), "catalog.category.delete_conflict")
		return
	}
	http.Redirect(w, r, Prefix+"categories?done=deleted", http.StatusSeeOther)
}
