package csvcell

import (
	"bytes"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

func TestFile(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sjis     bool
		rows     [][]string
		want     string // as UTF-8, after decoding Shift_JIS
		replaced int
	}{
		{"utf-8 with a BOM", false, [][]string{{"名前", "金額"}, {"吉田 𠮷", "=1+1"}},
			"\uFEFF名前,金額\r\n吉田 𠮷,'=1+1\r\n", 0},
		{"shift_jis fitted", true, [][]string{{"名前", "時間"}, {"吉田 𠮷😀", "14時〜16時"}},
			"名前,時間\r\n吉田 〓〓,14時～16時\r\n", 2},
		{"quoted cells", true, [][]string{{"a,b", "改行\nあり", "＋81"}},
			"\"a,b\",\"改行\r\nあり\",'＋81\r\n", 0}, // encoding/csv writes CRLF inside quotes too
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFile(tc.sjis)
			replaced := 0
			for _, r := range tc.rows {
				n, err := f.Write(r)
				if err != nil {
					t.Fatal(err)
				}
				replaced += n
			}
			out, err := f.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if tc.sjis {
				if bytes.HasPrefix(out, []byte("\xEF\xBB\xBF")) {
					t.Fatal("a Shift_JIS file starts with a UTF-8 BOM")
				}
				if out, err = japanese.ShiftJIS.NewDecoder().Bytes(out); err != nil {
					t.Fatal(err)
				}
			}
			if string(out) != tc.want {
				t.Errorf("file %q, want %q", out, tc.want)
			}
			if replaced != tc.replaced {
				t.Errorf("replaced %d, want %d", replaced, tc.replaced)
			}
		})
	}
}
