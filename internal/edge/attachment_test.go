package edge_test

import (
	"net/http/httptest"
	"testing"

	"kaede/internal/edge"
)

func TestSendAttachment(t *testing.T) {
	cases := []struct {
		name, want string
	}{
		{"receipt-K20261125-0001-2.pdf", `attachment; filename=receipt-K20261125-0001-2.pdf`},
		{`a"b.pdf`, `attachment; filename="a\"b.pdf"`},
		{"領収書.pdf", `attachment; filename*=utf-8''%E9%A0%98%E5%8F%8E%E6%9B%B8.pdf`},
		{"bad\nname.pdf", `attachment; filename*=utf-8''bad%0Aname.pdf`}, // encoded, never a header break
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		edge.SendAttachment(w, "application/pdf", c.name, []byte("%PDF-1.4"))
		h := w.Header()
		if got := h.Get("Content-Disposition"); got != c.want {
			t.Errorf("%q: Content-Disposition %q, want %q", c.name, got, c.want)
		}
		if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Content-Security-Policy") != edge.FileCSP || h.Get("Content-Length") != "8" || w.Body.String() != "%PDF-1.4" {
			t.Errorf("%q: headers %v body %q", c.name, h, w.Body.String())
		}
	}
}
