package pdfdoc

import (
	"fmt"
	"strings"
)

// Column is one column of a Table.
type Column struct {
	Header string
	// Width in millimetres.
	Width float64
	Align Align
}

// Table is a grid with a header row, drawn by Document.Table.
type Table struct {
	Columns []Column
	// Rows hold one string per column; a cell wraps inside its column.
	Rows [][]string
	// Size is the font size in points; zero means 9.
	Size float64
	// X is the left edge; zero means the left margin.
	X float64
}

// cellPad is the space between a cell's border and its text, in mm.
const cellPad = 1.5

// Table draws t at the cursor and moves the cursor below it. A row that
// does not fit above the bottom margin starts a new page, which repeats the
// header row. A row with the wrong number of cells is an error, and so is a
// single row taller than a page.
func (d *Document) Table(t Table) error {
	if len(t.Columns) == 0 {
		return fmt.Errorf("pdfdoc: table has no columns")
	}
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("pdfdoc: table row %d has %d cells, want %d", i+1, len(row), len(t.Columns))
		}
	}
	if d.pages == 0 {
		d.AddPage()
	}
	size := t.Size
	if size == 0 {
		size = 9
	}
	x := t.X
	if x == 0 {
		x = MarginLeft
	}
	headers := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		headers[i] = c.Header
	}
	header := d.tableRow(t.Columns, headers, size)
	bottom := PageHeight - MarginBottom
	if d.y+header.height > bottom {
		d.AddPage()
	}
	d.drawRow(t.Columns, header, x, size, true)
	for i, cells := range t.Rows {
		row := d.tableRow(t.Columns, cells, size)
		if MarginTop+header.height+row.height > bottom {
			return fmt.Errorf("pdfdoc: table row %d is taller than a page", i+1)
		}
		if d.y+row.height > bottom {
			d.AddPage()
			d.drawRow(t.Columns, header, x, size, true)
		}
		d.drawRow(t.Columns, row, x, size, false)
	}
	return nil
}

// laidRow is a table row broken into lines per cell.
type laidRow struct {
	cells  [][]string
	height float64
}

func (d *Document) tableRow(cols []Column, cells []string, size float64) laidRow {
	r := laidRow{cells: make([][]string, len(cols))}
	most := 1
	for i, c := range cols {
		r.cells[i] = d.wrap(strings.TrimSpace(cells[i]), size, c.Width-2*cellPad)
		most = max(most, len(r.cells[i]))
	}
	r.height = float64(most)*lineHeight(size) + 2*cellPad - (lineHeight(size) - size*ptToMM)
	return r
}

func (d *Document) drawRow(cols []Column, r laidRow, x, size float64, header bool) {
	d.setSize(size)
	d.pdf.SetLineWidth(0.2)
	d.pdf.SetDrawColor(96, 96, 96)
	style := "D"
	if header {
		d.pdf.SetFillColor(230, 230, 230)
		style = "FD"
	}
	lh := lineHeight(size)
	for i, c := range cols {
		d.pdf.Rect(x, d.y, c.Width, r.height, style)
		align := c.Align
		if header {
			align = AlignCenter
		}
		for j, line := range r.cells[i] {
			d.text(x+cellPad, d.y+cellPad+float64(j)*lh, c.Width-2*cellPad, align, line)
		}
		x += c.Width
	}
	d.y += r.height
}
