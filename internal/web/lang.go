package web

import "net/http"

// langCookie remembers the visitor's language for a year.
const langCookie = "lang"

// lang returns the language of the response to r: see edge.Language.
func lang(r *http.Request) string { return info(r).Lang }
