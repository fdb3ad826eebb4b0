package ui

import "kaede/internal/shop"

// OrderLines is what the shared "order_lines" partial draws: the lines of
// an order as the store's confirmation and order pages and the admin's
// order page, invoice and delivery slip show them. Each edge converts its
// own data to it; the words come from sharedMessages.
type OrderLines struct {
	Lang  string
	ID    string // the table's id, for the pages' tests and links; may be empty
	SKU   bool   // show the SKU column
	Rate  bool   // show the tax-rate column
	Lines []OrderLine
	Foot  []OrderTotal // rows under the lines: shipping, totals, tax per rate
}

// OrderLine is one line of an order. Mark is the reduced-rate mark (※)
// the qualified-invoice rules ask beside every reduced-rate line.
type OrderLine struct {
	SKU       string
	Name      string
	Quantity  int
	UnitPrice shop.Yen // tax included
	LineTotal shop.Yen // tax included
	TaxRate   shop.TaxRate
	Mark      string
	Changed   bool // differs from what the customer last confirmed; highlighted
}

// OrderTotal is one row under the lines, already in the page's language.
type OrderTotal struct {
	Label, Value string
	ID, Class    string
}

// Columns is the number of columns of the table.
func (l OrderLines) Columns() int {
	n := 4
	if l.SKU {
		n++
	}
	if l.Rate {
		n++
	}
	return n
}

// LabelSpan is how many columns a row of Foot's label takes: all but the
// amount's.
func (l OrderLines) LabelSpan() int { return l.Columns() - 1 }

// HasReduced reports whether a line carries the reduced-rate mark, whose
// meaning the partial then prints under the table.
func (l OrderLines) HasReduced() bool {
	for _, x := range l.Lines {
		if x.Mark != "" {
			return true
		}
	}
	return false
}
