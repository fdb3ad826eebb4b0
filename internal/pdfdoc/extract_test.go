package pdfdoc_test

import (
	"testing"

	"kaede/internal/pdfdoc/pdftext"
)

// pageTexts returns the text of each page of a PDF (see package pdftext,
// which other packages' tests use too).
func pageTexts(tb testing.TB, b []byte) []string {
	tb.Helper()
	return pdftext.Pages(tb, b)
}
