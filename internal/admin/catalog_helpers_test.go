package admin_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/staff"
)

// catalogEnv is an admin server with the catalogue, the news posts and a
// media directory, on a fresh database.
type catalogEnv struct {
	*env
	catalog  *catalog.Service
	content  *content.Service
	mediaDir string
}

func newCatalogEnv(t *testing.T, d *db.DB) *catalogEnv {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	svc, err := staff.New(d, mail.NewTestQueue(clock.Now), clock.Now, bytes.Repeat([]byte{7}, staff.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetHashParams(fastHash); err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(d, clock.Now)
	news := content.New(d, clock.Now)
	mediaDir := t.TempDir()
	srv, err := admin.New(admin.Config{
		BaseURL:     "http://admin.test",
		Secret:      bytes.Repeat([]byte{9}, 32),
		AllowedNets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
	}, admin.Deps{
		Logger:   discardLogger(),
		Clock:    clock.Now,
		Staff:    svc,
		Settings: settings.NewService(d, clock.Now, time.Minute),
		Audit:    audit.NewLog(d),
		Legal:    content.NewPages(d, clock.Now),
		Orders:   order.New(d, mail.NewTestQueue(clock.Now), clock.Now),
		Members:  member.New(d, mail.NewTestQueue(clock.Now), clock.Now, "http://shop.test"),
		Catalog:  cat,
		Content:  news,
		MediaDir: mediaDir,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, d: d, clock: clock, staff: svc, h: srv.Handler(), ctx: context.Background()}
	return &catalogEnv{env: e, catalog: cat, content: news, mediaDir: mediaDir}
}

// loggedIn enrols a member of staff with the role and logs them in.
func (e *catalogEnv) loggedIn(email string, role staff.Role) *browser {
	e.t.Helper()
	b, _ := e.enrol(email, role)
	b.login(email)
	return b
}

// upload posts a multipart form with one file, as a form with
// enctype="multipart/form-data" would, CSRF token included.
func (b *browser) upload(path string, fields url.Values, fileField, fileName string, data []byte) *response {
	t := b.e.t
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", b.token())
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(fileField, fileName)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "http://admin.test"+path, &body)
	req.RemoteAddr = b.ip + ":40000"
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for name, value := range b.jar {
		req.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	rec := httptest.NewRecorder()
	b.e.h.ServeHTTP(rec, req)
	res := rec.Result()
	res.Request = req
	out := &response{Response: res, Body: rec.Body.String()}
	// The admin's CSRF check must read the token from a multipart body;
	// without that, every upload is refused before its handler runs.
	if res.StatusCode == http.StatusForbidden && strings.Contains(out.Body, "フォームの有効期限が切れたか") {
		t.Fatalf("POST %s: the multipart form was refused by the CSRF check: checkCSRF (middleware.go) must parse multipart/form-data bodies", path)
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		doc, err := html.Parse(strings.NewReader(out.Body))
		if err != nil {
			t.Fatalf("POST %s: parse HTML: %v", path, err)
		}
		out.Doc = doc
	}
	return out
}

// fieldError returns the error sentence shown beside the input with the
// id, or "".
func fieldError(doc *html.Node, id string) string {
	input := find(doc, byID(id))
	if input == nil || input.Parent == nil {
		return ""
	}
	for n := input.NextSibling; n != nil; n = n.NextSibling {
		if n.Type != html.ElementNode {
			continue
		}
		if hasClass("field-error")(n) {
			return textOf(n)
		}
		if n.Data == "input" || n.Data == "select" || n.Data == "textarea" || n.Data == "label" {
			return ""
		}
	}
	return ""
}

// idFromLocation returns the last path segment of a redirect, without its
// query: the id of what was just created.
func idFromLocation(t *testing.T, res *response) string {
	t.Helper()
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(u.Path, "/")
	return parts[len(parts)-1]
}

// verifyAudit checks the hash chain of the audit log.
func verifyAudit(t *testing.T, e *catalogEnv) {
	t.Helper()
	if n, err := audit.Verify(e.ctx, e.d); err != nil {
		t.Fatalf("audit.Verify=%d, %v", n, err)
	}
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pngBytes is a real 4×3 PNG picture.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	pic := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for x := range 4 {
		pic.Set(x, 1, color.NRGBA{R: 200, G: 40, B: 40, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, pic); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
