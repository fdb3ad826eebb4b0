package edge

import (
	"mime"
	"net/http"
	"strconv"
)

// SendAttachment answers with body as a file of contentType for the
// browser to save under name, which mime encodes (RFC 2231) when it is
// not plain ASCII, so that no name can break the header. A served file gets the files'
// policy and no sniffing, so that a document can never run as a page.
// The caller makes the whole body first: a failure is an error page, not
// half a file.
func SendAttachment(w http.ResponseWriter, contentType, name string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", FileCSP)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}
