package incident

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/csvcell"
	"kaede/internal/shop"
)

// Encoding is a CSV file's character encoding.
type Encoding string

// The encodings the exports write.
const (
	// UTF8 is written with a byte-order mark, without which Excel reads
	// UTF-8 as Shift_JIS and garbles every Japanese name.
	UTF8 Encoding = "utf8"
	// ShiftJIS is Windows-31J (CP932), what older Excel and many Japanese
	// tools read.
	ShiftJIS Encoding = "sjis"
)

// Replacement is written for a character Shift_JIS cannot hold (𠮷, an
// emoji): the 下駄 mark, which Japanese typesetting has long used for
// exactly that, so that staff see a hole and look the name up, rather than
// a plausible wrong letter or a file that is not written at all. A list of
// people to tell about a breach must not fail over one rare kanji.
const Replacement = csvcell.Geta

// Export is what an export wrote.
type Export struct {
	Rows int // data rows, the header not counted
	// Replaced counts the characters written as Replacement (Shift_JIS
	// only).
	Replaced int
}

// CustomersHeader is the customer CSV's first row; each later row is one
// person, with their orders' numbers, days and cards in order, joined by
// 「、」.
var CustomersHeader = []string{
	"No.", "メールアドレス", "会員ID", "氏名", "電話番号", "郵便番号", "都道府県", "市区町村", "番地",
	"建物名・部屋番号", "注文件数", "注文番号", "注文日", "カード",
}

// AcquirerHeader is the acquirer CSV's first row: the transaction's time
// in Japan, its amount in yen, the card's brand and last four digits, the
// provider's payment ID and the order number. Nothing else of the card or
// the customer is in the file, and nothing else is held.
var AcquirerHeader = []string{"取引日時", "金額", "カードブランド", "カード下4桁", "決済ID", "注文番号"}

// ExportCustomers writes the people of saved scope id with their orders
// as CSV, in the encoding, with CRLF line ends, audited
// ("incident.scope.export_customers", with the count) before a byte is
// written to w. Cells a spreadsheet would run as a formula are written
// with a leading apostrophe.
func (s *Service) ExportCustomers(ctx context.Context, w io.Writer, id int64, enc Encoding, by audit.Actor) (Export, error) {
	if err := enc.check(); err != nil {
		return Export{}, err
	}
	sc, err := s.GetScope(ctx, id)
	if err != nil {
		return Export{}, err
	}
	people, err := s.ScopeCustomers(ctx, id)
	if err != nil {
		return Export{}, err
	}
	rows := make([][]string, len(people))
	for i, c := range people {
		rows[i] = customerRow(i+1, c)
	}
	return s.writeExport(ctx, w, sc, "incident.scope.export_customers", CustomersHeader, rows, enc, by)
}

func customerRow(n int, c Customer) []string {
	member := ""
	if c.MemberID != 0 {
		member = strconv.FormatInt(c.MemberID, 10)
	}
	numbers := make([]string, len(c.Orders))
	days := make([]string, len(c.Orders))
	cards := make([]string, len(c.Orders))
	for i, o := range c.Orders {
		numbers[i] = o.Number
		days[i] = o.PlacedAt.In(shop.JST).Format("2006/01/02")
		cards[i] = cardLabel(o)
	}
	return []string{strconv.Itoa(n), c.Email, member, c.Name, c.Phone, c.PostalCode, c.Prefecture, c.City, c.Line1,
		c.Line2, strconv.Itoa(len(c.Orders)), strings.Join(numbers, "、"), strings.Join(days, "、"), strings.Join(cards, "、")}
}

// cardLabel names the card an order was paid with as a customer reads it
// on their statement: 「VISA 4242」, or 「-」 for an order without one.
func cardLabel(o AffectedOrder) string {
	if o.Brand == "" && o.Last4 == "" {
		return "-"
	}
	return strings.TrimSpace(strings.ToUpper(o.Brand) + " " + o.Last4)
}

// ExportAcquirer writes the card transactions of saved scope id for the
// acquirer, one row per card payment attempt the provider knows (each
// attempt with a provider's payment ID, declined ones included: the card
// was typed all the same), oldest first, with the columns of
// AcquirerHeader and nothing more; audited
// ("incident.scope.export_acquirer") before a byte is written.
func (s *Service) ExportAcquirer(ctx context.Context, w io.Writer, id int64, enc Encoding, by audit.Actor) (Export, error) {
	if err := enc.check(); err != nil {
		return Export{}, err
	}
	sc, err := s.GetScope(ctx, id)
	if err != nil {
		return Export{}, err
	}
	var out [][]string
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT p.created_at, p.amount, p.brand, p.last4, p.provider_ref, o.number
			FROM incident_scope_orders so
			JOIN orders o ON o.id = so.order_id
			JOIN payments p ON p.order_id = o.id
			WHERE so.scope_id = $1 AND p.method = 'card' AND p.provider_ref <> ''
			ORDER BY p.created_at, p.id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t acquirerRow
			if err := rows.Scan(&t.at, &t.amount, &t.brand, &t.last4, &t.ref, &t.number); err != nil {
				return err
			}
			out = append(out, []string{t.at.In(shop.JST).Format("2006/01/02 15:04:05"),
				strconv.FormatInt(int64(t.amount), 10), t.brand, t.last4, t.ref, t.number})
		}
		return rows.Err()
	})
	if err != nil {
		return Export{}, fmt.Errorf("incident: acquirer export of scope %d: %w", id, err)
	}
	return s.writeExport(ctx, w, sc, "incident.scope.export_acquirer", AcquirerHeader, out, enc, by)
}

type acquirerRow struct {
	at                        time.Time
	amount                    shop.Yen
	brand, last4, ref, number string
}

func (e Encoding) check() error {
	if e != UTF8 && e != ShiftJIS {
		return &shop.Error{Code: shop.Invalid, Message: "unknown encoding",
			Fields: map[string]string{"encoding": shop.ReasonChoice}}
	}
	return nil
}

// writeExport encodes the file in memory, records the export in the audit
// log and only then writes it to w: an export that is not recorded is
// not made.
func (s *Service) writeExport(ctx context.Context, w io.Writer, sc Scope, action string, header []string, rows [][]string, enc Encoding, by audit.Actor) (Export, error) {
	out, replaced, err := encodeCSV(header, rows, enc)
	if err != nil {
		return Export{}, err
	}
	ex := Export{Rows: len(rows), Replaced: replaced}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, s.clock().UTC(), by, action, fmt.Sprintf("incident:%d", sc.IncidentID), nil,
			map[string]any{"scope": sc.ID, "version": sc.Version, "rows": ex.Rows, "encoding": enc, "replaced": ex.Replaced})
	})
	if err != nil {
		return Export{}, fmt.Errorf("incident: %s: %w", action, err)
	}
	if _, err := w.Write(out); err != nil {
		return Export{}, fmt.Errorf("incident: %s: write: %w", action, err)
	}
	return ex, nil
}

// encodeCSV writes header and rows in the encoding and counts the
// characters Shift_JIS could not hold.
func encodeCSV(header []string, rows [][]string, enc Encoding) ([]byte, int, error) {
	f := csvcell.NewFile(enc == ShiftJIS)
	replaced := 0
	for _, r := range append([][]string{header}, rows...) {
		n, err := f.Write(r)
		if err != nil {
			return nil, 0, fmt.Errorf("incident: write CSV: %w", err)
		}
		replaced += n
	}
	out, err := f.Bytes()
	if err != nil {
		return nil, 0, fmt.Errorf("incident: write CSV: %w", err)
	}
	return out, replaced, nil
}
