package admin

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"kaede/internal/payment/gateway"
	"kaede/internal/release"
	"kaede/internal/scripts"
	"kaede/internal/ui"
)

// Inventory is the whole script inventory (PCI DSS 6.4.3): the store's,
// the admin's and the test gateway's scripts, each edge's built from its
// embedded files and checked against its table at start.
var Inventory = sync.OnceValues(func() ([]scripts.Script, error) {
	store, err := ui.New()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	views, err := newViews()
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	gw, err := gateway.Scripts()
	if err != nil {
		return nil, err
	}
	inv := append(append(append([]scripts.Script{}, store.Scripts()...), views.Scripts()...), gw...)
	return inv, nil
})

// inventoryView is the inventory page's data.
type inventoryView struct {
	Scripts      []scripts.Script
	PaymentPages string
	Files        int
	Digest       string
}

// inventoryPage shows the script inventory and the running release's
// manifest digest, read-only.
func (s *Server) inventoryPage(w http.ResponseWriter, r *http.Request) {
	inv, err := Inventory()
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	m, err := release.Running()
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "security_inventory", inventoryView{
		Scripts:      inv,
		PaymentPages: "store: " + strings.Join(ui.StorePaymentPages, ", ") + "; gateway: card, challenge, result, error",
		Files:        len(m.Files),
		Digest:       m.Digest,
	})
}
