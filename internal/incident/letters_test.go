package incident_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/incident"
	"kaede/internal/pdfdoc/pdftext"
	"kaede/internal/shop"
)

// compact drops spaces and line ends, which text extraction may add or
// lose between positioned runs and at wrapped lines.
func compact(s string) string {
	return strings.NewReplacer(" ", "", "　", "", "\n", "").Replace(s)
}

func TestLettersOnePagePerCustomer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := customers(6)
		// Many orders: the letter lists three and sums up the rest.
		for len(cs[0].Orders) < 8 {
			o := cs[0].Orders[0]
			o.Number += "-" + string(rune('A'+len(cs[0].Orders)))
			cs[0].Orders = append(cs[0].Orders, o)
		}
		cs[5].Line1, cs[5].City, cs[5].Line2 = "", "", "" // no postal address: no letter
		e := newCampaignEnv(t, d, nil, cs)
		e.prepare()
		var buf bytes.Buffer
		n, err := e.c.WriteLetters(e.ctx, e.id, &buf, incident.LetterPart{}, owner)
		if err != nil {
			t.Fatal(err)
		}
		pages := pdftext.Pages(t, buf.Bytes())
		if n != 5 || len(pages) != 5 {
			t.Fatalf("letters: %d reported, %d pages, want 5", n, len(pages))
		}
		for i, c := range cs[:5] {
			text := compact(pages[i])
			want := []string{compact(c.Name) + "様", "〒" + c.PostalCode[:3] + "-" + c.PostalCode[3:],
				compact(c.Prefecture + c.City + c.Line1), compact(c.Line2), "2020年11月10日", "敬具", "拝啓",
				"深くお詫び申し上げます", "【漏えいした可能性のある情報】", "【原因】", "【お問い合わせ窓口】",
				"株式会社楓商会", "代表楓太郎", "03-0000-0000", "ご注文番号" + c.Orders[0].Number,
				"カード番号末尾" + c.Orders[0].Last4}
			if i == 0 {
				want = append(want, "ほか5件")
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("letter %d lacks %q:\n%s", i+1, w, pages[i])
				}
			}
			for j, other := range cs[:5] {
				if j != i && strings.Contains(text, compact(other.Line1)) {
					t.Errorf("letter %d holds the address of customer %d", i+1, j+1)
				}
			}
			if run := panRun(pages[i]); run != "" {
				t.Errorf("letter %d holds a card number %q", i+1, run)
			}
		}
		// A part: the fourth letter on, at most ten.
		buf.Reset()
		n, err = e.c.WriteLetters(e.ctx, e.id, &buf, incident.LetterPart{Offset: 3, Limit: 10}, owner)
		if err != nil || n != 2 {
			t.Fatalf("part: %d letters %v, want 2", n, err)
		}
		if pages := pdftext.Pages(t, buf.Bytes()); len(pages) != 2 || !strings.Contains(compact(pages[0]), compact(cs[3].Name)) {
			t.Fatalf("part: %d pages, first %q", len(pages), pages[0])
		}
		if _, err := e.c.WriteLetters(e.ctx, e.id, &buf, incident.LetterPart{Offset: 5}, owner); shop.ErrorCode(err) != shop.Conflict {
			t.Fatalf("part past the end: %v, want Conflict", err)
		}
		entries := campaignAudit(t, d, "incident.campaign.letters")
		if len(entries) != 2 || !strings.Contains(entries[1].After, `"letters":5`) || !strings.Contains(entries[0].After, `"letters":2`) {
			t.Fatalf("audit entries %+v, want one for 5 letters and one for 2", entries)
		}
	})
}

func TestLabelList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := customers(4)
		cs[1].Name = "=HYPERLINK(\"http://evil.example\")"
		cs[0].Line2 = "＠ハイツ"       // full-width: Japanese Excel reads it as @
		cs[2].Email = "no address" // its e-mail fails: flagged
		cs[3].City = "大阪市北区〜"      // a wave dash, as a Mac types it
		e := newCampaignEnv(t, d, nil, cs)
		e.prepare()
		e.tested()
		if _, err := e.c.Send(e.ctx, e.id, incident.SendOptions{}, owner); err != nil {
			t.Fatal(err)
		}
		for _, enc := range []incident.Encoding{incident.UTF8, incident.ShiftJIS} {
			var buf bytes.Buffer
			res, err := e.c.WriteLabels(e.ctx, e.id, &buf, enc, owner)
			if err != nil || res.Rows != 4 || len(res.Replaced) != 0 {
				t.Fatalf("%s: %+v %v", enc, res, err)
			}
			raw := buf.Bytes()
			if enc == incident.UTF8 {
				if !bytes.HasPrefix(raw, []byte("\uFEFF")) {
					t.Fatalf("UTF-8 labels have no byte-order mark")
				}
				raw = raw[3:]
			} else {
				raw, err = japanese.ShiftJIS.NewDecoder().Bytes(raw)
				if err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Contains(raw, []byte("\r\n")) {
				t.Errorf("%s: lines do not end with CRLF", enc)
			}
			rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", enc, err)
			}
			if len(rows) != 5 || strings.Join(rows[0], ",") != strings.Join(incident.LabelHeader, ",") {
				t.Fatalf("%s: rows %q", enc, rows)
			}
			for i, c := range cs {
				row := rows[i+1]
				if row[0] != c.PostalCode || row[4] != "様" || strings.TrimPrefix(row[2], "'") != c.Line2 {
					t.Errorf("%s row %d: %q", enc, i+1, row)
				}
				if (row[5] == "不達") != (i == 2) {
					t.Errorf("%s row %d: e-mail flag %q", enc, i+1, row[5])
				}
			}
			if rows[2][3] != "'"+cs[1].Name {
				t.Errorf("%s: formula name written as %q, want it defused", enc, rows[2][3])
			}
			if !strings.HasPrefix(rows[1][3], cs[0].Name) || rows[1][2] != "'＠ハイツ" {
				t.Errorf("%s: row %q", enc, rows[1])
			}
			if run := panRun(string(raw)); run != "" {
				t.Errorf("%s: labels hold a card number %q", enc, run)
			}
		}
		if n := len(campaignAudit(t, d, "incident.campaign.labels")); n != 2 {
			t.Errorf("incident.campaign.labels entries=%d, want 2", n)
		}
		if _, err := e.c.WriteLabels(e.ctx, e.id, &bytes.Buffer{}, "latin1", owner); shop.ErrorFields(err)["encoding"] != shop.ReasonChoice {
			t.Errorf("unknown encoding: %v", err)
		}
	})
}

func TestLabelsMarkWhatShiftJISCannotHold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cs := customers(2)
		cs[1].Name = "𠮷田 花子"
		e := newCampaignEnv(t, d, nil, cs)
		e.prepare()
		var buf bytes.Buffer
		res, err := e.c.WriteLabels(e.ctx, e.id, &buf, incident.ShiftJIS, owner)
		if err != nil || res.Rows != 2 || len(res.Replaced) != 1 {
			t.Fatalf("Shift_JIS with 𠮷: %+v %v, want one replaced", res, err)
		}
		text, err := japanese.ShiftJIS.NewDecoder().String(buf.String())
		if err != nil || !strings.Contains(text, "〓田 花子") {
			t.Fatalf("Shift_JIS labels %q %v, want 〓田", text, err)
		}
		if entries := campaignAudit(t, d, "incident.campaign.labels"); len(entries) != 1 || !strings.Contains(entries[0].After, `"replaced":[`) {
			t.Fatalf("audit %+v, want the replaced recipients", entries)
		}
		buf.Reset()
		if _, err := e.c.WriteLabels(e.ctx, e.id, &buf, incident.UTF8, owner); err != nil || !strings.Contains(buf.String(), "𠮷田") {
			t.Fatalf("UTF-8 with 𠮷: %v", err)
		}
	})
}
