package edge

import (
	"net/url"
	"strconv"
)

// Pager is the previous and next links of a paged list.
type Pager struct {
	Page, Pages int
	Total       int
	PrevURL     string // "" on the first page
	NextURL     string // "" on the last page
}

// NewPager pages total items size at a time (page is 1-based), with links
// to path that keep the list's filters in q; the language is left out, as
// it is the visitor's choice, not the list's.
func NewPager(path string, q url.Values, page, size, total int) Pager {
	p := Pager{Page: page, Total: total, Pages: max((total+size-1)/size, 1)}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "lang" && k != "page" {
				v[k] = vs
			}
		}
		v.Set("page", strconv.Itoa(n))
		return path + "?" + v.Encode()
	}
	if page > 1 {
		p.PrevURL = link(page - 1)
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	return p
}
