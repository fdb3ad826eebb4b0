package incident_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"kaede/internal/audit"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/incident/scopetest"
	"kaede/internal/shop"
)

// cardNumber is anything that could be a card number: 13 to 19 digits in
// a row, with or without spaces or hyphens between groups.
var cardNumber = regexp.MustCompile(`\d(?:[ -]?\d){12,18}`)

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read CSV: %v\n%s", err, b)
	}
	return rows
}

// csvShop is the scope shop with two awkward customers: one whose name is
// a formula, one whose name Shift_JIS cannot hold.
func csvShop(t *testing.T, d *db.DB) (*scopeShop, incident.Scope) {
	t.Helper()
	s := newScopeShop(t, d)
	formula := scopetest.Address
	formula.Name, formula.Line2 = `=HYPERLINK("http://evil.example/","請求書")`, "-1"
	s.shop.Order(scopetest.Order{Email: "x@example.jp", At: windowFrom.Add(70 * 24 * time.Hour), Address: &formula})
	rare := scopetest.Address
	rare.Name, rare.Line1 = "髙橋 𠮷子", "1〜2丁目"
	s.shop.Order(scopetest.Order{Email: "y@example.jp", At: windowFrom.Add(80 * 24 * time.Hour), Address: &rare,
		Payments: []scopetest.Payment{{Brand: "visa", Last4: "4242", Ref: "pi_card_y"}}})
	q := s.query()
	q.Methods = []string{"card"}
	sc, err := s.svc.SaveScope(s.ctx, s.inc.ID, q, owner)
	if err != nil {
		t.Fatal(err)
	}
	return s, sc
}

func TestCustomersCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, sc := csvShop(t, d)
		var utf8 bytes.Buffer
		ex, err := s.svc.ExportCustomers(s.ctx, &utf8, sc.ID, incident.UTF8, owner)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Rows != sc.Customers || ex.Replaced != 0 {
			t.Fatalf("export %+v, want %d rows and nothing replaced", ex, sc.Customers)
		}
		if !bytes.HasPrefix(utf8.Bytes(), []byte("\uFEFF")) || !bytes.Contains(utf8.Bytes(), []byte("\r\n")) {
			t.Errorf("UTF-8 export without a byte-order mark or CRLF")
		}
		rows := readCSV(t, bytes.TrimPrefix(utf8.Bytes(), []byte("\uFEFF")))
		if !slices.Equal(rows[0], incident.CustomersHeader) || len(rows) != sc.Customers+1 {
			t.Fatalf("header %v and %d rows", rows[0], len(rows))
		}
		byEmail := map[string][]string{}
		for _, r := range rows[1:] {
			if len(r) != len(incident.CustomersHeader) {
				t.Fatalf("row %v has %d cells", r, len(r))
			}
			byEmail[r[1]] = r
		}
		x := byEmail["x@example.jp"]
		if x[3] != `'=HYPERLINK("http://evil.example/","請求書")` || x[9] != "'-1" {
			t.Errorf("formula cells %q %q, want them behind an apostrophe", x[3], x[9])
		}
		a := byEmail["A@Example.JP"]
		if a[10] != "2" || a[11] != s.numbers["a1"]+"、"+s.numbers["a2"] || a[12] != "2019/08/28、2019/09/07" ||
			a[13] != "VISA 4242、MASTERCARD 5454" {
			t.Errorf("a@'s orders %q", a[10:])
		}
		b := byEmail["b@example.jp"]
		if b[2] == "" || b[3] != "佐藤 花子" || b[6] != "大阪府" {
			t.Errorf("b@ %q, want the member's number and default address", b)
		}
		if m := cardNumber.Find(utf8.Bytes()); m != nil {
			t.Errorf("export holds %q, which could be a card number", m)
		}

		var sjis bytes.Buffer
		ex, err = s.svc.ExportCustomers(s.ctx, &sjis, sc.ID, incident.ShiftJIS, owner)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Replaced != 1 {
			t.Errorf("replaced %d characters, want 1 (𠮷)", ex.Replaced)
		}
		decoded, err := japanese.ShiftJIS.NewDecoder().Bytes(sjis.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		back := readCSV(t, decoded)
		want := readCSV(t, bytes.TrimPrefix(utf8.Bytes(), []byte("\uFEFF")))
		for i := range want {
			for j := range want[i] {
				w := strings.NewReplacer("𠮷", incident.Replacement, "〜", "～").Replace(want[i][j])
				if back[i][j] != w {
					t.Errorf("Shift_JIS row %d cell %d: %q, want %q", i, j, back[i][j], w)
				}
			}
		}
		if !strings.Contains(string(decoded), "髙橋 〓子") {
			t.Errorf("the IBM kanji 髙 did not survive, or 𠮷 was not marked")
		}

		if _, err := s.svc.ExportCustomers(s.ctx, &sjis, sc.ID, "latin1", owner); fields(err)["encoding"] == "" {
			t.Errorf("unknown encoding: %v", err)
		}
		entries, err := audit.List(s.ctx, d, audit.Filter{Action: "incident.scope.export_customers"})
		if err != nil || len(entries) != 2 {
			t.Fatalf("audit %v %v, want one entry per export", entries, err)
		}
		var after map[string]any
		json.Unmarshal([]byte(entries[0].After), &after)
		if after["rows"] != float64(sc.Customers) || after["scope"] != float64(sc.ID) {
			t.Errorf("audit entry %s", entries[0].After)
		}
	})
}

func TestAcquirerCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, sc := csvShop(t, d)
		var out bytes.Buffer
		ex, err := s.svc.ExportAcquirer(s.ctx, &out, sc.ID, incident.UTF8, owner)
		if err != nil {
			t.Fatal(err)
		}
		rows := readCSV(t, bytes.TrimPrefix(out.Bytes(), []byte("\uFEFF")))
		want := []string{"取引日時", "金額", "カードブランド", "カード下4桁", "決済ID", "注文番号"}
		if !slices.Equal(rows[0], want) {
			t.Fatalf("header %q, want %q", rows[0], want)
		}
		// 8 card orders, g@'s with two attempts.
		if ex.Rows != 9 || len(rows) != 10 {
			t.Fatalf("%d rows (%d written), want 9", ex.Rows, len(rows)-1)
		}
		var y []string
		for _, r := range rows[1:] {
			if len(r) != 6 {
				t.Fatalf("row %q: %d cells, want 6", r, len(r))
			}
			if r[5] == s.numbers["c-bank"] || r[5] == s.numbers["e-at-to"] {
				t.Errorf("row %q is not a card transaction in scope", r)
			}
			if r[4] == "pi_card_y" {
				y = r
			}
		}
		at := windowFrom.Add(80 * 24 * time.Hour).In(shop.JST).Format("2006/01/02 15:04:05")
		if !slices.Equal(y, []string{at, "5500", "visa", "4242", "pi_card_y", y[5]}) || !strings.HasPrefix(y[5], "K2019") {
			t.Errorf("y@'s transaction %q", y)
		}
		if m := cardNumber.Find(out.Bytes()); m != nil {
			t.Errorf("export holds %q, which could be a card number", m)
		}
		entries, err := audit.List(s.ctx, d, audit.Filter{Action: "incident.scope.export_acquirer"})
		if err != nil || len(entries) != 1 || entries[0].Actor != owner.Name {
			t.Fatalf("audit %v %v", entries, err)
		}
	})
}
