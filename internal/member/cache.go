package member

// Every page a logged-in customer opens reads their session and their
// account; under load those two reads were most of a page's database
// work. So each process keeps what it read, for a short while, and drops
// it when any process commits a change to it:
//
//   - a write that ends or changes a session (logout, a password changed
//     or reset, an account closed or erased, a login replacing a guest's
//     session, a cart given to a session that has a row) announces
//     sessionsTopic in its transaction;
//   - a write to a member's row (verification, profile, e-mail address,
//     practitioner state, closure) announces membersTopic;
//
// and db.OnChange drops every cached session or member in the writing
// process when the transaction commits, and in every other process on
// the same PostgreSQL when the notification arrives (milliseconds).
// readcache.For bounds what is left: a command-line process on SQLite, which
// has no notifications, and a notification lost while a listener
// reconnects (it then clears everything anyway).
//
// A whole cache is dropped at a time: topics are single words, and these
// writes are rare next to the reads (one page view after it reads again).
const (
	sessionsTopic = "sessions"
	membersTopic  = "members"
)
