package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"
)

// commonList is the 10,000 most common leaked passwords, lower-cased, one
// a line, as ranked by @zxcvbn-ts/language-common 4.1.3; commongen
// writes it (see there how to refresh it).
//
//go:generate go run ./commongen -src /tmp/package/src/passwords.json -out common.txt.gz
//go:embed common.txt.gz
var commonList []byte

var (
	commonOnce sync.Once
	common     map[string]struct{}
)

// Common reports whether p is on the list of common passwords, ignoring
// case: the first ones an attacker tries, against one account or, sprayed,
// against all of them. Members' and staff's password rules refuse them.
func Common(p string) bool {
	commonOnce.Do(loadCommon)
	_, ok := common[strings.ToLower(p)]
	return ok
}

// loadCommon reads the embedded list on first use, so that a program
// that never checks a new password never spends the memory.
func loadCommon() {
	common = make(map[string]struct{}, 10000)
	z, err := gzip.NewReader(bytes.NewReader(commonList))
	if err != nil {
		panic("password: embedded common list: " + err.Error()) // a build that embedded a broken file
	}
	sc := bufio.NewScanner(z)
	for sc.Scan() {
		common[sc.Text()] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		panic("password: embedded common list: " + err.Error())
	}
}
