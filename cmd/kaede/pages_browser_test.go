package main

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserStorePagesOnAPhone looks at the store as a new customer does,
// on a 390-px phone and on a desktop: an 800×600 photo is drawn 4:3, the
// cart's 「ご購入手続きへ進む」 is drawn as a button, and no page is wider
// than the screen.
func TestBrowserStorePagesOnAPhone(t *testing.T) {
	chromiumPath(t)
	dir := t.TempDir()
	m, _ := startLogged(t, Config{DataDir: dir})
	base := m.URL()
	p := buyableProduct(t, base)

	// The product's photo becomes an 800×600 upload, recorded as such.
	var path string
	if err := m.db.QueryRow(`SELECT path FROM product_images WHERE product_id = (SELECT id FROM products WHERE slug = $1)`, p.Slug).Scan(&path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "media", filepath.FromSlash(path[len("/media/"):])))
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, image.NewNRGBA(image.Rect(0, 0, 800, 600))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := m.db.Exec(`UPDATE product_images SET width = 800, height = 600 WHERE path = $1`, path); err != nil {
		t.Fatal(err)
	}
	// A second photo, so that the page has thumbnails.
	if _, err := m.db.Exec(`INSERT INTO product_images (product_id, path, alt_ja, alt_en, position, width, height)
		SELECT product_id, path, '二枚目', 'Second', 1, 800, 600 FROM product_images WHERE path = $1`, path); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, 90*time.Second)
	for _, width := range []int64{390, 1280} {
		for _, lang := range []string{"ja", "en"} {
			b.run(t, "set the screen", chromedp.EmulateViewport(width, 900))
			b.navigate(t, "open the product page", chromedp.Navigate(base+"/products/"+p.Slug+"?lang="+lang))
			waitFor(t, b, 10*time.Second, "the photo loads", `document.querySelector('#photo-0').complete`)
			size := eval[[]float64](t, b, `(() => { const r = document.querySelector('#photo-0').getBoundingClientRect(); return [r.width, r.height]; })()`)
			if len(size) != 2 || size[1] == 0 || math.Abs(size[0]/size[1]-4.0/3.0) > 0.02 {
				t.Errorf("%dpx %s: the 800×600 photo is drawn %v, want 4:3", width, lang, size)
			}
			shown := `['photo-0', 'photo-1'].map(id => getComputedStyle(document.getElementById(id)).display !== 'none')`
			if got := eval[[]bool](t, b, shown); len(got) != 2 || !got[0] || got[1] {
				t.Errorf("%dpx %s: photos shown %v before a thumbnail is chosen, want the first only", width, lang, got)
			}
			b.run(t, "choose the second thumbnail", chromedp.Click(chromedp.CSS(`.thumbs a[href="#photo-1"]`)))
			waitFor(t, b, 10*time.Second, "the second photo shows", `location.hash === '#photo-1'`)
			if got := eval[[]bool](t, b, shown); len(got) != 2 || got[0] || !got[1] {
				t.Errorf("%dpx %s: photos shown %v after choosing the second thumbnail, want the second only", width, lang, got)
			}
			b.navigate(t, "add to cart", chromedp.Click(chromedp.CSS(`form.add button[type="submit"]`)))
			button := eval[[]string](t, b, `(() => { const a = document.querySelector('a.button[href="/checkout"]'); const s = getComputedStyle(a); return [s.backgroundColor, s.color, String(a.getBoundingClientRect().height >= 44)]; })()`)
			if len(button) != 3 || button[0] != "rgb(181, 69, 43)" || button[1] != "rgb(255, 255, 255)" || button[2] != "true" {
				t.Errorf("%dpx %s: the checkout link is drawn %q, want a red button", width, lang, button)
			}
			for _, page := range []string{"/cart", "/checkout", "/products/" + p.Slug} {
				b.navigate(t, "open "+page, chromedp.Navigate(base+page))
				if w := eval[float64](t, b, `document.documentElement.scrollWidth`); w > float64(width) {
					t.Errorf("%dpx %s: %s is %vpx wide", width, lang, page, w)
				}
			}
		}
	}
}
