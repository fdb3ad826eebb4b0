package csvcell

import (
	"bytes"
	"encoding/csv"
	"fmt"
)

// File is a CSV file being written for a spreadsheet or Japanese office
// software: CRLF line ends (what Excel writes and Windows tools expect),
// every cell defused, and either UTF-8 with a byte-order mark (Excel opens
// it correctly and it holds every character) or Shift_JIS, each cell
// fitted to its repertoire.
type File struct {
	sjis bool
	buf  bytes.Buffer
	cw   *csv.Writer
}

// NewFile starts a file in Shift_JIS when sjis, else in UTF-8 with a BOM.
func NewFile(sjis bool) *File {
	f := &File{sjis: sjis}
	if !sjis {
		f.buf.WriteString("\uFEFF")
	}
	f.cw = csv.NewWriter(&f.buf)
	f.cw.UseCRLF = true
	return f
}

// Write adds a row; replaced counts the characters Shift_JIS cannot hold,
// written as Geta (always 0 in UTF-8).
func (f *File) Write(row []string) (replaced int, err error) {
	cells := make([]string, len(row))
	for i, c := range row {
		c = Defuse(c)
		if f.sjis {
			var n int
			c, n = FitShiftJISCount(c)
			replaced += n
		}
		cells[i] = c
	}
	return replaced, f.cw.Write(cells)
}

// Bytes ends the file and returns it in its encoding.
func (f *File) Bytes() ([]byte, error) {
	f.cw.Flush()
	if err := f.cw.Error(); err != nil {
		return nil, err
	}
	if !f.sjis {
		return f.buf.Bytes(), nil
	}
	out, err := ShiftJIS(f.buf.String())
	if err != nil {
		// Write has fitted every cell: this is a bug, not bad data.
		return nil, fmt.Errorf("encode Shift_JIS: %w", err)
	}
	return out, nil
}
