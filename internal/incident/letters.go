package incident

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/csvcell"
	"kaede/internal/pdfdoc"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// The letters: one A4 page per recipient, the address placed for a 長3
// window envelope (pdfdoc.Letter), written from the campaign's facts; and
// the label list for the same envelopes, for a label printer or the post
// office's software.

// lettersOrders is how many orders a letter lists; more are summed up
// ("ほか3件"), as the page must hold the whole notice.
const lettersOrders = 3

// letter lays out the notice to one person.
func letter(c Customer, f Facts, st settings.Settings, date time.Time, orders int) pdfdoc.Letter {
	address := []string{strings.TrimSpace(c.Prefecture + c.City + c.Line1)}
	if l2 := strings.TrimSpace(c.Line2); l2 != "" {
		address = append(address, l2)
	}
	var list strings.Builder
	list.WriteString("【対象となるご注文】")
	for i, o := range c.Orders {
		if i == orders {
			fmt.Fprintf(&list, "\n・ほか%d件", len(c.Orders)-orders)
			break
		}
		n := noticeOrder(o)
		fmt.Fprintf(&list, "\n・%s　ご注文番号 %s　%s", n.Date, n.Number, n.Card)
	}
	body := []string{
		// An apology goes without the seasonal greeting (時候の挨拶).
		"拝啓　平素は「" + st.ShopName + "」をご利用いただき、誠にありがとうございます。",
		f.What + "お客様には多大なるご迷惑とご心配をおかけいたしますこと、心より深くお詫び申し上げます。",
		list.String(),
		"【漏えいした可能性のある情報】" + f.Leaked,
		"【原因】" + f.Cause,
		"【二次被害のおそれとお客様へのお願い】" + joinNonEmpty(f.Risk, f.Request, f.ReissueFee),
	}
	if f.Measures != "" {
		body = append(body, f.Measures)
	}
	// The desk in two lines: who, then how to reach them.
	desk := "【お問い合わせ窓口】" + f.DeskName + "\n"
	var reach []string
	for _, s := range []struct{ label, v string }{{"電話 ", f.DeskPhone}, {"受付時間 ", f.DeskHours}, {"メール ", f.DeskEmail}} {
		if s.v != "" {
			reach = append(reach, s.label+s.v)
		}
	}
	body = append(body, desk+strings.Join(reach, "　"))
	var contact []string
	if st.ShopName != "" {
		contact = append(contact, "「"+st.ShopName+"」")
	}
	if st.Responsible != "" {
		contact = append(contact, "代表　"+st.Responsible)
	}
	if f.DeskPhone != "" {
		contact = append(contact, "電話 "+f.DeskPhone)
	}
	return pdfdoc.Letter{
		Recipient: pdfdoc.Recipient{Postcode: c.PostalCode, Address: address, Name: c.Name},
		Sender:    pdfdoc.Sender{Postcode: st.PostalCode, Address: []string{st.Address}, Name: st.Company, Contact: contact},
		Date:      date.In(shop.JST),
		Title:     f.Title,
		Body:      body,
		Closing:   "敬具",
	}
}

func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "")
}

// addLetter adds c's letter, listing fewer orders when the full list
// does not fit on the page.
func addLetter(w *pdfdoc.Writer, c Customer, f Facts, st settings.Settings, date time.Time) error {
	var err error
	for _, n := range []int{lettersOrders, 1} {
		if err = w.Add(letter(c, f, st, date, n)); !errors.Is(err, pdfdoc.ErrLetterTooLong) {
			return err
		}
	}
	return err
}

// letterFits refuses facts whose letter, with the most orders a letter
// lists and a long address, would not fit on one page.
func letterFits(f Facts, st settings.Settings) error {
	c := sampleCustomer
	c.Name = "長谷川 美智子"
	c.Line1 = "千代田1丁目1番1号 楓レジデンス東館"
	for len(c.Orders) < lettersOrders+1 {
		c.Orders = append(c.Orders, c.Orders[0])
	}
	w := pdfdoc.NewWriter(io.Discard, pdfdoc.Options{})
	err := w.Add(letter(c, f, st, time.Unix(0, 0), lettersOrders))
	switch {
	case errors.Is(err, pdfdoc.ErrLetterTooLong):
		return &shop.Error{Code: shop.Invalid, Message: "the letter does not fit on one page: " + err.Error(),
			Fields: map[string]string{"letter": shop.ReasonLength}}
	case err != nil:
		return fmt.Errorf("incident: try the letter: %w", err)
	}
	return nil
}

// eachLetterRecipient calls fn for every recipient who gets a letter, in
// the order they were added, reading them one at a time so that 10,000
// recipients are never all in memory.
func (c *Campaigns) eachLetterRecipient(ctx context.Context, camp Campaign, part LetterPart, fn func(Recipient) error) error {
	limit := int64(part.Limit)
	if limit == 0 {
		limit = 1 << 62
	}
	return c.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, selectRecipient+` WHERE campaign_id = $1 AND letter ORDER BY id LIMIT $2 OFFSET $3`,
			camp.ID, limit, part.Offset)
		if err != nil {
			return fmt.Errorf("incident: letter recipients: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRecipient(rows)
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// LetterPart selects a run of the letters, in the order of the label
// list: Offset letters are skipped, then at most Limit written (0: all).
// A print shop takes one file of 10,000 pages; an office printer, and the
// memory of a small server, prefer parts of a few thousand.
type LetterPart struct {
	Offset, Limit int
}

// WriteLetters writes the letters of every recipient who gets one (or of
// the part given) as one PDF to w and returns the number of pages. The
// export of names and addresses is audited ("incident.campaign.letters")
// before any byte is written. A letter that cannot be laid out (an
// address too long for the window) fails the whole file with the person
// named (Conflict), so that no envelope goes out wrong.
func (c *Campaigns) WriteLetters(ctx context.Context, incidentID int64, w io.Writer, part LetterPart, by audit.Actor) (int, error) {
	if part.Offset < 0 || part.Limit < 0 {
		return 0, &shop.Error{Code: shop.Invalid, Message: "invalid part of the letters", Fields: map[string]string{"part": shop.ReasonRange}}
	}
	camp, err := c.Get(ctx, incidentID)
	if err != nil {
		return 0, err
	}
	st, err := c.settings.Get(ctx)
	if err != nil {
		return 0, err
	}
	now := c.clock().UTC()
	var n int
	if err := c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_recipients WHERE campaign_id = $1 AND letter`, camp.ID).Scan(&n); err != nil {
		return 0, fmt.Errorf("incident: count letters: %w", err)
	}
	n = max(n-part.Offset, 0)
	if part.Limit > 0 {
		n = min(n, part.Limit)
	}
	if n == 0 {
		return 0, &shop.Error{Code: shop.Conflict, Message: "no recipient gets a letter"}
	}
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, now, by, "incident.campaign.letters", camp.Ref(), nil,
			map[string]any{"letters": n, "offset": part.Offset})
	})
	if err != nil {
		return 0, err
	}
	lw := pdfdoc.NewWriter(w, pdfdoc.Options{Title: camp.Facts.Title, Author: st.Company, Created: now})
	err = c.eachLetterRecipient(ctx, camp, part, func(r Recipient) error {
		if err := addLetter(lw, r.Customer, camp.Facts, st, now); err != nil {
			if errors.Is(err, pdfdoc.ErrAddressTooLong) || errors.Is(err, pdfdoc.ErrLetterTooLong) {
				return &shop.Error{Code: shop.Conflict, Message: fmt.Sprintf("the letter to %s (recipient %d) cannot be laid out: %v", r.Name, r.ID, err)}
			}
			return fmt.Errorf("incident: letter to recipient %d: %w", r.ID, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := lw.Close(); err != nil {
		return 0, err
	}
	return lw.Pages(), nil
}

// LabelHeader is the label list's first row.
var LabelHeader = []string{"郵便番号", "住所1", "住所2", "氏名", "敬称", "メール不達"}

// LabelResult says what WriteLabels wrote.
type LabelResult struct {
	Rows int
	// Replaced are the recipients (ids) with a character Shift_JIS
	// cannot hold, printed as 〓 (csvcell.Geta) for a person to correct
	// on the envelope.
	Replaced []int64
}

// WriteLabels writes the label list of every recipient who gets a letter,
// in the letters' order, as CSV with CRLF line ends in the encoding (UTF-8
// with a byte-order mark, or Shift_JIS, as the scope's exports). The last column marks
// ("不達") the people whose e-mail failed. Cells a spreadsheet would run as
// a formula are defused (csvcell). In Shift_JIS a character it cannot hold
// is written as 〓, as every Kaede export does, and the recipient listed
// in the result. Audited ("incident.campaign.labels") before anything is
// written.
func (c *Campaigns) WriteLabels(ctx context.Context, incidentID int64, w io.Writer, enc Encoding, by audit.Actor) (LabelResult, error) {
	if err := enc.check(); err != nil {
		return LabelResult{}, err
	}
	camp, err := c.Get(ctx, incidentID)
	if err != nil {
		return LabelResult{}, err
	}
	// The flags are only as fresh as the delivery states.
	if _, err := c.SyncDelivery(ctx, incidentID); err != nil {
		return LabelResult{}, err
	}
	var res LabelResult
	var rows [][]string
	err = c.eachLetterRecipient(ctx, camp, LetterPart{}, func(r Recipient) error {
		row := labelRow(r)
		if enc == ShiftJIS {
			some := false
			for i, cell := range row {
				var replaced bool
				row[i], replaced = csvcell.FitShiftJIS(cell)
				some = some || replaced
			}
			if some {
				res.Replaced = append(res.Replaced, r.ID)
			}
		}
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return LabelResult{}, err
	}
	res.Rows = len(rows)
	now := c.clock().UTC()
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, now, by, "incident.campaign.labels", camp.Ref(), nil,
			map[string]any{"rows": res.Rows, "encoding": enc, "replaced": res.Replaced})
	})
	if err != nil {
		return LabelResult{}, err
	}
	var buf bytes.Buffer
	if enc == UTF8 {
		buf.WriteString("\uFEFF")
	}
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	cw.Write(LabelHeader)
	for _, row := range rows {
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return LabelResult{}, fmt.Errorf("incident: write labels: %w", err)
	}
	out := buf.Bytes()
	if enc == ShiftJIS {
		if out, err = csvcell.ShiftJIS(buf.String()); err != nil {
			// FitShiftJIS has fitted every cell; this is a bug, not bad data.
			return LabelResult{}, fmt.Errorf("incident: encode labels: %w", err)
		}
	}
	if _, err := w.Write(out); err != nil {
		return LabelResult{}, fmt.Errorf("incident: write labels: %w", err)
	}
	return res, nil
}

// labelRow is one recipient's row, each cell defused.
func labelRow(r Recipient) []string {
	failed := ""
	if r.EmailFailed() {
		failed = "不達"
	}
	row := []string{r.PostalCode, strings.TrimSpace(r.Prefecture + r.City + r.Line1), strings.TrimSpace(r.Line2),
		r.Name, "様", failed}
	for i, cell := range row {
		row[i] = csvcell.Defuse(cell)
	}
	return row
}
