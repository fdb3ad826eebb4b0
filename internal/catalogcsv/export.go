// Package catalogcsv exports the catalogue as a CSV file that Japanese
// shops edit in Excel, and imports such a file back.
//
// The file has one row per variant, so a product with three sizes takes
// three rows that repeat the product's columns. The columns, by the names
// in the header row (stable: scripts and saved spreadsheets rely on them),
// in the order Export writes them:
//
//	product_slug        the product's URL name (a-z, 0-9, hyphens); matches products on import
//	name_ja             商品名
//	name_en             English name; may be empty
//	category_slug       the category's slug
//	tax_class           standard (10%) or reduced (8%)
//	status              draft (非公開) or published (公開)
//	practitioners_only  1 for products sold to licensed practitioners only, else 0
//	sku                 the variant's SKU; matches variants on import
//	label_ja            the variant's label, e.g. 「0.16mm × 30mm」; may be empty
//	label_en            the same in English; may be empty
//	price               tax-included price in yen
//	member_price        tax-included practitioner price in yen; empty or 0 for none
//	stock               stock; on import, empty keeps the stock as it is
//	max_per_order       the most one order may hold; empty means 99
//	description_ja      商品説明; line breaks allowed
//
// An import may order the columns differently but must have all of them.
// Product columns must agree on every row of one product.
package catalogcsv

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"golang.org/x/text/encoding/japanese"

	"kaede/internal/csvcell"

	"golang.org/x/text/transform"

	"kaede/internal/catalog"
)

// Columns are the header row's names, in the order Export writes them.
var Columns = []string{
	"product_slug", "name_ja", "name_en", "category_slug", "tax_class", "status", "practitioners_only",
	"sku", "label_ja", "label_en", "price", "member_price", "stock", "max_per_order", "description_ja",
}

// Encoding is a CSV file's character encoding.
type Encoding string

// The encodings Export writes and Import reads.
const (
	// UTF8 is written with a byte order mark, without which Excel reads
	// UTF-8 as Shift_JIS and garbles every Japanese name.
	UTF8 Encoding = "utf-8"
	// ShiftJIS is what older Excel on Windows writes by default (CP932).
	ShiftJIS Encoding = "shift_jis"
)

const bom = "\ufeff"

// Export writes every product, drafts included, one row per variant, to
// w in the encoding. A name that Shift_JIS cannot hold (an emoji, a rare
// kanji) makes a Shift_JIS export fail with the row and column named,
// rather than write a wrong character; UTF-8 holds everything.
func Export(ctx context.Context, cat *catalog.Service, w io.Writer, enc Encoding) error {
	ps, err := cat.AllProducts(ctx)
	if err != nil {
		return fmt.Errorf("export products: %w", err)
	}
	if enc != UTF8 && enc != ShiftJIS {
		return fmt.Errorf("export products: unknown encoding %q", enc)
	}
	bw := bufio.NewWriter(w)
	if enc == UTF8 {
		bw.WriteString(bom)
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true // what Excel writes, and what Windows tools expect
	sjis := japanese.ShiftJIS.NewEncoder()
	row := make([]string, len(Columns))
	write := func(line int, record []string) error {
		if enc == ShiftJIS {
			for i, cell := range record {
				s, _, err := transform.String(sjis, cell)
				if err != nil {
					return fmt.Errorf("export products: line %d, %s: %q cannot be written in Shift_JIS; export in UTF-8 instead", line, Columns[i], cell)
				}
				record[i] = s
			}
		}
		return cw.Write(record)
	}
	if err := write(1, append([]string{}, Columns...)); err != nil {
		return err
	}
	line := 1
	for _, p := range ps {
		for _, v := range p.Variants {
			line++
			row[0] = p.Slug
			row[1] = csvcell.Defuse(p.NameJa)
			row[2] = csvcell.Defuse(p.NameEn)
			row[3] = p.CategorySlug
			row[4] = string(p.TaxClass)
			row[5] = p.Status
			row[6] = "0"
			if p.PractitionersOnly {
				row[6] = "1"
			}
			row[7] = v.SKU
			row[8] = csvcell.Defuse(v.LabelJa)
			row[9] = csvcell.Defuse(v.LabelEn)
			row[10] = strconv.FormatInt(int64(v.Price), 10)
			row[11] = strconv.FormatInt(int64(v.MemberPrice), 10)
			row[12] = strconv.Itoa(v.Stock)
			row[13] = strconv.Itoa(v.MaxPerOrder)
			row[14] = csvcell.Defuse(p.DescriptionJa)
			if err := write(line, row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export products: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export products: %w", err)
	}
	return nil
}
