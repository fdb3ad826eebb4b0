package admin

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"kaede/internal/catalog"
	"kaede/internal/catalogcsv"
	"kaede/internal/edge"
	"kaede/internal/shop"
)

// maxImportBody bounds an import's request: the file and the form around it.
const maxImportBody = catalogcsv.MaxBytes + 64<<10

// exportEncodings are the ?encoding= values of the export: UTF-8 (with a
// byte order mark, for Excel) by default, Shift_JIS for older Excel.
var exportEncodings = map[string]catalogcsv.Encoding{"": catalogcsv.UTF8, "utf8": catalogcsv.UTF8, "sjis": catalogcsv.ShiftJIS}

// productExport downloads the catalogue as CSV, one row per variant. The
// file is built in memory first, so that a failure is an error page and
// not half a file. Product data is not personal data, so the download is
// not audited.
func (s *Server) productExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	enc, ok := exportEncodings[r.URL.Query().Get("encoding")]
	if !ok {
		s.catalogFormError(w, r, "catalog_import", importView{}, shopInvalid("encoding"), "", "")
		return
	}
	var b bytes.Buffer
	if err := catalogcsv.Export(ctx, s.catalog, &b, enc); err != nil {
		// Shift_JIS cannot hold every character (an emoji, some kanji). If
		// the same export works in UTF-8, that is what went wrong, and the
		// shop can choose UTF-8; otherwise it is ours.
		if enc == catalogcsv.ShiftJIS && catalogcsv.Export(ctx, s.catalog, io.Discard, catalogcsv.UTF8) == nil {
			s.catalogFormError(w, r, "catalog_import", importView{}, shopInvalid("sjis"), "", "")
			return
		}
		s.renderError(w, r, err)
		return
	}
	charset := "utf-8"
	if enc == catalogcsv.ShiftJIS {
		charset = "Shift_JIS"
	}
	name := "products-" + s.now().In(shop.JST).Format("20060102-1504") + ".csv"
	edge.SendAttachment(w, "text/csv; charset="+charset, name, b.Bytes())
}

// shopInvalid is bad input in one field, for the import page.
func shopInvalid(field string) error {
	return shop.Problems{field: shop.ReasonFormat}.Err()
}

// importView is the import page's data: after an import, what it did, or
// every problem of a refused file by line and column.
type importView struct {
	Result   *catalog.ImportResult
	Problems []catalogcsv.Problem
}

// productImportPage is the form to upload a CSV file.
func (s *Server) productImportPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "catalog_import", importView{})
}

// productImportAction imports an uploaded CSV file: every product in it,
// or, if any cell is wrong, none. The catalogue audits the import with the
// file's name and hash. The answer is the import page, with the counts or
// the problems; the file is never stored.
func (s *Server) productImportAction(w http.ResponseWriter, r *http.Request) {
	file, hdr, err := uploadedFile(w, r, "file", maxImportBody)
	if err != nil {
		s.catalogFormError(w, r, "catalog_import", importView{}, err, "", "")
		return
	}
	defer file.Close()
	res, err := catalogcsv.Import(r.Context(), s.catalog, file, hdr.Filename, s.catalogActor(r))
	var refused *catalogcsv.Error
	if errors.As(err, &refused) {
		s.catalogFormError(w, r, "catalog_import", importView{Problems: refused.Problems}, err, "", "")
		return
	}
	if err != nil {
		s.catalogFormError(w, r, "catalog_import", importView{}, err, "", "")
		return
	}
	s.render(w, r, http.StatusOK, "catalog_import", importView{Result: &res})
}
