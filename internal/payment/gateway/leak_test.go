package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"kaede/internal/payment"
	"kaede/internal/payment/gateway"
)

// TestCardDataNeverLeaves drives every path a card can take — every test
// card, the challenge passed and failed, form errors, capture and refund —
// and then scans everything the gateway produced: the API's and the
// pages' responses (bodies, headers, redirects), the webhooks, the log,
// the data file and the event list. The full number, the expiry and the
// security code must be in none of them; brand and last four may be.
func TestCardDataNeverLeaves(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var numbers []string
	for _, tc := range gateway.TestCards {
		sess := h.create(t, payment.CaptureManual)
		csc := testCSC
		if tc.Brand == "amex" {
			csc = testAmexCSC
		}
		p := h.payWith(t, sess, tc.Number, testExpiry, csc)
		if tc.Challenge != gateway.Frictionless {
			h.submit(t, p, "/3ds/"+sess.Ref, map[string]string{"code": gateway.ChallengeCode})
		}
		numbers = append(numbers, tc.Number)
		if tc.Outcome == payment.Authorized {
			if _, err := h.client.Capture(ctx, sess.Ref, testAmount, randomKey()); err != nil {
				t.Fatal(err)
			}
			if _, err := h.client.Refund(ctx, sess.Ref, 100, randomKey()); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Cards outside the table, which the card page's list of test cards
	// does not print.
	for _, n := range []string{"4111 1111 1111 1111", "5105-1051-0510-5100", "3566002020360505"} {
		sess := h.create(t, payment.CaptureAutomatic)
		h.payWith(t, sess, n, testExpiry, testCSC)
		numbers = append(numbers, n)
	}
	// A wrong challenge code, and form errors that send the card back.
	sess := h.create(t, payment.CaptureAutomatic)
	h.submit(t, h.payWith(t, sess, "4000 0000 0000 3220", testExpiry, testCSC), "/3ds/"+sess.Ref, map[string]string{"code": "999999"})
	for _, bad := range []struct{ number, expiry, csc string }{
		{"4242 4242 4242 4241", testExpiry, testCSC}, // Luhn
		{"4012 8888 8888 1881", "13/37", testCSC},    // month
		{"4012 8888 8888 1881", testExpiry, "73"},    // code
		{"3782 822463 10005", testExpiry, testCSC},   // amex with 3 digits
	} {
		sess := h.create(t, payment.CaptureAutomatic)
		h.payWith(t, sess, bad.number, bad.expiry, bad.csc)
		numbers = append(numbers, bad.number)
	}
	// Wait for the last webhooks, then stop the gateway so the file is final.
	h.waitEvent(t, sess.Ref, payment.Failed)
	h.gw.Close()

	sc := newScanner(numbers, []string{testExpiry, "13/37", "11%2F37", "13%2F37"}, []string{testCSC, testAmexCSC, "73", "1137", "1337"})
	for _, x := range h.rec.all() {
		where := "response " + x.URL
		sc.text(t, where+" URL", x.URL)
		for k, vs := range x.Header {
			for _, v := range vs {
				sc.text(t, where+" header "+k, v)
			}
		}
		if strings.HasPrefix(x.Header.Get("Content-Type"), "application/json") {
			sc.json(t, where, x.Body)
		} else {
			sc.html(t, where, x.Body)
		}
	}
	hooks := h.store.hooks()
	if len(hooks) == 0 {
		t.Fatal("no webhooks to scan")
	}
	for _, hk := range hooks {
		sc.text(t, "webhook signature", hk.Signature)
		sc.json(t, "webhook", hk.Body)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "payment changed") {
		t.Fatal("no log lines to scan")
	}
	lines := bufio.NewScanner(strings.NewReader(logs))
	for lines.Scan() {
		sc.json(t, "log", lines.Bytes())
	}
	file, err := os.ReadFile(h.dataFile)
	if err != nil {
		t.Fatal(err)
	}
	sc.json(t, "data file", file)
	events, _ := json.Marshal(h.gw.Events(""))
	sc.json(t, "events", events)
	if !bytes.Contains(file, []byte(`"last4":"4242"`)) {
		t.Fatal("the data file has no last4: did the payments happen?")
	}
}

// scanner looks for card data. Full numbers and "MM/YY" cannot appear by
// chance, so any text is searched for them; a security code or a bare
// "MMYY" can (inside a random id or a signature), so those are compared
// with whole values: a JSON value, an attribute, a word of a page's text,
// a URL's query value.
type scanner struct {
	numbers []string // digits only, as typed, and all but the last four
	texts   []string // expiry forms: found anywhere is a leak
	codes   []string // security codes and bare expiries: a whole value equal to one is a leak
}

func newScanner(numbers, texts, codes []string) *scanner {
	sc := &scanner{texts: texts, codes: codes}
	for _, n := range numbers {
		digits := strings.NewReplacer(" ", "", "-", "").Replace(n)
		sc.numbers = append(sc.numbers, n, digits, digits[:len(digits)-4])
	}
	return sc
}

// text checks a URL or a header: no number or expiry anywhere, and no
// query value that is a code.
func (sc *scanner) text(t *testing.T, where, s string) {
	t.Helper()
	sc.value(t, where, s)
	if u, err := url.Parse(s); err == nil {
		for _, vs := range u.Query() {
			for _, v := range vs {
				sc.value(t, where+" query", v)
			}
		}
	}
}

// json checks every key and value of a JSON document.
func (sc *scanner) json(t *testing.T, where string, b []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: not JSON: %v", where, err)
	}
	var visit func(path string, v any)
	visit = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				switch strings.ToLower(k) {
				case "number", "card_number", "pan", "csc", "cvc", "cvv", "expiry", "exp", "exp_month", "exp_year":
					t.Errorf("%s: has a card field %q", where, path+"."+k)
				}
				visit(path+"."+k, x)
			}
		case []any:
			for _, x := range v {
				visit(path+"[]", x)
			}
		case string:
			sc.value(t, where+" "+path, v)
		case float64:
			for _, c := range sc.codes {
				if strings.TrimSuffix(strings.TrimRight(jsonNumber(v), "0"), ".") == c {
					t.Errorf("%s %s: number equal to security code %s", where, path, c)
				}
			}
		}
	}
	visit("$", v)
}

func jsonNumber(f float64) string { b, _ := json.Marshal(f); return string(b) + "." }

// value checks a whole string value: its words are compared to the codes.
// Base64 and hex values (ids, tokens) are skipped for the codes, where
// three digits occur by chance, but not for numbers and expiries.
func (sc *scanner) value(t *testing.T, where, s string) {
	t.Helper()
	for _, n := range sc.numbers {
		if strings.Contains(s, n) {
			t.Errorf("%s: holds card number %q", where, n)
		}
	}
	for _, x := range sc.texts {
		if strings.Contains(s, x) {
			t.Errorf("%s: holds expiry %q", where, x)
		}
	}
	for _, c := range sc.codes {
		if strings.TrimSpace(s) == c {
			t.Errorf("%s: value is security code %q", where, c)
		}
	}
}

// html checks every text and attribute of a page, except the card page's
// printed list of test cards, which is the same on every page whatever was
// typed (the cards outside that list are checked there too).
func (sc *scanner) html(t *testing.T, where string, b []byte) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if list := byID(doc, "test-cards"); list != nil {
		if table := text(list); !strings.Contains(table, "4242 4242 4242 4242") {
			t.Fatalf("%s: test card list changed", where)
		}
		list.Parent.RemoveChild(list)
	}
	walk(doc, func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			sc.value(t, where+" text", n.Data)
			for _, c := range sc.codes {
				for _, w := range strings.Fields(n.Data) {
					if w == c {
						t.Errorf("%s: text shows security code %q", where, c)
					}
				}
			}
		case html.ElementNode:
			for _, a := range n.Attr {
				sc.value(t, where+" <"+n.Data+" "+a.Key+">", a.Val)
			}
		}
	})
}
