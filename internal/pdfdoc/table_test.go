package pdfdoc_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"kaede/internal/pdfdoc"
)

func TestTableRepeatsHeaderOnEveryPage(t *testing.T) {
	d := pdfdoc.New(pdfdoc.Options{Created: time.Date(2020, 6, 26, 0, 0, 0, 0, time.UTC)})
	d.Text(pdfdoc.TextBlock{Text: "インシデント概要（印刷用）", Size: 14, Align: pdfdoc.AlignCenter})
	d.Gap(4)
	tbl := pdfdoc.Table{Columns: []pdfdoc.Column{
		{Header: "日時", Width: 40},
		{Header: "出来事", Width: 100},
		{Header: "記録者", Width: 30, Align: pdfdoc.AlignRight},
	}}
	const rows = 120
	for i := range rows {
		tbl.Rows = append(tbl.Rows, []string{fmt.Sprintf("2020-06-%02d", i%30+1), fmt.Sprintf("記録%03d：カード決済を停止し、調査会社に依頼した。", i), "staff"})
	}
	if err := d.Table(tbl); err != nil {
		t.Fatalf("Table: %v", err)
	}
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	pages := pageTexts(t, buf.Bytes())
	if len(pages) < 2 || len(pages) != d.Pages() {
		t.Fatalf("pages=%d (document says %d), want the table to run over at least 2", len(pages), d.Pages())
	}
	all := ""
	for i, p := range pages {
		if !strings.Contains(p, "出来事\n") {
			t.Errorf("page %d has no header row", i+1)
		}
		all += p
	}
	for i := range rows {
		if want := fmt.Sprintf("記録%03d", i); strings.Count(all, want) != 1 {
			t.Errorf("row %q appears %d times, want once", want, strings.Count(all, want))
		}
	}
}

func TestTableRowWithWrongCellCount(t *testing.T) {
	d := pdfdoc.New(pdfdoc.Options{})
	err := d.Table(pdfdoc.Table{
		Columns: []pdfdoc.Column{{Header: "a", Width: 20}, {Header: "b", Width: 20}},
		Rows:    [][]string{{"1", "2"}, {"3"}},
	})
	if err == nil || !strings.Contains(err.Error(), "row 2") {
		t.Fatalf("Table=%v, want an error naming row 2", err)
	}
}
