package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/member"
)

// byID finds the element with the id, or nil.
func byID(root *html.Node, id string) *html.Node {
	var found *html.Node
	walk(root, func(n *html.Node) {
		if v, ok := attr(n, "id"); ok && v == id && found == nil {
			found = n
		}
	})
	return found
}

// linksTo lists the texts of the links to href.
func linksTo(root *html.Node, href string) []string {
	var out []string
	walk(root, func(n *html.Node) {
		if v, ok := attr(n, "href"); ok && n.Data == "a" && v == href {
			out = append(out, strings.TrimSpace(text(n)))
		}
	})
	return out
}

// After approval my page stops offering 「免許を申請する」 and the licence
// page stops showing the form.
func TestLicenceLinkAfterApproval(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		b := e.browser()
		b.register("hari@example.jp")
		home := func() []string { return linksTo(parseHTML(t, b.get("/account").body), "/account/licence") }
		if got := home(); !contains(got, "免許を申請する") {
			t.Fatalf("before applying, licence links %q, want 「免許を申請する」", got)
		}
		res := b.submit("/account/licence", "/account/licence", url.Values{"licence_type": {member.LicenceTypes[0].Key}, "licence_number": {"123456"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.StatusCode)
		}
		if got := home(); contains(got, "免許を申請する") || !contains(got, "申請内容を見る") {
			t.Fatalf("pending: licence links %q", got)
		}
		var id int64
		if err := d.QueryRowContext(context.Background(), `SELECT id FROM licences`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := e.members.ReviewLicence(context.Background(), id, true, "staff@example.jp", ""); err != nil {
			t.Fatal(err)
		}
		got := home()
		if contains(got, "免許を申請する") || contains(got, "施術者免許の申請") || !contains(got, "申請内容を見る") {
			t.Errorf("approved: licence links %q, want no offer to apply", got)
		}
		page := parseHTML(t, b.get("/account/licence").body)
		if byID(page, "licence-approved") == nil || strings.Contains(text(page), "免許を申請する") {
			t.Errorf("approved licence page still offers the form:\n%s", text(page))
		}
		walk(page, func(el *html.Node) {
			if a, _ := attr(el, "action"); el.Data == "form" && a == "/account/licence" {
				t.Error("approved licence page has the licence form")
			}
		})
		if en := b.get("/account?lang=en").body; strings.Contains(en, "Submit a licence") {
			t.Error("English my page offers to submit a licence after approval")
		}
	})
}

// labelFor is the text of the label of the control with the id.
func labelFor(root *html.Node, id string) string {
	var out string
	walk(root, func(n *html.Node) {
		if v, _ := attr(n, "for"); n.Data == "label" && v == id && out == "" {
			out = strings.Join(strings.Fields(text(n)), " ")
		}
	})
	return out
}

// TestCheckoutPagesAsANewCustomer walks the guest checkout and checks what
// a new customer stumbled on: labels that read as labels with 必須 on every
// required field, the error summary in the form's order, the bank account
// shown once on the confirmation screen with reduced-rate lines marked ※.
func TestCheckoutPagesAsANewCustomer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		b := e.browser()
		if res := b.postForm("/cart/items", formValues(t, b.get("/products/dokudami-tea").body, "/cart/items")); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d", res.StatusCode)
		}
		if got := linksTo(parseHTML(t, b.get("/cart").body), "/checkout"); !contains(got, "ご購入手続きへ進む") {
			t.Errorf("cart links to the checkout %q", got)
		}

		res := b.get("/checkout")
		page := parseHTML(t, res.body)
		for id, want := range map[string]string{
			"f-email": "メールアドレス 必須", "f-name": "お名前 必須", "f-prefecture": "都道府県 必須",
			"f-line2": "建物名・部屋番号 任意", "f-date": "お届け希望日 任意", "f-slot": "お届け希望時間帯 任意",
			"f-note": "ご要望・ご連絡事項 任意",
		} {
			if got := labelFor(page, id); got != want {
				t.Errorf("label of #%s %q, want %q", id, got, want)
			}
		}
		walk(page, func(n *html.Node) {
			if _, req := attr(n, "required"); req && (n.Data == "input" || n.Data == "select") {
				id, _ := attr(n, "id")
				if !strings.Contains(labelFor(page, id), "必須") {
					t.Errorf("required #%s is not marked 必須", id)
				}
			}
		})

		form := formValues(t, res.body, "/checkout/confirm")
		form.Set("shipping_address.city", "千代田区")
		form.Del("payment_method")
		res = b.postForm("/checkout/confirm", form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("empty form: %d", res.StatusCode)
		}
		var summary []string
		walk(parseHTML(t, res.body), func(n *html.Node) {
			if n.Data == "li" && n.Parent != nil {
				if c, _ := attr(n.Parent, "class"); c == "field-errors" {
					summary = append(summary, text(n))
				}
			}
		})
		want := []string{"メールアドレス", "お名前", "フリガナ", "郵便番号", "都道府県", "番地", "電話番号", "お支払い方法"}
		if len(summary) != len(want) {
			t.Fatalf("error summary %q, want one per field of %q", summary, want)
		}
		for i, w := range want {
			if !strings.HasPrefix(summary[i], w) {
				t.Errorf("error %d is %q, want the %s's (form order)", i, summary[i], w)
			}
		}

		form.Set("email", "guest@example.jp")
		form.Set("shipping_address.name", "山田 花子")
		form.Set("shipping_address.name_kana", "ヤマダ ハナコ")
		form.Set("shipping_address.postal_code", "100-0001")
		form.Set("shipping_address.prefecture", "13")
		form.Set("shipping_address.line1", "千代田1-1")
		form.Set("shipping_address.phone", "03-1234-5678")
		form.Set("payment_method", "bank_transfer")
		res = b.postForm("/checkout/confirm", form)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("confirm: %d", res.StatusCode)
		}
		confirm := text(parseHTML(t, res.body))
		if n := strings.Count(confirm, "楓銀行 本店営業部 普通 1234567"); n != 1 {
			t.Errorf("the bank account is on the confirmation %d times, want once:\n%s", n, confirm)
		}
		marks := 0
		walk(parseHTML(t, res.body), func(n *html.Node) {
			if c, _ := attr(n, "class"); c == "reduced-mark" && text(n) == "※" {
				marks++
			}
		})
		if marks != 1 || !strings.Contains(confirm, "※は軽減税率") {
			t.Errorf("reduced-rate marks %d (want 1, the tea) or no legend:\n%s", marks, confirm)
		}
	})
}

// TestProductPhotoSize: a photo's <img> carries its own width and height,
// so an 800×600 photo is drawn 4:3; one of unknown size gets none.
func TestProductPhotoSize(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		if _, err := d.ExecContext(context.Background(), `UPDATE product_images SET width = 800, height = 600
			WHERE product_id = (SELECT id FROM products WHERE slug = 'dokudami-tea')`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(context.Background(), `UPDATE product_images SET width = 0, height = 0
			WHERE product_id = (SELECT id FROM products WHERE slug = 'kuromame-tea')`); err != nil {
			t.Fatal(err)
		}
		img := func(slug string) *html.Node {
			var found *html.Node
			walk(parseHTML(t, e.browser().get("/products/"+slug).body), func(n *html.Node) {
				if n.Data == "img" && found == nil {
					found = n
				}
			})
			if found == nil {
				t.Fatalf("no photo on %s", slug)
			}
			return found
		}
		tea := img("dokudami-tea")
		if w, _ := attr(tea, "width"); w != "800" {
			t.Errorf("width=%q, want 800", w)
		}
		if h, _ := attr(tea, "height"); h != "600" {
			t.Errorf("height=%q, want 600", h)
		}
		other := img("kuromame-tea")
		if _, ok := attr(other, "height"); ok {
			t.Error("a photo of unknown size is given a height")
		}
	})
}

// TestProductGallery: a product with several photos shows the first large
// and a thumbnail of each linking to its large photo (#photo-N, shown by
// CSS :target, no script); a product with one photo has no thumbnails.
func TestProductGallery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		e.seedDemo()
		if _, err := d.ExecContext(context.Background(), `INSERT INTO product_images (product_id, path, alt_ja, alt_en, position, width, height)
			SELECT id, '/media/products/second.png', '二枚目', 'Second', 1, 640, 480 FROM products WHERE slug = 'dokudami-tea'`); err != nil {
			t.Fatal(err)
		}
		page := parseHTML(t, e.browser().get("/products/dokudami-tea").body)
		first, second := byID(page, "photo-0"), byID(page, "photo-1")
		if first == nil || second == nil {
			t.Fatal("no #photo-0 and #photo-1")
		}
		if src, _ := attr(first, "src"); src != "/media/products/dokudami-tea.png" {
			t.Errorf("#photo-0 src=%q, want the first photo", src)
		}
		if alt, _ := attr(second, "alt"); alt != "二枚目" {
			t.Errorf("#photo-1 alt=%q", alt)
		}
		if w, _ := attr(second, "width"); w != "640" {
			t.Errorf("#photo-1 width=%q, want 640", w)
		}
		thumbs := map[string]string{}
		walk(page, func(n *html.Node) {
			if href, ok := attr(n, "href"); ok && n.Data == "a" && strings.HasPrefix(href, "#photo-") {
				walk(n, func(img *html.Node) {
					if img.Data == "img" {
						thumbs[href], _ = attr(img, "alt")
					}
				})
			}
		})
		if thumbs["#photo-0"] == "" || thumbs["#photo-1"] != "二枚目" || len(thumbs) != 2 {
			t.Errorf("thumbnails %v, want one per photo with its alt", thumbs)
		}
		body := e.browser().get("/products/kuromame-tea").body
		if !strings.Contains(body, `id="photo-0"`) || strings.Contains(body, `class="thumbs"`) {
			t.Error("a product with one photo: want it large and no thumbnails")
		}
	})
}
