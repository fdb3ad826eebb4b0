package gateway

// Internals the black-box tests fuzz directly.

// LuhnValid is luhnValid.
var LuhnValid = luhnValid

// ParseSignature is parseSignature, flattened.
func ParseSignature(h string) (int64, [][]byte, error) {
	sh, err := parseSignature(h)
	return sh.Timestamp, sh.Signatures, err
}
