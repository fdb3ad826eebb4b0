package edge

import (
	"net/http"
	"strconv"
	"time"

	"kaede/internal/shop"
)

// SetRetryAfter sets Retry-After, in whole seconds rounded up, when err is
// a refusal that knows how long the client should wait (a limit's
// shop.Error.RetryAfter) or a database that cannot answer (RetryDatabase).
// Both edges call it wherever they answer an error.
func SetRetryAfter(w http.ResponseWriter, err error) {
	d := shop.ErrorRetryAfter(Refine(err))
	if d <= 0 {
		return
	}
	w.Header().Set("Retry-After", strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10))
}
