package audit

// HashForTest exposes the entry hash so that tests can forge entries the
// way an attacker who read this code would.
var HashForTest = hashEntry
