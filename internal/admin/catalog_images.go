package admin

import (
	"errors"
	"net/http"
	"strings"

	"kaede/internal/catalog"
	"kaede/internal/media"
	"kaede/internal/shop"
)

// maxImageBody bounds an image upload's request: the image and the few
// text fields around it.
const maxImageBody = media.MaxBytes + 64<<10

// mediaURL is where the store serves the media directory.
const mediaURL = "/media/"

// errNoMediaDir is the upload's answer when the operator configured no
// media directory: an internal error, since staff cannot fix it.
var errNoMediaDir = errors.New("admin: no media directory configured (Deps.MediaDir)")

// imageUploadAction adds a photo to the product of the path. The upload
// is trusted for nothing: media.Process sniffs its type from the bytes,
// accepts only JPEG, PNG and WebP, and encodes the pixels again, so that
// what is stored under the public media directory is only what Kaede's
// encoder wrote, under a random name. If the catalogue refuses the image,
// the stored file is removed again.
func (s *Server) imageUploadAction(w http.ResponseWriter, r *http.Request) {
	view, err := s.productPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if s.mediaDir == "" {
		s.renderError(w, r, errNoMediaDir)
		return
	}
	file, _, err := uploadedFile(w, r, "image", maxImageBody)
	if err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	defer file.Close()
	img, err := media.Process(file, media.MaxBytes)
	if err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	rel, err := media.Store(s.mediaDir, img)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	in := catalog.Image{Path: mediaURL + rel, AltJa: f.String("alt_ja"), AltEn: f.String("alt_en"), Width: img.Width, Height: img.Height}
	if err := s.catalog.AddImage(r.Context(), view.Product.ID, in, s.catalogActor(r)); err != nil {
		if rerr := media.Remove(s.mediaDir, rel); rerr != nil {
			s.log.Error("admin: remove refused image", "request_id", info(r).ID, "path", rel, "error", rerr)
		}
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	http.Redirect(w, r, productURL(view.Product.ID)+"?done=image_added#images", http.StatusSeeOther)
}

// imageDeleteAction takes an image off the product and, once that has
// committed, deletes its file. A file that cannot be deleted is logged
// and left behind: the page no longer shows it, and a stray file is
// better than an image the product still names but nobody can find.
func (s *Server) imageDeleteAction(w http.ResponseWriter, r *http.Request) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	path := newForm(r).String("path")
	if path == "" {
		s.renderError(w, r, shop.Errorf(shop.NotFound, "no such image"))
		return
	}
	if err := s.catalog.RemoveImage(r.Context(), id, path, s.catalogActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	// Images that Kaede did not upload (the demo's, an import's) are not
	// media.Store's files, and media.Remove leaves them alone.
	if rel, ok := strings.CutPrefix(path, mediaURL); ok && s.mediaDir != "" {
		if err := media.Remove(s.mediaDir, rel); err != nil {
			s.log.Warn("admin: image file left behind", "request_id", info(r).ID, "path", path, "error", err)
		}
	}
	http.Redirect(w, r, productURL(id)+"?done=image_removed#images", http.StatusSeeOther)
}
