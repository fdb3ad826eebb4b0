package pdfdoc

// Color is an RGB colour, each part 0–255.
type Color struct{ R, G, B int }

// Colours the documents use: black text and rules, and the vermilion of a
// Japanese seal for stamps such as 「再発行」.
var (
	Black     = Color{0, 0, 0}
	StampRed  = Color{200, 30, 30}
	RuleColor = Color{96, 96, 96}
)

// Label draws one line of text of size pt with its top at y, aligned
// between x and x+width, in colour c. It does not wrap and does not move
// the cursor: it is for the fixed parts of a form (a title, an amount in
// its box, a stamp), placed where the layout says.
func (d *Document) Label(x, y, width, size float64, align Align, c Color, s string) {
	if d.pages == 0 {
		d.AddPage()
	}
	d.setSize(size)
	d.pdf.SetTextColor(c.R, c.G, c.B)
	d.text(x, y, width, align, printable(s))
	d.pdf.SetTextColor(0, 0, 0)
}

// Rule draws a straight line lineWidth mm thick from (x1, y1) to (x2, y2).
func (d *Document) Rule(x1, y1, x2, y2, lineWidth float64, c Color) {
	if d.pages == 0 {
		d.AddPage()
	}
	d.pdf.SetLineWidth(lineWidth)
	d.pdf.SetDrawColor(c.R, c.G, c.B)
	d.pdf.Line(x1, y1, x2, y2)
}

// Frame draws the outline of a rectangle, lineWidth mm thick.
func (d *Document) Frame(x, y, w, h, lineWidth float64, c Color) {
	if d.pages == 0 {
		d.AddPage()
	}
	d.pdf.SetLineWidth(lineWidth)
	d.pdf.SetDrawColor(c.R, c.G, c.B)
	d.pdf.Rect(x, y, w, h, "D")
}

// TextWidth returns the width in mm of s on one line at size pt, for a
// layout that sizes a box to its text.
func (d *Document) TextWidth(s string, size float64) float64 {
	return d.measure(printable(s)) * size / d.size
}
