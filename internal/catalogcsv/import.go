package catalogcsv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"kaede/internal/audit"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"kaede/internal/csvcell"

	"golang.org/x/text/unicode/norm"

	"kaede/internal/catalog"
	"kaede/internal/shop"
)

// Limits on an import file.
const (
	MaxBytes = 5 << 20
	MaxRows  = 5000
)

// Problem is one bad cell (or row, or file) of an import: Line is the
// file's line (1 is the header row; 0 for the file as a whole), Column
// the header name, Message a sentence to show the shop, in Japanese.
type Problem struct {
	Line    int
	Column  string
	Message string
}

// String formats the problem as the admin screen lists it:
// 「3行目 price: 数値で入力してください」.
func (p Problem) String() string {
	switch {
	case p.Line == 0:
		return p.Message
	case p.Column == "":
		return fmt.Sprintf("%d行目: %s", p.Line, p.Message)
	}
	return fmt.Sprintf("%d行目 %s: %s", p.Line, p.Column, p.Message)
}

// Error is a refused import: every problem found, in line order. Nothing
// was imported. It unwraps to a shop Invalid error whose fields are
// "line<N>.<column>", so the edges treat it as bad input.
type Error struct {
	Problems []Problem
}

// Error implements error.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "import refused: " + strings.Join(lines, "; ")
}

// Unwrap returns the problems as a shop Invalid error.
func (e *Error) Unwrap() error {
	fields := map[string]string{}
	for _, p := range e.Problems {
		key := "file"
		if p.Line > 0 {
			key = fmt.Sprintf("line%d.%s", p.Line, p.Column)
		}
		fields[key] = shop.ReasonFormat
	}
	return &shop.Error{Code: shop.Invalid, Message: "the CSV file has errors; nothing was imported", Fields: fields}
}

func fileError(format string, args ...any) *Error {
	return &Error{Problems: []Problem{{Message: fmt.Sprintf(format, args...)}}}
}

// File is a parsed import file: the products it describes, in the order
// they first appear, and where each came from.
type File struct {
	Products []catalog.Product
	Encoding Encoding
	SHA256   string // hex digest of the bytes read
	Rows     int    // data rows, blank rows not counted

	productLine []int   // the first line of each product
	variantLine [][]int // the line of each variant
}

// Parse reads an import file of at most MaxBytes and MaxRows rows. It
// reads every row before it answers, so that an *Error lists every bad
// cell at once. Values are checked for form here (numbers are numbers);
// whether they are allowed (a category exists, a SKU is free) is the
// catalog's to say when the file is imported.
func Parse(r io.Reader) (*File, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read import file: %w", err)
	}
	if len(raw) > MaxBytes {
		return nil, fileError("ファイルが大きすぎます（%dMBまで）", MaxBytes>>20)
	}
	sum := sha256.Sum256(raw)
	data, enc, perr := decode(raw)
	if perr != nil {
		return nil, perr
	}
	f := &File{Encoding: enc, SHA256: hex.EncodeToString(sum[:])}
	if err := f.read(data); err != nil {
		return nil, err
	}
	return f, nil
}

// binaryMagic are the starts of files that people upload instead of a
// CSV, with what to tell them.
var binaryMagic = []struct {
	prefix, message string
}{
	{"PK\x03\x04", "Excelブック（.xlsx）やZIPファイルは読み込めません。Excelで「CSV UTF-8」または「CSV」形式で保存してください"},
	{"\xd0\xcf\x11\xe0", "Excel 97-2003ブック（.xls）は読み込めません。CSV形式で保存してください"},
	{"\x89PNG", "画像ファイルはCSVではありません"},
	{"\xff\xd8\xff", "画像ファイルはCSVではありません"},
	{"%PDF", "PDFファイルはCSVではありません"},
}

// decode returns the file as UTF-8 text without a byte order mark. Valid
// UTF-8 is UTF-8; anything else is tried as Shift_JIS (CP932), and what
// is neither, or holds control characters, is not a CSV file.
func decode(raw []byte) (string, Encoding, *Error) {
	for _, m := range binaryMagic {
		if bytes.HasPrefix(raw, []byte(m.prefix)) {
			return "", "", fileError("%s", m.message)
		}
	}
	if bytes.HasPrefix(raw, []byte{0xff, 0xfe}) || bytes.HasPrefix(raw, []byte{0xfe, 0xff}) {
		return "", "", fileError("UTF-16のファイルは読み込めません。「CSV UTF-8」形式で保存してください")
	}
	text, sjis, ok := csvcell.Decode(raw)
	if !ok {
		return "", "", fileError("文字コードを判別できません。UTF-8かShift_JISのCSVファイルを選んでください")
	}
	enc := UTF8
	if sjis {
		enc = ShiftJIS
	}
	if i := strings.IndexFunc(text, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	}); i >= 0 {
		return "", "", fileError("CSVファイルではありません（制御文字が含まれています）")
	}
	if strings.TrimSpace(text) == "" {
		return "", "", fileError("ファイルが空です")
	}
	return text, enc, nil
}

// row is one data row's cells by column name, and its line.
type row struct {
	line  int
	cells map[string]string
}

// read parses the CSV text into f's products.
func (f *File) read(text string) error {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1 // checked below, with the line named
	header, err := cr.Read()
	if err != nil {
		return fileError("1行目（見出し行）を読めません: %v", err)
	}
	index, perr := headerIndex(header)
	if perr != nil {
		return perr
	}
	var problems []Problem
	var rows []row
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			// After a quoting error the reader cannot tell where rows
			// begin, so this is the last problem it can report.
			problems = append(problems, Problem{Line: line, Message: "CSVの形式が正しくありません（引用符 \" の対応を確かめてください）"})
			break
		}
		line, _ := cr.FieldPos(0)
		if csvcell.Blank(record) {
			continue
		}
		if len(record) != len(header) {
			problems = append(problems, Problem{Line: line,
				Message: fmt.Sprintf("列の数が%d個です（見出し行は%d個）", len(record), len(header))})
			continue
		}
		f.Rows++
		if f.Rows > MaxRows {
			return fileError("行が多すぎます（%d行まで）。ファイルを分けてください", MaxRows)
		}
		cells := make(map[string]string, len(Columns))
		for name, i := range index {
			cells[name] = strings.TrimSpace(record[i])
		}
		rows = append(rows, row{line: line, cells: cells})
	}
	if f.Rows == 0 && len(problems) == 0 {
		return fileError("データの行がありません")
	}
	problems = append(problems, f.build(rows)...)
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Line < problems[j].Line })
		return &Error{Problems: problems}
	}
	return nil
}

// headerIndex maps each column name to its position, refusing missing,
// unknown and repeated columns.
func headerIndex(header []string) (map[string]int, *Error) {
	known := map[string]bool{}
	for _, c := range Columns {
		known[c] = true
	}
	index := map[string]int{}
	var problems []Problem
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case !known[name]:
			problems = append(problems, Problem{Line: 1, Column: h, Message: "知らない列名です"})
		case func() bool { _, dup := index[name]; return dup }():
			problems = append(problems, Problem{Line: 1, Column: name, Message: "同じ列が2回あります"})
		default:
			index[name] = i
		}
	}
	for _, c := range Columns {
		if _, ok := index[c]; !ok {
			problems = append(problems, Problem{Line: 1, Column: c, Message: "この列がありません"})
		}
	}
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	return index, nil
}

// productColumns hold the product's values, repeated on each of its rows.
var productColumns = []string{"name_ja", "name_en", "category_slug", "tax_class", "status", "practitioners_only", "description_ja"}

// build groups rows into products by slug and converts each cell,
// returning a problem for every cell that is not in its form.
func (f *File) build(rows []row) []Problem {
	var problems []Problem
	bad := func(line int, column, message string) {
		problems = append(problems, Problem{Line: line, Column: column, Message: message})
	}
	bySlug := map[string]int{}
	first := map[string]row{}
	for _, r := range rows {
		c := r.cells
		slug := c["product_slug"]
		if slug == "" {
			bad(r.line, "product_slug", "入力してください")
			continue
		}
		i, seen := bySlug[slug]
		if !seen {
			p := catalog.Product{
				Slug:          slug,
				NameJa:        csvcell.Restore(c["name_ja"]),
				NameEn:        csvcell.Restore(c["name_en"]),
				CategorySlug:  c["category_slug"],
				TaxClass:      shop.TaxClass(c["tax_class"]),
				Status:        c["status"],
				DescriptionJa: csvcell.Restore(c["description_ja"]),
			}
			if p.Status == "" {
				// An empty status would make the product a draft: too
				// quiet a way to take a product off the shop.
				bad(r.line, "status", "draft か published を入力してください")
			}
			only, ok := parseBool(c["practitioners_only"])
			if !ok {
				bad(r.line, "practitioners_only", "1 か 0 を入力してください")
			}
			p.PractitionersOnly = only
			i = len(f.Products)
			bySlug[slug] = i
			first[slug] = r
			f.Products = append(f.Products, p)
			f.productLine = append(f.productLine, r.line)
			f.variantLine = append(f.variantLine, nil)
		} else {
			for _, col := range productColumns {
				if c[col] != first[slug].cells[col] {
					bad(r.line, col, fmt.Sprintf("同じ商品の%d行目と値が違います", first[slug].line))
				}
			}
		}
		v := catalog.Variant{SKU: c["sku"], LabelJa: csvcell.Restore(c["label_ja"]), LabelEn: csvcell.Restore(c["label_en"])}
		var ok bool
		if v.Price, ok = parseYen(c["price"], false); !ok {
			bad(r.line, "price", "0以上の整数で入力してください")
		}
		if v.MemberPrice, ok = parseYen(c["member_price"], true); !ok {
			bad(r.line, "member_price", "0以上の整数で入力するか、空にしてください")
		}
		if v.Stock, ok = parseCount(c["stock"], catalog.KeepStock); !ok {
			bad(r.line, "stock", "0以上の整数で入力するか、空にしてください（空なら在庫を変えません）")
		}
		if v.MaxPerOrder, ok = parseCount(c["max_per_order"], 0); !ok {
			bad(r.line, "max_per_order", "1以上の整数で入力するか、空にしてください")
		}
		f.Products[i].Variants = append(f.Products[i].Variants, v)
		f.variantLine[i] = append(f.variantLine[i], r.line)
	}
	return problems
}

// number accepts what Excel and people write for whole numbers:
// full-width digits, thousands separators and a yen sign.
var number = regexp.MustCompile(`^[0-9]+$`)

func cleanNumber(s string) string {
	s = norm.NFKC.String(s)
	s = strings.TrimPrefix(s, "¥")
	s = strings.TrimSuffix(s, "円")
	return strings.ReplaceAll(s, ",", "")
}

// parseYen reads a non-negative amount; empty is 0 when allowed.
func parseYen(s string, emptyOK bool) (shop.Yen, bool) {
	if s == "" {
		return 0, emptyOK
	}
	s = cleanNumber(s)
	if !number.MatchString(s) || len(s) > 12 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return shop.Yen(n), err == nil
}

// parseCount reads a non-negative count; empty is ifEmpty.
func parseCount(s string, ifEmpty int) (int, bool) {
	if s == "" {
		return ifEmpty, true
	}
	s = cleanNumber(s)
	if !number.MatchString(s) || len(s) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// parseBool reads 1/0 and what spreadsheets write for them; empty is no.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(norm.NFKC.String(s)) {
	case "1", "true", "yes", "y", "はい", "○", "◯":
		return true, true
	case "", "0", "false", "no", "n", "いいえ", "×":
		return false, true
	}
	return false, false
}

// Import parses the file and imports its products into the catalogue in
// one transaction, with one audit entry by by that records name (the
// uploaded file's name, for the log only), the file's SHA-256 and what
// changed. A bad file is an *Error listing every problem by line and
// column, and nothing is imported.
func Import(ctx context.Context, cat *catalog.Service, r io.Reader, name string, by audit.Actor) (catalog.ImportResult, error) {
	f, err := Parse(r)
	if err != nil {
		return catalog.ImportResult{}, err
	}
	if len(name) > 200 {
		name = name[:200]
	}
	res, err := cat.Import(ctx, f.Products, catalog.ImportSource{Name: strings.ToValidUTF8(name, ""), SHA256: f.SHA256, Rows: f.Rows}, by)
	if err != nil {
		if fields := shop.ErrorFields(err); shop.ErrorCode(err) == shop.Invalid && len(fields) > 0 {
			return catalog.ImportResult{}, f.explain(fields)
		}
		return catalog.ImportResult{}, err
	}
	return res, nil
}

// field is a catalog error's field name: products[i].name or
// products[i].variants[j].name.
var field = regexp.MustCompile(`^products\[(\d+)\]\.(?:variants\[(\d+)\]\.)?([a-z_]+)`)

// catalogColumn maps the catalog's field names to the file's columns
// where they differ.
var catalogColumn = map[string]string{"slug": "product_slug", "category_id": "category_slug", "variants": "sku"}

// explain turns the catalog's field reasons into problems on the lines
// they came from.
func (f *File) explain(fields map[string]string) *Error {
	var problems []Problem
	for key, reason := range fields {
		m := field.FindStringSubmatch(key)
		if m == nil {
			problems = append(problems, Problem{Message: fmt.Sprintf("%s: %s", key, message(key, reason))})
			continue
		}
		p, _ := strconv.Atoi(m[1])
		if p >= len(f.Products) {
			continue
		}
		line := f.productLine[p]
		if m[2] != "" {
			if v, _ := strconv.Atoi(m[2]); v < len(f.variantLine[p]) {
				line = f.variantLine[p][v]
			}
		}
		column := m[3]
		if c, ok := catalogColumn[column]; ok {
			column = c
		}
		problems = append(problems, Problem{Line: line, Column: column, Message: message(column, reason)})
	}
	sort.Slice(problems, func(i, j int) bool {
		if problems[i].Line != problems[j].Line {
			return problems[i].Line < problems[j].Line
		}
		return problems[i].Column < problems[j].Column
	})
	return &Error{Problems: problems}
}

// message says in Japanese what a catalog reason means for a column.
func message(column, reason string) string {
	switch {
	case reason == shop.ReasonTaken && column == "sku":
		return "このSKUはほかの商品で使われているか、ファイルの中で重なっています"
	case reason == shop.ReasonTaken:
		return "ほかの行・商品と重なっています"
	case reason == shop.ReasonChoice && column == "category_slug":
		return "そのカテゴリはありません"
	case reason == shop.ReasonChoice && column == "tax_class":
		return "standard か reduced を入力してください"
	case reason == shop.ReasonChoice && column == "status":
		return "draft か published を入力してください"
	case reason == shop.ReasonRange && column == "member_price":
		return "会員価格は0以上、通常価格以下にしてください"
	case reason == shop.ReasonRange:
		return "範囲外の値です"
	case reason == shop.ReasonRequired:
		return "入力してください"
	case reason == shop.ReasonLength:
		return "長すぎます"
	case reason == shop.ReasonFormat && (column == "product_slug" || column == "sku"):
		return "使えない文字があります（英数字とハイフンなど）"
	case reason == shop.ReasonFormat:
		return "使えない文字が含まれています"
	}
	return "値が正しくありません"
}
