package gateway

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the gateway's HTML pages, each the layout around one content
// block. The files are embedded, so a running gateway's pages cannot be
// changed on disk (the attack of the 2019–2021 skimming cases).
var pages = parsePages("card", "challenge", "result", "error", "konbini", "paypay")

// parsePages parses each page with the layout.
func parsePages(names ...string) map[string]*template.Template {
	funcs := template.FuncMap{"describe": describeCard}
	m := map[string]*template.Template{}
	for _, n := range names {
		m[n] = template.Must(template.New(n).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html"))
	}
	return m
}

// pageData is what the pages show. It never holds anything the customer
// typed for a card.
type pageData struct {
	Nonce      string
	Title      string
	ID         string
	Order      string
	Amount     shop.Yen
	Brand      string
	Last4      string
	CSRF       string
	CancelCSRF string
	Errors     map[string]string // field → sentence
	Cards      []TestCard
	Code       string
	Result     string // paid, declined, cancelled
	BackURL    string
	Message    string
	// A konbini voucher: the number, the stores, the expiry (Tokyo time),
	// and whether it has passed.
	VoucherNumber string
	Stores        []string
	Expires       string
	Expired       bool
}

// maxFormBody bounds a form post: a card form is a few hundred bytes.
const maxFormBody = 16 << 10

// page wraps a customer page: cross-site posts are refused (on top of the
// CSRF token, for browsers that send Sec-Fetch-Site or Origin), and a form
// body is small.
func (s *Server) page(h http.HandlerFunc) http.Handler {
	cop := http.NewCrossOriginProtection()
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		h(w, r)
	}))
}

// render writes a page with its headers. The page is executed into a
// buffer first, so a template error is a clean 500 and not half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data pageData, formTargets ...string) {
	data.Nonce = pageHeaders(w, formTargets...)
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render page", "page", name, "payment", data.ID, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows a page with one message, for a payment that cannot be
// shown or a form that cannot be accepted.
func (s *Server) renderError(w http.ResponseWriter, status int, message string) {
	s.render(w, status, "error", pageData{Title: "エラー Error", Message: message})
}

// The messages of the error page.
const (
	msgNotFound = "お支払いが見つかりません。Payment not found."
	msgCSRF     = "フォームの有効期限が切れました。ページを読み込み直してください。The form has expired; please reload the page."
	msgInternal = "エラーが発生しました。しばらくしてからお試しください。Something went wrong; please try again later."
)

// csrfToken binds a form to one payment and one purpose: an HMAC, so the
// gateway keeps no token state, and a token from one payment's page is
// worth nothing on another's.
func (s *Server) csrfToken(purpose, id string) string {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte(purpose + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// validCSRF checks the posted token in constant time.
func (s *Server) validCSRF(r *http.Request, purpose, id string) bool {
	got := r.PostFormValue("csrf_token")
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.csrfToken(purpose, id))) == 1
}

// renderCard shows the card form, with the problems of a refused post.
func (s *Server) renderCard(w http.ResponseWriter, status int, rec record, problems shop.Problems) {
	data := s.paymentData(rec, "カード情報の入力 Card details")
	data.CSRF = s.csrfToken("card", rec.ID)
	data.Cards = TestCards
	data.Errors = fieldMessages(problems)
	s.render(w, status, "card", data, rec.ReturnURL, rec.CancelURL)
}

// renderChallenge shows the 3-D Secure challenge.
func (s *Server) renderChallenge(w http.ResponseWriter, status int, rec record, problems shop.Problems) {
	data := s.paymentData(rec, "本人認証 Authentication")
	data.CSRF = s.csrfToken("3ds", rec.ID)
	data.Code = ChallengeCode
	data.Errors = fieldMessages(problems)
	s.render(w, status, "challenge", data, rec.ReturnURL, rec.CancelURL)
}

// renderResult shows how a finished payment ended, and the way back to
// the shop. Declines and failures say only that the card could not be
// used: the reason would teach a card tester which numbers are live.
func (s *Server) renderResult(w http.ResponseWriter, rec record) {
	data := s.paymentData(rec, "お支払い結果 Payment result")
	data.BackURL = withPayment(rec.ReturnURL, rec.ID)
	switch {
	case rec.State.Succeeded():
		data.Result = "paid"
	case rec.State == payment.Cancelled:
		data.Result = "cancelled"
		data.BackURL = withPayment(rec.CancelURL, rec.ID)
	default:
		data.Result = "declined"
	}
	s.render(w, http.StatusOK, "result", data)
}

// paymentData is what every page of a payment shows.
func (s *Server) paymentData(rec record, title string) pageData {
	return pageData{
		Title: title, ID: rec.ID, Order: rec.Order, Amount: rec.Amount, Brand: rec.Brand,
		Last4: rec.Last4, CancelCSRF: s.csrfToken(formOf(rec), rec.ID),
	}
}

// withPayment appends ?payment=<id> to a shop URL: the one thing the
// customer carries back. The shop asks the API for the rest.
func withPayment(raw, id string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set("payment", id)
	u.RawQuery = q.Encode()
	return u.String()
}

// fieldMessages turns field reasons into the sentences the page shows.
func fieldMessages(p shop.Problems) map[string]string {
	if len(p) == 0 {
		return nil
	}
	m := map[string]string{}
	for field, reason := range p {
		msg, ok := messages[field+"."+reason]
		if !ok {
			msg = messages[field+"."+shop.ReasonFormat]
		}
		m[field] = msg
	}
	return m
}

// messages are the field errors, in Japanese with English beside.
var messages = map[string]string{
	"name." + shop.ReasonRequired:   "カード名義を入力してください。Enter the name on the card.",
	"name." + shop.ReasonLength:     "カード名義は100文字以内で入力してください。The name is too long.",
	"name." + shop.ReasonFormat:     "カード名義をカードの表記どおりに入力してください。Enter the name as printed on the card.",
	"number." + shop.ReasonRequired: "カード番号を入力してください。Enter the card number.",
	"number." + shop.ReasonFormat:   "カード番号は数字12〜19桁で入力してください。Enter the card number: 12 to 19 digits.",
	"number." + reasonLuhn:          "カード番号に誤りがあります。もう一度ご確認ください。The card number is not valid; please check it.",
	"expiry." + shop.ReasonRequired: "有効期限を入力してください。Enter the expiry date.",
	"expiry." + shop.ReasonFormat:   "有効期限は「月/年」（例：08/29）で入力してください。Enter the expiry as MM/YY, e.g. 08/29.",
	"expiry." + reasonExpired:       "有効期限が過ぎています。The card has expired.",
	"csc." + shop.ReasonRequired:    "セキュリティコードを入力してください。Enter the security code.",
	"csc." + shop.ReasonFormat:      "セキュリティコードは3桁（American Expressは4桁）の数字です。The security code is 3 digits (4 for American Express).",
	"code." + shop.ReasonRequired:   "ワンタイムパスワードを入力してください。Enter the one-time code.",
	"code." + shop.ReasonFormat:     "ワンタイムパスワードは6桁の数字です。The one-time code is 6 digits.",
}

// describeCard says what a test card does, for the table on the card page.
func describeCard(tc TestCard) string {
	var b strings.Builder
	switch tc.Challenge {
	case ChallengePasses:
		b.WriteString("本人認証あり（コード " + ChallengeCode + "）With challenge (code " + ChallengeCode + "). ")
	case ChallengeFails:
		b.WriteString("本人認証に失敗 Challenge fails. ")
	}
	switch tc.Outcome {
	case payment.Authorized:
		b.WriteString("成功 Succeeds")
	case payment.Declined:
		b.WriteString("拒否 Declined: " + tc.Reason)
	default:
		b.WriteString("失敗 Fails: " + tc.Reason)
	}
	return b.String()
}
