package admin

import (
	"net/http"

	"kaede/internal/staff"
)

// catalogRoutes are the routes of catalogue and content work: products,
// variants, stock, images, categories, CSV import and export, news posts
// and the legal pages. Groups as in routes.
//
// Reading the catalogue needs CatalogRead (an auditor may look); every
// change, and the CSV files, need CatalogWrite; news and the legal pages
// need ContentWrite. Each change is audited by the service that makes it,
// or, for the legal pages, by s.audit in the same transaction.
func (s *Server) catalogRoutes(mux *http.ServeMux) {
	read := func(h http.HandlerFunc) http.Handler { return s.can(staff.CatalogRead, h) }
	write := func(h http.HandlerFunc) http.Handler { return s.can(staff.CatalogWrite, h) }
	content := func(h http.HandlerFunc) http.Handler { return s.can(staff.ContentWrite, h) }

	// Products.
	mux.Handle("GET "+Prefix+"products", read(s.productListPage))
	mux.Handle("GET "+Prefix+"products/new", write(s.productNewPage))
	mux.Handle("POST "+Prefix+"products", write(s.productCreateAction))
	mux.Handle("GET "+Prefix+"products/{id}", read(s.productEditPage))
	mux.Handle("POST "+Prefix+"products/{id}", write(s.productUpdateAction))

	// Variants and stock.
	mux.Handle("POST "+Prefix+"products/{id}/variants", write(s.variantAddAction))
	mux.Handle("POST "+Prefix+"variants/{id}", write(s.variantUpdateAction))
	mux.Handle("POST "+Prefix+"variants/{id}/stock", write(s.variantStockAction))
	mux.Handle("POST "+Prefix+"variants/{id}/delete", write(s.variantDeleteAction))

	// Images.
	mux.Handle("POST "+Prefix+"products/{id}/images", write(s.imageUploadAction))
	mux.Handle("POST "+Prefix+"products/{id}/images/delete", write(s.imageDeleteAction))
	mux.Handle("POST "+Prefix+"products/{id}/images/move", write(s.imageMoveAction))

	// Tags and related products.
	mux.Handle("POST "+Prefix+"products/{id}/tags", write(s.tagsAction))
	mux.Handle("POST "+Prefix+"products/{id}/related", write(s.relatedAction))

	// Categories.
	mux.Handle("GET "+Prefix+"categories", read(s.categoryListPage))
	mux.Handle("POST "+Prefix+"categories", write(s.categoryCreateAction))
	mux.Handle("POST "+Prefix+"categories/{id}", write(s.categoryUpdateAction))
	mux.Handle("POST "+Prefix+"categories/{id}/delete", write(s.categoryDeleteAction))

	// CSV.
	mux.Handle("GET "+Prefix+"products/export", write(s.productExport))
	mux.Handle("GET "+Prefix+"products/import", write(s.productImportPage))
	mux.Handle("POST "+Prefix+"products/import", write(s.productImportAction))

	// News and the legal pages.
	mux.Handle("GET "+Prefix+"content", content(s.contentIndexPage))
	mux.Handle("GET "+Prefix+"content/news/new", content(s.newsNewPage))
	mux.Handle("POST "+Prefix+"content/news", content(s.newsCreateAction))
	mux.Handle("GET "+Prefix+"content/news/{id}", content(s.newsEditPage))
	mux.Handle("POST "+Prefix+"content/news/{id}", content(s.newsUpdateAction))
	mux.Handle("POST "+Prefix+"content/news/{id}/delete", content(s.newsDeleteAction))
	mux.Handle("GET "+Prefix+"content/pages/{slug}", content(s.legalPageEditPage))
	mux.Handle("POST "+Prefix+"content/pages/{slug}", content(s.legalPageSaveAction))
}
