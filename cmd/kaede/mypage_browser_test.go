package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserMyPage signs up and logs in as a customer would, adds a
// product to お気に入り with the product page's plain form, and opens my
// page's new pages on a 390-px phone: nothing wider than the screen, no
// CSP violation, and the favourite listed.
func TestBrowserMyPage(t *testing.T) {
	chromiumPath(t)
	m, _ := startLogged(t, Config{DataDir: t.TempDir()})
	base := m.URL()
	p := buyableProduct(t, base)
	b := newBrowser(t, 120*time.Second)
	b.watchCSP(t)
	b.run(t, "set the screen", chromedp.EmulateViewport(390, 900))

	const email, password = "mypage@example.jp", "correct horse battery"
	b.navigate(t, "open the sign-up form", chromedp.Navigate(base+"/register"))
	b.navigate(t, "sign up",
		chromedp.SetValue(field("email"), email), chromedp.SetValue(field("password"), password),
		chromedp.SetValue(field("password_confirm"), password), chromedp.SetValue(field("name"), "鍼灸 太郎"),
		chromedp.SetValue(field("name_kana"), "シンキュウ タロウ"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type="submit"]`)))
	b.navigate(t, "open the log-in form", chromedp.Navigate(base+"/login"))
	b.navigate(t, "log in", chromedp.SetValue(field("email"), email), chromedp.SetValue(field("password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)))

	b.navigate(t, "open the product page", chromedp.Navigate(base+"/products/"+p.Slug))
	b.navigate(t, "add to favourites", chromedp.Click(chromedp.CSS(`form[action="/favourites/`+p.Slug+`"] button`)))
	if !eval[bool](t, b, `document.querySelector('form[action="/favourites/`+p.Slug+`/delete"]') !== null`) {
		t.Fatal("after adding, the product page does not offer to remove the favourite")
	}
	for _, page := range []string{"/account", "/account/favourites", "/account/orders", "/account/profile", "/account/email",
		"/account?lang=en", "/account/favourites?lang=en"} {
		b.navigate(t, "open "+page, chromedp.Navigate(base+page))
		if w := eval[float64](t, b, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("%s is %vpx wide on a 390-px phone", page, w)
		}
		if v := cspViolations(t, b); len(v) != 0 {
			t.Errorf("%s: CSP violations %q", page, v)
		}
		if strings.HasPrefix(page, "/account/favourites") &&
			!eval[bool](t, b, `document.querySelector('a[href="/products/`+p.Slug+`"]') !== null`) {
			t.Errorf("%s does not list the favourite", page)
		}
	}
}
