package admin

import (
	"net/http"
)

// orderMemoAction saves the order's shop memo; the order service checks
// its length and audits the change ("order.memo").
func (s *Server) orderMemoAction(w http.ResponseWriter, r *http.Request) {
	s.orderAction("memo", "memo", func(r *http.Request, number string) error {
		return s.orders.SetMemo(r.Context(), number, newForm(r).String("memo"), orderActor(r))
	})(w, r)
}
