package gateway

import (
	"fmt"
	"io/fs"

	"kaede/internal/scripts"
)

// scriptTable is the gateway's line of the script inventory (PCI DSS
// 6.4.3): none. The card page, where a card number is typed, must run no
// script at all; every gateway page counts as a payment page, so a
// <script> added to any of its templates stops the gateway at start (see
// Scripts), and cardPageCSP's script-src 'none' stays true.
var scriptTable []scripts.Entry

// Scripts is the gateway's part of the script inventory, built from its
// embedded templates and checked against scriptTable.
func Scripts() ([]scripts.Script, error) {
	uses := map[string]scripts.Uses{}
	var names []string
	for n, t := range pages {
		u, err := scripts.Scan(t, "layout")
		if err != nil {
			return nil, fmt.Errorf("gateway page %s: %w", n, err)
		}
		uses[n] = u
		names = append(names, n)
	}
	inv, err := scripts.Build("gateway", nil, uses, names, scriptTable)
	if err != nil {
		return nil, fmt.Errorf("script inventory: %w", err)
	}
	return inv, nil
}

// Templates are the gateway's embedded page templates, for the release
// manifest.
func Templates() fs.FS { return templateFS }
