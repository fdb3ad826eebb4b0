package db

import "strconv"

// Args collects the arguments of a query built from optional parts and
// names each by its placeholder, so that a WHERE clause grows one
// condition at a time and the numbering cannot go wrong:
//
//	var a db.Args
//	cond := "status = " + a.Add(status)
//	rows, err := tx.QueryContext(ctx, `SELECT … WHERE `+cond, a...)
//
// Only placeholders enter the SQL text; values stay arguments.
type Args []any

// Add appends v and returns its placeholder: "$1" for the first.
func (a *Args) Add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// Contains returns the condition that expr contains s anywhere, matched
// literally: LIKE with s's wildcards escaped (LikePattern).
func (a *Args) Contains(expr, s string) string {
	return expr + " LIKE " + a.Add(LikePattern(s)) + ` ESCAPE '\'`
}
